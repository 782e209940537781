/** The call's own output limit, or undefined when it sets none (the service then holds the model's default). */
export function maxOutputOf(body) {
    for (const field of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
        const value = body[field];
        if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
            return value;
        }
    }
    return undefined;
}
/** The decision, applied: the model the ledger chose and the output it granted, so no more can be produced. */
export function applyDecision(kind, body, hold, asked, choices) {
    const request = { ...body };
    if (hold.model) {
        request.model = hold.model;
    }
    const granted = hold.maxOutputTokens === undefined ? undefined : Math.floor(hold.maxOutputTokens / choices);
    if (kind === 'openai-embeddings' || granted === undefined || granted === asked) {
        return request;
    }
    if (kind === 'anthropic-messages') {
        request.max_tokens = granted;
    }
    else if (kind === 'openai-responses') {
        request.max_output_tokens = granted;
    }
    else if (typeof body.max_tokens === 'number' && body.max_completion_tokens === undefined) {
        request.max_tokens = granted;
    }
    else {
        request.max_completion_tokens = granted;
    }
    return request;
}
export function settleUsage(kind, raw) {
    if (!raw || typeof raw !== 'object') {
        return undefined;
    }
    const usage = raw;
    const number = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
    if (kind === 'anthropic-messages') {
        if (typeof usage.input_tokens !== 'number' && typeof usage.output_tokens !== 'number') {
            return undefined;
        }
        return compact({
            inputTokens: number(usage.input_tokens),
            outputTokens: number(usage.output_tokens),
            cacheReadTokens: number(usage.cache_read_input_tokens),
            cacheWriteTokens: number(usage.cache_creation_input_tokens),
        });
    }
    if (kind === 'openai-responses') {
        if (typeof usage.input_tokens !== 'number') {
            return undefined;
        }
        const cachedInput = number(usage.input_tokens_details?.cached_tokens);
        const reasoningOutput = number(usage.output_tokens_details?.reasoning_tokens);
        return compact({
            inputTokens: Math.max(0, number(usage.input_tokens) - cachedInput),
            outputTokens: Math.max(0, number(usage.output_tokens) - reasoningOutput),
            cacheReadTokens: cachedInput,
            reasoningTokens: reasoningOutput,
        });
    }
    if (typeof usage.prompt_tokens !== 'number') {
        return undefined;
    }
    const cached = number(usage.prompt_tokens_details?.cached_tokens);
    const reasoning = number(usage.completion_tokens_details?.reasoning_tokens);
    return compact({
        inputTokens: Math.max(0, number(usage.prompt_tokens) - cached),
        outputTokens: Math.max(0, number(usage.completion_tokens) - reasoning),
        cacheReadTokens: cached,
        reasoningTokens: reasoning,
    });
}
/** Leaves out the optional counts that are zero, so the settle says only what the provider reported. */
function compact(usage) {
    const result = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
    for (const field of ['cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens']) {
        if (usage[field]) {
            result[field] = usage[field];
        }
    }
    return result;
}
/** Network failures that happen before a request is sent: the provider cannot have billed anything. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
    'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET_CONNECT', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']);
/**
 * True when the failed call cannot have been billed (docs/charging.md): the provider answered an error status, the
 * request never reached it, or the SDK refused it before sending. A timeout, a reset or an abort after sending
 * leave the outcome unknown.
 */
export function neverBilled(error) {
    if (!(error instanceof Error)) {
        return true;
    }
    const name = error.constructor?.name ?? error.name;
    if (typeof error.status === 'number') {
        return true;
    }
    if (name === 'APIConnectionTimeoutError' || name === 'APIUserAbortError') {
        return false;
    }
    if (name === 'APIConnectionError') {
        for (let cause = error.cause; cause instanceof Error; cause = cause.cause) {
            const code = cause.code;
            if (typeof code === 'string' && NOT_SENT.has(code)) {
                return true;
            }
        }
        return false;
    }
    // Anything else was thrown by the SDK (or the caller's options) before a request went out.
    return true;
}
export function isUsageOnlyChunk(chunk) {
    return Array.isArray(chunk.choices) && chunk.choices.length === 0 && !!chunk.usage;
}
export function describe(error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
//# sourceMappingURL=provider.js.map