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
import { BudgetDenied, BudgetExceeded, BudgetLedgerError, LedgerUnavailable } from './errors.js';
import { applyDecision, describe, isUsageOnlyChunk, maxOutputOf, neverBilled, settleUsage, } from './provider.js';
import { stopAnswer } from './stop.js';
import { KeepAlive, StreamWatcher, SyntheticStream, withResponseApi } from './streams.js';
import { countChatInput, countEmbeddingInput, countResponsesInput, estimateAnthropicInput, isReasoningModel, } from './tokens.js';
/** The SDK methods that are held and settled; every other method passes through unguarded. */
const GUARDED = {
    'chat.completions.create': 'openai-chat',
    'responses.create': 'openai-responses',
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
    return guardWith(client, new Guardian(options));
}
/** The proxy of one client; clients derived from it (withOptions) share its guardian, and so its budget and figures. */
function guardWith(client, guardian) {
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
            if (property === 'withOptions' && typeof value === 'function') {
                // A client with other request options (timeout, headers) must not be a way around the budget.
                return (...args) => guardWith(value.apply(target, args), guardian);
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
            : kind === 'openai-responses' ? await countResponsesInput(model, body)
                : kind === 'openai-embeddings' ? await countEmbeddingInput(model, body.input)
                    : estimateAnthropicInput(body);
        const admission = await this.#admit(kind, model, inputTokens, maxOutput, body);
        if ('stopped' in admission) {
            return admission.stopped;
        }
        const hold = admission.hold;
        const tab = hold ? this.#holdTab(hold) : admission.overLimit ? this.#chargeTab(admission.overLimit) : undefined;
        const request = hold ? applyDecision(kind, body, hold, asked, choices) : { ...body };
        const stream = kind !== 'openai-embeddings' && body.stream === true;
        const streamOptions = body.stream_options;
        const hideUsage = !!tab && kind === 'openai-chat' && stream && streamOptions?.include_usage !== true;
        if (tab && kind === 'openai-chat' && stream) {
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
            if (tab) {
                await this.#afterFailure(tab, admission.worstCase, error);
            }
            throw error;
        }
        if (!tab) {
            return result;
        }
        if (stream) {
            keepAlive?.reading(false);
            return { ...result, data: this.#watchStream(kind, result.data, tab, admission, keepAlive, hideUsage) };
        }
        keepAlive?.stop();
        const usage = settleUsage(kind, result.data?.usage);
        await tab.pay(usage ?? admission.worstCase, usage ? undefined : `the answer carried no usage: charging ${tab.worstCase}`);
        return result;
    }
    #holdTab(hold) {
        return {
            model: hold.model ?? '',
            worstCase: 'the whole hold',
            pay: (usage, why) => this.#settle(hold, usage, why),
            cancel: () => this.#release(hold),
        };
    }
    #chargeTab(call) {
        return {
            model: call.model,
            worstCase: 'the call\'s whole estimate',
            pay: (usage, why) => this.#charge(call, usage, why),
            cancel: async () => { },
        };
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
                metadata: { guard: 'typescript', call: kind, ...options.metadata },
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
                    return this.#overLimit(kind, model, inputTokens, maxOutput, error);
                default:
                    throw new BudgetExceeded(error, model);
            }
        }
    }
    /**
     * onLimit 'warn': the call goes ahead all the same, as it was asked. A DENY holds nothing, so what the call uses
     * is booked afterwards as a direct charge (POST /v1/budgets/{id}/charges), which the ledger never refuses: it is
     * spend that happened, flagged over the limit. One Idempotency-Key per call, so a retried charge is booked once.
     */
    #overLimit(kind, model, inputTokens, maxOutput, denied) {
        this.#logger.warn(`budget-ledger: over the limit (${denied.reason}, ${denied.available ?? '?'} left); `
            + `calling ${model} anyway (onLimit: 'warn'); what it uses is booked as a direct charge`);
        return {
            inputTokens,
            worstCase: { inputTokens, outputTokens: maxOutput ?? 0 },
            overLimit: {
                budgetId: this.budgetId, model, idempotencyKey: `charge-${randomUUID()}`,
                metadata: { guard: 'typescript', call: kind, onLimit: 'warn', overLimit: denied.reason, ...this.#options.metadata },
            },
        };
    }
    /** An exception from the SDK before an answer: nothing to pay if it was never billed, else the worst case. */
    async #afterFailure(tab, worstCase, error) {
        if (neverBilled(error)) {
            await tab.cancel();
        }
        else {
            await tab.pay(worstCase, `no answer came back (${describe(error)}); the outcome is unknown, so ${tab.worstCase} is charged`);
        }
    }
    #watchStream(kind, data, tab, admission, keepAlive, hideUsage) {
        const inner = data;
        const watcher = new StreamWatcher(kind, tab.model);
        const guardian = this;
        async function* guarded() {
            let failure;
            try {
                const iterator = inner[Symbol.asyncIterator]();
                while (true) {
                    keepAlive?.reading(true);
                    const next = await iterator.next();
                    keepAlive?.reading(false);
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
                }
            }
            catch (error) {
                failure = error;
                throw error;
            }
            finally {
                keepAlive?.stop();
                await guardian.#finishStream(watcher, tab, admission, failure);
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
                    keepAlive?.stop();
                    inner.controller?.abort();
                    await guardian.#finishStream(watcher, tab, admission, undefined);
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
    async #finishStream(watcher, tab, admission, failure) {
        const usage = watcher.usage();
        if (usage) {
            await tab.pay(usage);
            return;
        }
        if (failure !== undefined && !watcher.started && neverBilled(failure)) {
            await tab.cancel();
            return;
        }
        const model = tab.model;
        if (isReasoningModel(model)) {
            await tab.pay(admission.worstCase, `the stream of ${model} ended before its usage; its hidden reasoning cannot `
                + `be counted: charging ${tab.worstCase}`);
            return;
        }
        const counted = await watcher.countedUsage(admission.inputTokens);
        await tab.pay(counted, `the stream ended before its usage: charging ${counted.inputTokens} input `
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
    /**
     * Books what an over-limit call used as a direct charge. The limit never refuses one, but the budget's overrun
     * policy bounds how far past its room a CLIENT key may charge: refused, nothing is recorded, and only the log says
     * so (the caller has its answer; raising now would lose it).
     */
    async #charge(call, usage, why) {
        if (why) {
            this.#logger.warn(`budget-ledger: over-limit call to ${call.model}: ${why}`);
        }
        try {
            const charged = await this.ledger.charge(call.budgetId, {
                model: call.model, ...usage, reason: 'called over the limit (onLimit: warn)', metadata: call.metadata,
            }, { idempotencyKey: call.idempotencyKey });
            this.spent = addDecimal(this.spent, charged.amount);
            this.#saw(charged.available);
            if (charged.capped) {
                this.#logger.error(`budget-ledger: the over-limit call to ${call.model} asked ${charged.requested ?? '?'} `
                    + `but the budget's overrun policy (CAP) booked only ${charged.amount}; the rest of what it spent is not `
                    + `recorded (an ADMIN key can book it with POST /v1/budgets/${call.budgetId}/charges)`);
            }
        }
        catch (error) {
            if (error instanceof BudgetLedgerError && error.code === 'OVERRUN_LIMIT_EXCEEDED') {
                this.#logger.error(`budget-ledger: the over-limit call to ${call.model} (${JSON.stringify(usage)}) was made `
                    + `but what it spent is NOT recorded: the budget's overrun policy refuses a client's charge this far past `
                    + `its limit (the most it may book is ${String(error.problem?.maxCharge ?? error.problem?.maxChargedTokens ?? '?')}). `
                    + `An ADMIN key can book it (POST /v1/budgets/${call.budgetId}/charges, Idempotency-Key `
                    + `${call.idempotencyKey}), or raise the budget's maxOverrun so warn-mode calls are booked.`);
                return;
            }
            // The answer still goes to the caller; this log line (with the Idempotency-Key) is what an operator books from.
            this.#logger.error(`budget-ledger: could not book the over-limit call to ${call.model} with `
                + `${JSON.stringify(usage)} as a direct charge (Idempotency-Key ${call.idempotencyKey}); what it spent is `
                + `not recorded: ${describe(error)}`);
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
//# sourceMappingURL=guard.js.map