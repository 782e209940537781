import { describe, settleUsage } from './provider.js';
import { countText, estimateTokens } from './tokens.js';
/** Reads a stream as it passes: its final usage, and the text sent so far in case it is cut before that. */
export class StreamWatcher {
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
        if (this.kind === 'openai-responses') {
            if (typeof chunk.delta === 'string' && /^response\.(output_text|refusal|function_call_arguments)\.delta$/.test(String(chunk.type))) {
                this.#text += chunk.delta;
            }
            const response = chunk.response;
            if (response?.usage && /^response\.(completed|incomplete|failed)$/.test(String(chunk.type))) {
                this.#final = response.usage;
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
    /**
     * The provider's own figures: the final usage chunk (chat completions), the finished response (Responses), or
     * message_start merged with the last message_delta (Anthropic).
     */
    usage() {
        if (this.kind !== 'anthropic-messages') {
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
        const outputTokens = this.kind === 'anthropic-messages' ? estimateTokens(this.#text)
            : await countText(this.model, this.#text);
        const reported = this.#startUsage ? settleUsage(this.kind, { ...this.#startUsage, output_tokens: 0 }) : undefined;
        return { ...(reported ?? { inputTokens }), outputTokens };
    }
}
/**
 * Keeps a call's hold alive while it runs: at each half of the hold's lifetime, if a request or a read is waiting on
 * the provider or a chunk was read since the last time, the hold is extended by its lifetime again
 * (POST .../extend). A stream nobody reads any more is left to expire.
 */
export class KeepAlive {
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
/** The SDKs' APIPromise surface: the data, withResponse(), parse(), asResponse() and _thenUnwrap() (the helpers use it). */
export function withResponseApi(run) {
    const data = run.then((result) => result.data);
    // A caller of withResponse() alone (the SDKs' stream helpers) never looks at this one: do not let its rejection
    // count as unhandled. Awaiting it still throws.
    data.catch(() => undefined);
    return Object.assign(data, {
        withResponse: () => run,
        parse: () => data,
        // The body has been read by then (the guard needs the usage in it): the Response is for status and headers.
        asResponse: () => run.then((result) => result.response),
        _thenUnwrap: (transform) => withResponseApi(run.then((result) => ({ ...result, data: transform(result.data, { response: result.response }) }))),
    });
}
//# sourceMappingURL=streams.js.map