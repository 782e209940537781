/**
 * guard(): the official OpenAI and Anthropic clients, each call held on a budget first and charged what it used
 * after, by the rules in docs/charging.md.
 *
 *   const client = guard(new OpenAI(), { budget: '$0.50', parent: teamBudgetId, fallback: 'gpt-4o-mini', onLimit: 'stop' });
 *   const answer = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 500 });
 *   console.log(client.spent, client.remaining, client.calls);
 */
import { randomUUID } from 'node:crypto';
import { BudgetLedger } from './client.js';
import { addDecimal } from './decimal.js';
import { BudgetDenied, BudgetExceeded, LedgerUnavailable } from './errors.js';
import { countChatInput, countEmbeddingInput, countText, estimateAnthropicInput, estimateTokens, isReasoningModel, } from './tokens.js';
/** The SDK methods that are held and settled; every other method passes through unguarded. */
const GUARDED = {
    'chat.completions.create': 'openai-chat',
    'embeddings.create': 'openai-embeddings',
    'messages.create': 'anthropic-messages',
};
const PREFIXES = new Set(Object.keys(GUARDED).flatMap((path) => {
    const parts = path.split('.');
    return parts.slice(1).map((_, end) => parts.slice(0, end + 1).join('.'));
}));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIMIT = /^\$?\s*(\d+(?:\.\d+)?)$/;
/**
 * Wraps an OpenAI or Anthropic client: `chat.completions.create`, `embeddings.create` and `messages.create`
 * (and so `messages.stream`, `chat.completions.stream` and `parse`, which call them) reserve before the call and
 * settle after it. The result is the same client with `spent`, `remaining` and `calls` added.
 */
export function guard(client, options) {
    const guardian = new Guardian(options);
    const resources = new WeakMap();
    let root;
    const wrap = (target, path) => {
        let proxy = resources.get(target);
        if (!proxy) {
            proxy = new Proxy(target, {
                get(resource, property, receiver) {
                    if (property === '_client') {
                        // The SDKs' helpers (chat.completions.stream, parse, messages.stream) reach create through the
                        // resource's client: hand them the guarded one so their calls are held too.
                        return root;
                    }
                    const value = Reflect.get(resource, property, receiver);
                    if (typeof property !== 'string') {
                        return value;
                    }
                    const here = `${path}.${property}`;
                    const kind = GUARDED[here];
                    if (kind && typeof value === 'function') {
                        return (body, requestOptions) => guardian.call(kind, value, resource, body, requestOptions);
                    }
                    if (PREFIXES.has(here) && value && typeof value === 'object') {
                        return wrap(value, here);
                    }
                    return value;
                },
            });
            resources.set(target, proxy);
        }
        return proxy;
    };
    root = new Proxy(client, {
        get(target, property) {
            switch (property) {
                case 'spent': return guardian.spent;
                case 'remaining': return guardian.remaining;
                case 'calls': return guardian.calls;
                case 'budgetId': return guardian.budgetId;
                case 'ledger': return guardian.ledger;
                default: break;
            }
            const value = Reflect.get(target, property, target);
            if (typeof property === 'string' && PREFIXES.has(property) && value && typeof value === 'object') {
                return wrap(value, property);
            }
            // The SDK clients keep state in private fields, which a method called on the proxy could not reach.
            return typeof value === 'function' ? value.bind(target) : value;
        },
    });
    return root;
}
class Guardian {
    ledger;
    spent = '0';
    remaining;
    calls = 0;
    budgetId;
    #options;
    #onLimit;
    #failOpen;
    #logger;
    #fallbacks;
    #creating;
    constructor(options) {
        if (!options || typeof options.budget !== 'string') {
            throw new TypeError('guard(client, { budget }) needs a budget id or a limit such as "$0.50"');
        }
        if (!UUID.test(options.budget) && !LIMIT.test(options.budget)) {
            throw new TypeError(`budget must be a budget id or a limit such as "$0.50", not ${JSON.stringify(options.budget)}`);
        }
        if (options.onLimit && !['raise', 'stop', 'warn'].includes(options.onLimit)) {
            throw new TypeError(`onLimit must be 'raise', 'stop' or 'warn', not ${JSON.stringify(options.onLimit)}`);
        }
        this.ledger = options.ledger instanceof BudgetLedger ? options.ledger : new BudgetLedger(options.ledger);
        this.#options = options;
        this.#onLimit = options.onLimit ?? 'raise';
        this.#failOpen = options.failOpen ?? this.ledger.failOpen;
        this.#logger = options.logger ?? this.ledger.logger;
        this.#fallbacks = options.fallback === undefined ? [] : [].concat(options.fallback);
        this.budgetId = UUID.test(options.budget) ? options.budget : undefined;
    }
    call(kind, create, resource, body, requestOptions) {
        if (!body || typeof body !== 'object' || typeof body.model !== 'string') {
            // Not a call the guard can price: let the SDK say what is wrong with it.
            return create.call(resource, body, requestOptions);
        }
        const run = this.#run(kind, create, resource, body, requestOptions);
        return withResponseApi(run);
    }
    async #run(kind, create, resource, body, requestOptions) {
        const model = body.model;
        // n choices each produce up to the maximum: hold for all of them.
        const choices = kind === 'openai-chat' && typeof body.n === 'number' && body.n > 1 ? body.n : 1;
        const asked = kind === 'openai-embeddings' ? 0 : maxOutputOf(body);
        const maxOutput = asked === undefined ? undefined : asked * choices;
        const inputTokens = kind === 'openai-chat' ? await countChatInput(model, body)
            : kind === 'openai-embeddings' ? await countEmbeddingInput(model, body.input)
                : estimateAnthropicInput(body);
        const admission = await this.#admit(kind, model, inputTokens, maxOutput, body);
        if ('stopped' in admission) {
            return admission.stopped;
        }
        const hold = admission.hold;
        const request = hold && !admission.tracking ? applyDecision(kind, body, hold, asked, choices) : { ...body };
        const stream = kind !== 'openai-embeddings' && body.stream === true;
        const streamOptions = body.stream_options;
        const hideUsage = !!hold && kind === 'openai-chat' && stream && streamOptions?.include_usage !== true;
        if (hold && kind === 'openai-chat' && stream) {
            request.stream_options = { ...streamOptions, include_usage: true };
        }
        this.calls++;
        const keepAlive = hold ? new KeepAlive(this.ledger, hold, this.#options.ttlSeconds, this.#logger) : undefined;
        keepAlive?.reading(true);
        let result;
        try {
            const pending = create.call(resource, request, requestOptions);
            result = typeof pending.withResponse === 'function' ? await pending.withResponse()
                : { data: await pending, response: new Response(null) };
        }
        catch (error) {
            keepAlive?.stop();
            if (hold) {
                await this.#afterFailure(hold, admission.worstCase, error);
            }
            throw error;
        }
        if (!hold || !keepAlive) {
            return result;
        }
        if (stream) {
            keepAlive.reading(false);
            return { ...result, data: this.#watchStream(kind, result.data, hold, admission, keepAlive, hideUsage) };
        }
        keepAlive.stop();
        const usage = settleUsage(kind, result.data?.usage);
        await this.#settle(hold, usage ?? admission.worstCase, usage ? undefined : 'the answer carried no usage: charging the whole hold');
        return result;
    }
    /** Reserves; on a DENY does what onLimit says; on an unreachable ledger fails closed or open. */
    async #admit(kind, model, inputTokens, maxOutput, body) {
        const options = this.#options;
        let budgetId;
        try {
            budgetId = await this.#budget();
            const min = options.minOutputTokens;
            const hold = await this.ledger.reserve({
                budgetId, model, inputTokens,
                ...(maxOutput !== undefined ? { maxOutputTokens: maxOutput } : {}),
                ...(this.#fallbacks.length && kind !== 'openai-embeddings' ? { fallbackModels: this.#fallbacks } : {}),
                ...(min !== undefined && maxOutput !== undefined && min <= maxOutput ? { minOutputTokens: min } : {}),
                ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
                metadata: { guard: kind, ...options.metadata },
            });
            this.#saw(hold.available);
            return { hold, inputTokens,
                worstCase: { inputTokens: hold.inputTokens ?? inputTokens, outputTokens: hold.maxOutputTokens ?? maxOutput ?? 0 } };
        }
        catch (error) {
            if (error instanceof LedgerUnavailable && this.#failOpen) {
                this.#logger.warn(`budget-ledger: the ledger is unavailable; calling ${model} unguarded (failOpen): ${error.message}`);
                return { inputTokens, worstCase: { inputTokens, outputTokens: maxOutput ?? 0 } };
            }
            if (!(error instanceof BudgetDenied)) {
                throw error;
            }
            this.#saw(error.available);
            switch (this.#onLimit) {
                case 'stop':
                    return { stopped: stopAnswer(kind, body, error, options.stopMessage) };
                case 'warn':
                    return this.#overLimit(model, inputTokens, maxOutput, error);
                default:
                    throw new BudgetExceeded(error, model);
            }
        }
    }
    /**
     * onLimit 'warn': the call goes ahead all the same. A DENY holds nothing, so to have what the call spends in the
     * ledger the guard takes the smallest hold there is (one input token, no output) and settles the real usage on
     * it, which the ledger books as an overrun. When even that is denied (the budget is frozen, out of calls, or has
     * nothing left at all) the call runs untracked and the error log says what it used.
     */
    async #overLimit(model, inputTokens, maxOutput, denied) {
        const worstCase = { inputTokens, outputTokens: maxOutput ?? 0 };
        this.#logger.warn(`budget-ledger: over the limit (${denied.reason}, ${denied.available ?? '?'} left); `
            + `calling ${model} anyway (onLimit: 'warn')`);
        try {
            const hold = await this.ledger.reserve({
                budgetId: this.budgetId, model, inputTokens: 1, maxOutputTokens: 0,
                ...(this.#options.ttlSeconds !== undefined ? { ttlSeconds: this.#options.ttlSeconds } : {}),
                metadata: { guard: 'warn', overLimit: denied.reason, ...this.#options.metadata },
            });
            this.#saw(hold.available);
            return { hold, inputTokens, worstCase, tracking: true };
        }
        catch (error) {
            if (!(error instanceof BudgetDenied) && !(error instanceof LedgerUnavailable)) {
                throw error;
            }
            this.#logger.error(`budget-ledger: not even a token-sized hold fits (${describe(error)}); the call to ${model} `
                + 'runs untracked: what it spends is not recorded');
            return { inputTokens, worstCase };
        }
    }
    /** An exception from the SDK before an answer: release, or charge the whole hold when it may have been billed. */
    async #afterFailure(hold, worstCase, error) {
        if (neverBilled(error)) {
            await this.#release(hold);
        }
        else {
            await this.#settle(hold, worstCase, `no answer came back (${describe(error)}); the outcome is unknown, so the whole hold is charged`);
        }
    }
    #watchStream(kind, data, hold, admission, keepAlive, hideUsage) {
        const inner = data;
        const watcher = new StreamWatcher(kind, hold.model ?? '');
        const guardian = this;
        async function* guarded() {
            let failure;
            try {
                const iterator = inner[Symbol.asyncIterator]();
                while (true) {
                    keepAlive.reading(true);
                    const next = await iterator.next();
                    keepAlive.reading(false);
                    if (next.done) {
                        break;
                    }
                    const chunk = next.value;
                    watcher.observe(chunk);
                    if (hideUsage && kind === 'openai-chat') {
                        if (isUsageOnlyChunk(chunk)) {
                            continue;
                        }
                        if (chunk.usage === null) {
                            delete chunk.usage;
                        }
                    }
                    try {
                        yield chunk;
                    }
                    catch (thrown) {
                        await iterator.return?.();
                        throw thrown;
                    }
                    finally {
                        if (watcher.abandoned) {
                            await iterator.return?.();
                        }
                    }
                    watcher.abandoned = false;
                }
            }
            catch (error) {
                failure = error;
                throw error;
            }
            finally {
                keepAlive.stop();
                await guardian.#finishStream(watcher, hold, admission, failure);
            }
        }
        const generator = guarded();
        let reading = false;
        // A consumer that stops reading (break, return) ends the generator at its yield: the provider's stream must be
        // closed then too, which the flag tells the finally above. One that stops before its first read never enters
        // the generator, so it is closed and charged here.
        const stoppable = {
            next: () => {
                reading = true;
                return generator.next();
            },
            return: async (value) => {
                watcher.abandoned = true;
                if (!reading) {
                    reading = true;
                    keepAlive.stop();
                    inner.controller?.abort();
                    await guardian.#finishStream(watcher, hold, admission, undefined);
                }
                return generator.return(value);
            },
            throw: (error) => generator.throw(error),
        };
        const StreamClass = inner.constructor;
        const controller = inner.controller ?? new AbortController();
        let taken = false;
        const iterate = () => {
            if (taken) {
                throw new Error('Cannot iterate over a consumed stream, use `.tee()` to split the stream.');
            }
            taken = true;
            return stoppable;
        };
        if (typeof StreamClass === 'function' && StreamClass !== Object && inner.controller) {
            try {
                return new StreamClass(iterate, controller);
            }
            catch {
                // A stream type this guard does not know how to rebuild: fall through to a plain one.
            }
        }
        return new SyntheticStream(iterate, controller);
    }
    async #finishStream(watcher, hold, admission, failure) {
        const usage = watcher.usage();
        if (usage) {
            await this.#settle(hold, usage);
            return;
        }
        if (failure !== undefined && !watcher.started && neverBilled(failure)) {
            await this.#release(hold);
            return;
        }
        const model = hold.model ?? '';
        if (isReasoningModel(model)) {
            await this.#settle(hold, admission.worstCase, `the stream of ${model} ended before its usage; its hidden reasoning cannot be counted: charging the whole hold`);
            return;
        }
        const counted = await watcher.countedUsage(admission.inputTokens);
        await this.#settle(hold, counted, `the stream ended before its usage: charging ${counted.inputTokens} input `
            + `and ${counted.outputTokens} counted output tokens`);
    }
    async #settle(hold, usage, why) {
        if (why) {
            this.#logger.warn(`budget-ledger: reservation ${hold.id}: ${why}`);
        }
        try {
            const settled = await this.ledger.settle(hold.id, usage, { idempotencyKey: `settle-${hold.id}` });
            if (settled.charged !== undefined) {
                this.spent = addDecimal(this.spent, settled.charged);
            }
            this.#saw(settled.available);
        }
        catch (error) {
            // The answer (or the error) still goes to the caller; the hold expires and gives the money back, so this log
            // line is what an operator settles late from.
            this.#logger.error(`budget-ledger: could not settle reservation ${hold.id} with ${JSON.stringify(usage)}; `
                + `it will expire: ${describe(error)}`);
        }
    }
    async #release(hold) {
        try {
            const released = await this.ledger.release(hold.id, { idempotencyKey: `release-${hold.id}` });
            this.#saw(released.available);
        }
        catch (error) {
            this.#logger.error(`budget-ledger: could not release reservation ${hold.id}; it will expire: ${describe(error)}`);
        }
    }
    #saw(available) {
        if (available !== undefined) {
            this.remaining = available;
        }
    }
    /** The budget's id, creating the per-workflow budget on first use (once, however many calls race for it). */
    #budget() {
        if (this.budgetId) {
            return Promise.resolve(this.budgetId);
        }
        if (!this.#creating) {
            const limit = LIMIT.exec(this.#options.budget)?.[1];
            const key = `guard-budget-${randomUUID()}`;
            this.#creating = this.ledger.createBudget({
                name: this.#options.name ?? `guard-${randomUUID().slice(0, 8)}`,
                limit,
                ...(this.#options.parent ? { parentId: this.#options.parent } : {}),
                metadata: { createdBy: 'budget-ledger guard()' },
            }, { idempotencyKey: key }).then((budget) => {
                this.budgetId = budget.id;
                this.remaining = budget.available;
                return budget.id;
            }, (error) => {
                this.#creating = undefined;
                throw error;
            });
        }
        return this.#creating;
    }
}
/** The call's own output limit, or undefined when it sets none (the service then holds the model's default). */
function maxOutputOf(body) {
    for (const field of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
        const value = body[field];
        if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
            return value;
        }
    }
    return undefined;
}
/** The decision, applied: the model the ledger chose and the output it granted, so no more can be produced. */
function applyDecision(kind, body, hold, asked, choices) {
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
    else if (typeof body.max_tokens === 'number' && body.max_completion_tokens === undefined) {
        request.max_tokens = granted;
    }
    else {
        request.max_completion_tokens = granted;
    }
    return request;
}
function settleUsage(kind, raw) {
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
function neverBilled(error) {
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
function isUsageOnlyChunk(chunk) {
    return Array.isArray(chunk.choices) && chunk.choices.length === 0 && !!chunk.usage;
}
/** Reads a stream as it passes: its final usage, and the text sent so far in case it is cut before that. */
class StreamWatcher {
    kind;
    model;
    started = false;
    abandoned = false;
    #text = '';
    #final;
    #startUsage;
    #deltaUsage;
    constructor(kind, model) {
        this.kind = kind;
        this.model = model;
    }
    observe(chunk) {
        this.started = true;
        if (this.kind === 'openai-chat') {
            if (chunk.usage) {
                this.#final = chunk.usage;
            }
            for (const choice of chunk.choices ?? []) {
                const delta = (choice.delta ?? {});
                this.#text += typeof delta.content === 'string' ? delta.content : '';
                this.#text += typeof delta.refusal === 'string' ? delta.refusal : '';
                for (const call of delta.tool_calls ?? []) {
                    const fn = (call.function ?? {});
                    this.#text += `${typeof fn.name === 'string' ? fn.name : ''}${typeof fn.arguments === 'string' ? fn.arguments : ''}`;
                }
            }
            return;
        }
        switch (chunk.type) {
            case 'message_start':
                this.#startUsage = chunk.message?.usage;
                break;
            case 'content_block_delta': {
                const delta = (chunk.delta ?? {});
                for (const field of ['text', 'partial_json', 'thinking']) {
                    if (typeof delta[field] === 'string') {
                        this.#text += delta[field];
                    }
                }
                break;
            }
            case 'message_delta':
                if (chunk.usage) {
                    this.#deltaUsage = chunk.usage;
                }
                break;
            default:
                break;
        }
    }
    /** The provider's own figures: the final usage chunk (OpenAI) or message_start merged with the last message_delta. */
    usage() {
        if (this.kind === 'openai-chat') {
            return settleUsage(this.kind, this.#final);
        }
        if (!this.#deltaUsage) {
            return undefined;
        }
        const merged = { ...this.#startUsage };
        for (const [field, value] of Object.entries(this.#deltaUsage)) {
            if (value !== null && value !== undefined) {
                merged[field] = value;
            }
        }
        return settleUsage(this.kind, merged);
    }
    /** A stream cut before its usage: the input counted at reserve (or reported at the start), the output seen. */
    async countedUsage(inputTokens) {
        const outputTokens = this.kind === 'openai-chat' ? await countText(this.model, this.#text)
            : estimateTokens(this.#text);
        const reported = this.#startUsage ? settleUsage(this.kind, { ...this.#startUsage, output_tokens: 0 }) : undefined;
        return { ...(reported ?? { inputTokens }), outputTokens };
    }
}
/**
 * Keeps a streaming call's hold alive: at each half of its lifetime, while the stream is still being read, the
 * hold is extended by its lifetime again (POST .../extend). A stream nobody reads any more is left to expire.
 */
class KeepAlive {
    ledger;
    hold;
    logger;
    #timer;
    #active = true;
    #pending = false;
    #stopped = false;
    constructor(ledger, hold, ttlSeconds, logger) {
        this.ledger = ledger;
        this.hold = hold;
        this.logger = logger;
        const lifetimeMs = ttlSeconds !== undefined ? ttlSeconds * 1000
            : Date.parse(hold.expiresAt) - Date.parse(hold.createdAt);
        if (!(lifetimeMs > 0)) {
            return;
        }
        const ttl = Math.max(1, Math.round(lifetimeMs / 1000));
        this.#timer = setInterval(() => {
            if (!this.#active && !this.#pending) {
                return;
            }
            this.#active = false;
            this.ledger.extend(this.hold.id, ttl).catch((error) => {
                if (this.#stopped) {
                    return; // settled or released meanwhile: nothing left to keep alive
                }
                this.logger.warn(`budget-ledger: could not extend reservation ${this.hold.id}: ${describe(error)}`);
            });
        }, Math.max(500, lifetimeMs / 2));
        this.#timer.unref();
    }
    /** Called around each read: a read waiting on the provider, or a chunk just read, counts as running. */
    reading(pending) {
        this.#pending = pending;
        this.#active = true;
    }
    stop() {
        this.#stopped = true;
        clearInterval(this.#timer);
    }
}
/** The shape of the SDKs' Stream (async iterable, controller, tee, toReadableStream) for a stream they did not make. */
export class SyntheticStream {
    controller;
    #iterator;
    constructor(iterator, controller = new AbortController()) {
        this.#iterator = iterator;
        this.controller = controller;
    }
    [Symbol.asyncIterator]() {
        return this.#iterator();
    }
    tee() {
        const left = [];
        const right = [];
        const iterator = this.#iterator();
        const side = (queue, other) => () => ({
            next: () => {
                if (queue.length === 0) {
                    const result = iterator.next();
                    queue.push(result);
                    other.push(result);
                }
                return queue.shift();
            },
        });
        return [new SyntheticStream(side(left, right), this.controller), new SyntheticStream(side(right, left), this.controller)];
    }
    toReadableStream() {
        const iterator = this.#iterator();
        const encoder = new TextEncoder();
        return new ReadableStream({
            async pull(controller) {
                const next = await iterator.next();
                if (next.done) {
                    controller.close();
                }
                else {
                    controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
                }
            },
            async cancel() {
                await iterator.return?.();
            },
        });
    }
}
/** The SDKs' APIPromise surface the helpers use: the data, withResponse(), asResponse() and _thenUnwrap(). */
function withResponseApi(run) {
    const data = run.then((result) => result.data);
    // A caller of withResponse() alone (the SDKs' stream helpers) never looks at this one: do not let its rejection
    // count as unhandled. Awaiting it still throws.
    data.catch(() => undefined);
    return Object.assign(data, {
        withResponse: () => run,
        asResponse: () => run.then((result) => result.response),
        _thenUnwrap: (transform) => withResponseApi(run.then((result) => ({ ...result, data: transform(result.data, { response: result.response }) }))),
    });
}
/** onLimit 'stop': an answer of the SDK's own shape that says the call was not made, and why. */
function stopAnswer(kind, body, denied, message) {
    const id = `budget-ledger-stop-${randomUUID()}`;
    const model = body.model;
    const text = message ?? `[budget-ledger] This call was not made: the budget's limit was reached (${denied.reason}).`;
    const marker = { stopped: true, reason: denied.reason, remaining: denied.available ?? null, budgetId: denied.budgetId };
    const created = Math.floor(Date.now() / 1000);
    const response = new Response(null, { status: 200, headers: { 'x-budget-ledger-stopped': denied.reason } });
    const stream = body.stream === true;
    const events = (items) => new SyntheticStream(async function* () {
        yield* items;
    });
    let data;
    if (kind === 'openai-embeddings') {
        data = { object: 'list', data: [], model, usage: { prompt_tokens: 0, total_tokens: 0 }, budget_ledger: marker };
    }
    else if (kind === 'openai-chat') {
        const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
        if (!stream) {
            data = {
                id, object: 'chat.completion', created, model,
                choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
                usage, budget_ledger: marker,
            };
        }
        else {
            const chunk = (choices, extra = {}) => ({ id, object: 'chat.completion.chunk', created, model, choices, budget_ledger: marker, ...extra });
            const items = [
                chunk([{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null, logprobs: null }]),
                chunk([{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }]),
            ];
            if (body.stream_options?.include_usage === true) {
                items.push(chunk([], { usage }));
            }
            data = events(items);
        }
    }
    else {
        const usage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
        const messageBody = { id, type: 'message', role: 'assistant', model, stop_sequence: null, budget_ledger: marker };
        if (!stream) {
            data = { ...messageBody, content: [{ type: 'text', text, citations: null }], stop_reason: 'end_turn', usage };
        }
        else {
            data = events([
                { type: 'message_start', message: { ...messageBody, content: [], stop_reason: null, usage } },
                { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } },
                { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
                { type: 'content_block_stop', index: 0 },
                { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 0 } },
                { type: 'message_stop' },
            ]);
        }
    }
    return { data, response, request_id: null };
}
function describe(error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
//# sourceMappingURL=guard.js.map