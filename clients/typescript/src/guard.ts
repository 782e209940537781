/**
 * guard(): the official OpenAI and Anthropic clients, each call held on a budget first and charged what it used
 * after, by the rules in docs/charging.md.
 *
 *   const client = guard(new OpenAI(), { budget: '$0.50', parent: teamBudgetId, fallback: 'gpt-4o-mini', onLimit: 'stop' });
 *   const answer = await client.chat.completions.create({ model: 'gpt-4o', messages, max_tokens: 500 });
 *   console.log(client.spent, client.remaining, client.calls);
 */
import { randomUUID } from 'node:crypto';

import { BudgetLedger, type BudgetLedgerOptions, type Logger } from './client.js';
import { addDecimal } from './decimal.js';
import { BudgetDenied, BudgetExceeded, BudgetLedgerError, LedgerUnavailable } from './errors.js';
import {
  applyDecision, describe, isUsageOnlyChunk, maxOutputOf, neverBilled, settleUsage, type Kind, type WithResponse,
} from './provider.js';
import { stopAnswer } from './stop.js';
import { KeepAlive, StreamWatcher, SyntheticStream, withResponseApi } from './streams.js';
import {
  countChatInput, countEmbeddingInput, countResponsesInput, estimateAnthropicInput, isReasoningModel,
} from './tokens.js';
import type { Amount, Metadata, Reservation, SettleRequest } from './types.js';

/** What a guarded call does when the ledger denies it. */
export type OnLimit = 'raise' | 'stop' | 'warn';

export interface GuardOptions {
  /**
   * The budget every call is held on: an existing budget's id, or a limit (`'$0.50'`, `'0.50'`) for a budget of its
   * own that the guard creates on first use, under `parent` when given (creating one needs an ADMIN key).
   */
  budget: string;
  /** The budget a per-workflow budget is created under. */
  parent?: string;
  /** The name of a per-workflow budget (default `guard-<random>`). */
  name?: string;
  /** The ledger: a client, or the options to build one (default: $BUDGET_LEDGER_URL and $BUDGET_LEDGER_API_KEY). */
  ledger?: BudgetLedger | BudgetLedgerOptions;
  /** Models to use instead, in order, when the requested one does not fit (or the budget is past `downgradeAt`). */
  fallback?: string | string[];
  /**
   * On a DENY: `'raise'` (default) rejects with {@link BudgetExceeded}; `'stop'` answers a synthetic response of the
   * SDK's shape, marked `budget_ledger.stopped` (id `budget-ledger-stop-...`), without calling the provider;
   * `'warn'` logs and makes the call, still recording what it spent in the ledger (see the README).
   */
  onLimit?: OnLimit;
  /**
   * Let the ledger grant fewer output tokens (at least this many) when the call's maximum does not fit: the call
   * then goes out with the granted maximum. Off unless set.
   */
  minOutputTokens?: number;
  /** Ledger unreachable: `false` (default, else the ledger client's) fails closed, `true` makes the call unguarded. */
  failOpen?: boolean;
  /** Lifetime of each hold (default: the service's, 600 s). Streams extend it at every half-life. */
  ttlSeconds?: number;
  /** Added to every reservation's metadata. */
  metadata?: Metadata;
  /** The text of a `'stop'` answer. */
  stopMessage?: string;
  logger?: Logger;
}

/** What a guarded client adds to the SDK client. */
export interface GuardState {
  /** What this guard's calls were charged so far, a decimal string in the budget's unit ("0" at first). */
  readonly spent: Amount;
  /** What the budget had left at the ledger's last answer to this guard; undefined before the first call. */
  readonly remaining: Amount | undefined;
  /** Calls this guard let through to the provider. */
  readonly calls: number;
  /** The budget's id; undefined until a per-workflow budget is created on first use. */
  readonly budgetId: string | undefined;
  /** The ledger client the guard uses. */
  readonly ledger: BudgetLedger;
}

export type Guarded<C> = C & GuardState;

/** The SDK methods that are held and settled; every other method passes through unguarded. */
const GUARDED: Record<string, Kind> = {
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

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Wraps an OpenAI or Anthropic client: `chat.completions.create`, `embeddings.create` and `messages.create`
 * (and so `messages.stream`, `chat.completions.stream` and `parse`, which call them) reserve before the call and
 * settle after it. The result is the same client with `spent`, `remaining` and `calls` added.
 */
export function guard<C extends object>(client: C, options: GuardOptions): Guarded<C> {
  return guardWith(client, new Guardian(options));
}

/** The proxy of one client; clients derived from it (withOptions) share its guardian, and so its budget and figures. */
function guardWith<C extends object>(client: C, guardian: Guardian): Guarded<C> {
  const resources = new WeakMap<object, object>();
  let root: C;

  const wrap = (target: object, path: string): object => {
    let proxy = resources.get(target);
    if (!proxy) {
      proxy = new Proxy(target, {
        get(resource, property, receiver) {
          if (property === '_client') {
            // The SDKs' helpers (chat.completions.stream, parse, messages.stream) reach create through the
            // resource's client: hand them the guarded one so their calls are held too.
            return root;
          }
          const value = Reflect.get(resource, property, receiver) as unknown;
          if (typeof property !== 'string') {
            return value;
          }
          const here = `${path}.${property}`;
          const kind = GUARDED[here];
          if (kind && typeof value === 'function') {
            return (body: unknown, requestOptions?: unknown) =>
              guardian.call(kind, value as AnyFunction, resource, body, requestOptions);
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
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof property === 'string' && PREFIXES.has(property) && value && typeof value === 'object') {
        return wrap(value, property);
      }
      if (property === 'withOptions' && typeof value === 'function') {
        // A client with other request options (timeout, headers) must not be a way around the budget.
        return (...args: unknown[]) => guardWith((value as AnyFunction).apply(target, args) as object, guardian);
      }
      // The SDK clients keep state in private fields, which a method called on the proxy could not reach.
      return typeof value === 'function' ? (value as AnyFunction).bind(target) : value;
    },
  }) as C;
  return root as Guarded<C>;
}

/** The outcome of one reserve, as the call will be made. */
interface Admission {
  /** The hold the call is charged on; none when it runs unguarded (failOpen) or over the limit ('warn'). */
  hold?: Reservation;
  /** A 'warn' call the ledger denied: no hold; what it used is booked afterwards as a direct charge. */
  overLimit?: OverLimitCall;
  /** The input tokens counted for the call. */
  inputTokens: number;
  /** What is charged when what the call spent cannot be known: the whole hold (or estimate), as tokens. */
  worstCase: SettleRequest;
}

/** A call made over the limit (onLimit 'warn'): where and under which Idempotency-Key its charge is booked. */
interface OverLimitCall {
  budgetId: string;
  model: string;
  idempotencyKey: string;
  metadata: Metadata;
}

/**
 * How what a call used is paid for: settled on its hold, or, for a call made over the limit, booked as a direct
 * charge. `cancel` is for a call that was never billed: a hold is given back, a charge has nothing to book.
 */
interface Tab {
  readonly model: string;
  /** What the worst case is, for the log: the whole hold, or the call's estimate. */
  readonly worstCase: string;
  pay(usage: SettleRequest, why?: string): Promise<void>;
  cancel(): Promise<void>;
}

class Guardian {
  readonly ledger: BudgetLedger;
  spent: Amount = '0';
  remaining: Amount | undefined;
  calls = 0;
  budgetId: string | undefined;
  readonly #options: GuardOptions;
  readonly #onLimit: OnLimit;
  readonly #failOpen: boolean;
  readonly #logger: Logger;
  readonly #fallbacks: string[];
  #creating: Promise<string> | undefined;

  constructor(options: GuardOptions) {
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
    this.#fallbacks = options.fallback === undefined ? [] : ([] as string[]).concat(options.fallback);
    this.budgetId = UUID.test(options.budget) ? options.budget : undefined;
  }

  call(kind: Kind, create: AnyFunction, resource: object, body: unknown, requestOptions: unknown): unknown {
    if (!body || typeof body !== 'object' || typeof (body as Record<string, unknown>).model !== 'string') {
      // Not a call the guard can price: let the SDK say what is wrong with it.
      return create.call(resource, body, requestOptions);
    }
    const run = this.#run(kind, create, resource, body as Record<string, unknown>, requestOptions);
    return withResponseApi(run);
  }

  async #run(kind: Kind, create: AnyFunction, resource: object, body: Record<string, unknown>,
    requestOptions: unknown): Promise<WithResponse<unknown>> {
    const model = body.model as string;
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
    const streamOptions = body.stream_options as Record<string, unknown> | undefined;
    const hideUsage = !!tab && kind === 'openai-chat' && stream && streamOptions?.include_usage !== true;
    if (tab && kind === 'openai-chat' && stream) {
      request.stream_options = { ...streamOptions, include_usage: true };
    }

    this.calls++;
    const keepAlive = hold ? new KeepAlive(this.ledger, hold, this.#options.ttlSeconds, this.#logger) : undefined;
    keepAlive?.reading(true);
    let result: WithResponse<unknown>;
    try {
      const pending = create.call(resource, request, requestOptions) as Promise<unknown> & {
        withResponse?: () => Promise<WithResponse<unknown>>;
      };
      result = typeof pending.withResponse === 'function' ? await pending.withResponse()
        : { data: await pending, response: new Response(null) };
    } catch (error) {
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
    const usage = settleUsage(kind, (result.data as Record<string, unknown>)?.usage);
    await tab.pay(usage ?? admission.worstCase,
      usage ? undefined : `the answer carried no usage: charging ${tab.worstCase}`);
    return result;
  }

  #holdTab(hold: Reservation): Tab {
    return {
      model: hold.model ?? '',
      worstCase: 'the whole hold',
      pay: (usage, why) => this.#settle(hold, usage, why),
      cancel: () => this.#release(hold),
    };
  }

  #chargeTab(call: OverLimitCall): Tab {
    return {
      model: call.model,
      worstCase: 'the call\'s whole estimate',
      pay: (usage, why) => this.#charge(call, usage, why),
      cancel: async () => {},
    };
  }

  /** Reserves; on a DENY does what onLimit says; on an unreachable ledger fails closed or open. */
  async #admit(kind: Kind, model: string, inputTokens: number, maxOutput: number | undefined,
    body: Record<string, unknown>): Promise<Admission | { stopped: WithResponse<unknown> }> {
    const options = this.#options;
    let budgetId: string;
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
    } catch (error) {
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
  #overLimit(kind: Kind, model: string, inputTokens: number, maxOutput: number | undefined,
    denied: BudgetDenied): Admission {
    this.#logger.warn(`budget-ledger: over the limit (${denied.reason}, ${denied.available ?? '?'} left); `
      + `calling ${model} anyway (onLimit: 'warn'); what it uses is booked as a direct charge`);
    return {
      inputTokens,
      worstCase: { inputTokens, outputTokens: maxOutput ?? 0 },
      overLimit: {
        budgetId: this.budgetId as string, model, idempotencyKey: `charge-${randomUUID()}`,
        metadata: { guard: 'typescript', call: kind, onLimit: 'warn', overLimit: denied.reason, ...this.#options.metadata },
      },
    };
  }

  /** An exception from the SDK before an answer: nothing to pay if it was never billed, else the worst case. */
  async #afterFailure(tab: Tab, worstCase: SettleRequest, error: unknown): Promise<void> {
    if (neverBilled(error)) {
      await tab.cancel();
    } else {
      await tab.pay(worstCase,
        `no answer came back (${describe(error)}); the outcome is unknown, so ${tab.worstCase} is charged`);
    }
  }

  #watchStream(kind: Kind, data: unknown, tab: Tab, admission: Admission, keepAlive: KeepAlive | undefined,
    hideUsage: boolean): unknown {
    const inner = data as AsyncIterable<Record<string, unknown>> & { controller?: AbortController };
    const watcher = new StreamWatcher(kind, tab.model);
    const guardian = this;
    async function* guarded(): AsyncGenerator<unknown> {
      let failure: unknown;
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
          } catch (thrown) {
            await iterator.return?.();
            throw thrown;
          } finally {
            if (watcher.abandoned) {
              await iterator.return?.();
            }
          }
        }
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        keepAlive?.stop();
        await guardian.#finishStream(watcher, tab, admission, failure);
      }
    }
    const generator = guarded();
    let reading = false;
    // A consumer that stops reading (break, return) ends the generator at its yield: the provider's stream must be
    // closed then too, which the flag tells the finally above. One that stops before its first read never enters
    // the generator, so it is closed and charged here.
    const stoppable: AsyncIterator<unknown> = {
      next: () => {
        reading = true;
        return generator.next();
      },
      return: async (value?: unknown) => {
        watcher.abandoned = true;
        if (!reading) {
          reading = true;
          keepAlive?.stop();
          inner.controller?.abort();
          await guardian.#finishStream(watcher, tab, admission, undefined);
        }
        return generator.return(value);
      },
      throw: (error?: unknown) => generator.throw(error),
    };
    const StreamClass = inner.constructor as new (iterator: () => AsyncIterator<unknown>,
      controller: AbortController) => unknown;
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
      } catch {
        // A stream type this guard does not know how to rebuild: fall through to a plain one.
      }
    }
    return new SyntheticStream(iterate, controller);
  }

  async #finishStream(watcher: StreamWatcher, tab: Tab, admission: Admission, failure: unknown): Promise<void> {
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

  async #settle(hold: Reservation, usage: SettleRequest, why?: string): Promise<void> {
    if (why) {
      this.#logger.warn(`budget-ledger: reservation ${hold.id}: ${why}`);
    }
    try {
      const settled = await this.ledger.settle(hold.id, usage, { idempotencyKey: `settle-${hold.id}` });
      if (settled.charged !== undefined) {
        this.spent = addDecimal(this.spent, settled.charged);
      }
      this.#saw(settled.available);
    } catch (error) {
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
  async #charge(call: OverLimitCall, usage: SettleRequest, why?: string): Promise<void> {
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
    } catch (error) {
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

  async #release(hold: Reservation): Promise<void> {
    try {
      const released = await this.ledger.release(hold.id, { idempotencyKey: `release-${hold.id}` });
      this.#saw(released.available);
    } catch (error) {
      this.#logger.error(`budget-ledger: could not release reservation ${hold.id}; it will expire: ${describe(error)}`);
    }
  }

  #saw(available: Amount | undefined): void {
    if (available !== undefined) {
      this.remaining = available;
    }
  }

  /** The budget's id, creating the per-workflow budget on first use (once, however many calls race for it). */
  #budget(): Promise<string> {
    if (this.budgetId) {
      return Promise.resolve(this.budgetId);
    }
    if (!this.#creating) {
      const limit = LIMIT.exec(this.#options.budget)?.[1] as string;
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
      }, (error: unknown) => {
        this.#creating = undefined;
        throw error;
      });
    }
    return this.#creating;
  }
}
