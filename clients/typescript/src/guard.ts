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
import { BudgetDenied, BudgetExceeded, LedgerUnavailable } from './errors.js';
import {
  countChatInput, countEmbeddingInput, countText, estimateAnthropicInput, estimateTokens, isReasoningModel,
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

type Kind = 'openai-chat' | 'openai-embeddings' | 'anthropic-messages';

/** The SDK methods that are held and settled; every other method passes through unguarded. */
const GUARDED: Record<string, Kind> = {
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

interface WithResponse<T> {
  data: T;
  response: Response;
  request_id?: string | null;
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Wraps an OpenAI or Anthropic client: `chat.completions.create`, `embeddings.create` and `messages.create`
 * (and so `messages.stream`, `chat.completions.stream` and `parse`, which call them) reserve before the call and
 * settle after it. The result is the same client with `spent`, `remaining` and `calls` added.
 */
export function guard<C extends object>(client: C, options: GuardOptions): Guarded<C> {
  const guardian = new Guardian(options);
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
      // The SDK clients keep state in private fields, which a method called on the proxy could not reach.
      return typeof value === 'function' ? (value as AnyFunction).bind(target) : value;
    },
  }) as C;
  return root as Guarded<C>;
}

/** The outcome of one reserve, as the call will be made. */
interface Admission {
  /** The hold the call is charged on; none when it runs unguarded (failOpen, or 'warn' with nothing to hold on). */
  hold?: Reservation;
  /** The input tokens counted for the call. */
  inputTokens: number;
  /** What is charged when what the call spent cannot be known: the whole hold, as tokens. */
  worstCase: SettleRequest;
  /** A 'warn' hold: a token-sized hold that only records the spend; the call goes out as it was asked. */
  tracking?: boolean;
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
      : kind === 'openai-embeddings' ? await countEmbeddingInput(model, body.input)
        : estimateAnthropicInput(body);

    const admission = await this.#admit(kind, model, inputTokens, maxOutput, body);
    if ('stopped' in admission) {
      return admission.stopped;
    }
    const hold = admission.hold;
    const request = hold && !admission.tracking ? applyDecision(kind, body, hold, asked, choices) : { ...body };
    const stream = kind !== 'openai-embeddings' && body.stream === true;
    const streamOptions = body.stream_options as Record<string, unknown> | undefined;
    const hideUsage = !!hold && kind === 'openai-chat' && stream && streamOptions?.include_usage !== true;
    if (hold && kind === 'openai-chat' && stream) {
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
    const usage = settleUsage(kind, (result.data as Record<string, unknown>)?.usage);
    await this.#settle(hold, usage ?? admission.worstCase,
      usage ? undefined : 'the answer carried no usage: charging the whole hold');
    return result;
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
        metadata: { guard: kind, ...options.metadata },
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
  async #overLimit(model: string, inputTokens: number, maxOutput: number | undefined, denied: BudgetDenied):
    Promise<Admission> {
    const worstCase = { inputTokens, outputTokens: maxOutput ?? 0 };
    this.#logger.warn(`budget-ledger: over the limit (${denied.reason}, ${denied.available ?? '?'} left); `
      + `calling ${model} anyway (onLimit: 'warn')`);
    try {
      const hold = await this.ledger.reserve({
        budgetId: this.budgetId as string, model, inputTokens: 1, maxOutputTokens: 0,
        ...(this.#options.ttlSeconds !== undefined ? { ttlSeconds: this.#options.ttlSeconds } : {}),
        metadata: { guard: 'warn', overLimit: denied.reason, ...this.#options.metadata },
      });
      this.#saw(hold.available);
      return { hold, inputTokens, worstCase, tracking: true };
    } catch (error) {
      if (!(error instanceof BudgetDenied) && !(error instanceof LedgerUnavailable)) {
        throw error;
      }
      this.#logger.error(`budget-ledger: not even a token-sized hold fits (${describe(error)}); the call to ${model} `
        + 'runs untracked: what it spends is not recorded');
      return { inputTokens, worstCase };
    }
  }

  /** An exception from the SDK before an answer: release, or charge the whole hold when it may have been billed. */
  async #afterFailure(hold: Reservation, worstCase: SettleRequest, error: unknown): Promise<void> {
    if (neverBilled(error)) {
      await this.#release(hold);
    } else {
      await this.#settle(hold, worstCase,
        `no answer came back (${describe(error)}); the outcome is unknown, so the whole hold is charged`);
    }
  }

  #watchStream(kind: Kind, data: unknown, hold: Reservation, admission: Admission, keepAlive: KeepAlive,
    hideUsage: boolean): unknown {
    const inner = data as AsyncIterable<Record<string, unknown>> & { controller?: AbortController };
    const watcher = new StreamWatcher(kind, hold.model ?? '');
    const guardian = this;
    async function* guarded(): AsyncGenerator<unknown> {
      let failure: unknown;
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
          } catch (thrown) {
            await iterator.return?.();
            throw thrown;
          } finally {
            if (watcher.abandoned) {
              await iterator.return?.();
            }
          }
          watcher.abandoned = false;
        }
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        keepAlive.stop();
        await guardian.#finishStream(watcher, hold, admission, failure);
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
          keepAlive.stop();
          inner.controller?.abort();
          await guardian.#finishStream(watcher, hold, admission, undefined);
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

  async #finishStream(watcher: StreamWatcher, hold: Reservation, admission: Admission, failure: unknown):
    Promise<void> {
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
      await this.#settle(hold, admission.worstCase,
        `the stream of ${model} ended before its usage; its hidden reasoning cannot be counted: charging the whole hold`);
      return;
    }
    const counted = await watcher.countedUsage(admission.inputTokens);
    await this.#settle(hold, counted, `the stream ended before its usage: charging ${counted.inputTokens} input `
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

/** The call's own output limit, or undefined when it sets none (the service then holds the model's default). */
function maxOutputOf(body: Record<string, unknown>): number | undefined {
  for (const field of ['max_completion_tokens', 'max_tokens', 'max_output_tokens']) {
    const value = body[field];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
      return value;
    }
  }
  return undefined;
}

/** The decision, applied: the model the ledger chose and the output it granted, so no more can be produced. */
function applyDecision(kind: Kind, body: Record<string, unknown>, hold: Reservation, asked: number | undefined,
  choices: number): Record<string, unknown> {
  const request: Record<string, unknown> = { ...body };
  if (hold.model) {
    request.model = hold.model;
  }
  const granted = hold.maxOutputTokens === undefined ? undefined : Math.floor(hold.maxOutputTokens / choices);
  if (kind === 'openai-embeddings' || granted === undefined || granted === asked) {
    return request;
  }
  if (kind === 'anthropic-messages') {
    request.max_tokens = granted;
  } else if (typeof body.max_tokens === 'number' && body.max_completion_tokens === undefined) {
    request.max_tokens = granted;
  } else {
    request.max_completion_tokens = granted;
  }
  return request;
}

function settleUsage(kind: Kind, raw: unknown): SettleRequest | undefined {
  if (!raw || typeof raw !== 'object') {
    return undefined;
  }
  const usage = raw as Record<string, unknown>;
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
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
  const cached = number((usage.prompt_tokens_details as Record<string, unknown> | undefined)?.cached_tokens);
  const reasoning = number((usage.completion_tokens_details as Record<string, unknown> | undefined)?.reasoning_tokens);
  return compact({
    inputTokens: Math.max(0, number(usage.prompt_tokens) - cached),
    outputTokens: Math.max(0, number(usage.completion_tokens) - reasoning),
    cacheReadTokens: cached,
    reasoningTokens: reasoning,
  });
}

/** Leaves out the optional counts that are zero, so the settle says only what the provider reported. */
function compact(usage: Required<Pick<SettleRequest, 'inputTokens' | 'outputTokens'>> & SettleRequest): SettleRequest {
  const result: SettleRequest = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
  for (const field of ['cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const) {
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
function neverBilled(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return true;
  }
  const name = error.constructor?.name ?? error.name;
  if (typeof (error as { status?: unknown }).status === 'number') {
    return true;
  }
  if (name === 'APIConnectionTimeoutError' || name === 'APIUserAbortError') {
    return false;
  }
  if (name === 'APIConnectionError') {
    for (let cause: unknown = error.cause; cause instanceof Error; cause = cause.cause) {
      const code = (cause as { code?: unknown }).code;
      if (typeof code === 'string' && NOT_SENT.has(code)) {
        return true;
      }
    }
    return false;
  }
  // Anything else was thrown by the SDK (or the caller's options) before a request went out.
  return true;
}

function isUsageOnlyChunk(chunk: Record<string, unknown>): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && !!chunk.usage;
}

/** Reads a stream as it passes: its final usage, and the text sent so far in case it is cut before that. */
class StreamWatcher {
  started = false;
  abandoned = false;
  #text = '';
  #final: Record<string, unknown> | undefined;
  #startUsage: Record<string, unknown> | undefined;
  #deltaUsage: Record<string, unknown> | undefined;

  constructor(private readonly kind: Kind, private readonly model: string) {}

  observe(chunk: Record<string, unknown>): void {
    this.started = true;
    if (this.kind === 'openai-chat') {
      if (chunk.usage) {
        this.#final = chunk.usage as Record<string, unknown>;
      }
      for (const choice of (chunk.choices as Array<Record<string, unknown>> | undefined) ?? []) {
        const delta = (choice.delta ?? {}) as Record<string, unknown>;
        this.#text += typeof delta.content === 'string' ? delta.content : '';
        this.#text += typeof delta.refusal === 'string' ? delta.refusal : '';
        for (const call of (delta.tool_calls as Array<Record<string, unknown>> | undefined) ?? []) {
          const fn = (call.function ?? {}) as Record<string, unknown>;
          this.#text += `${typeof fn.name === 'string' ? fn.name : ''}${typeof fn.arguments === 'string' ? fn.arguments : ''}`;
        }
      }
      return;
    }
    switch (chunk.type) {
      case 'message_start':
        this.#startUsage = (chunk.message as Record<string, unknown> | undefined)?.usage as Record<string, unknown>;
        break;
      case 'content_block_delta': {
        const delta = (chunk.delta ?? {}) as Record<string, unknown>;
        for (const field of ['text', 'partial_json', 'thinking']) {
          if (typeof delta[field] === 'string') {
            this.#text += delta[field] as string;
          }
        }
        break;
      }
      case 'message_delta':
        if (chunk.usage) {
          this.#deltaUsage = chunk.usage as Record<string, unknown>;
        }
        break;
      default:
        break;
    }
  }

  /** The provider's own figures: the final usage chunk (OpenAI) or message_start merged with the last message_delta. */
  usage(): SettleRequest | undefined {
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
  async countedUsage(inputTokens: number): Promise<SettleRequest> {
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
  #timer: NodeJS.Timeout | undefined;
  #active = true;
  #pending = false;
  #stopped = false;

  constructor(private readonly ledger: BudgetLedger, private readonly hold: Reservation,
    ttlSeconds: number | undefined, private readonly logger: Logger) {
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
      this.ledger.extend(this.hold.id, ttl).catch((error: unknown) => {
        if (this.#stopped) {
          return; // settled or released meanwhile: nothing left to keep alive
        }
        this.logger.warn(`budget-ledger: could not extend reservation ${this.hold.id}: ${describe(error)}`);
      });
    }, Math.max(500, lifetimeMs / 2));
    this.#timer.unref();
  }

  /** Called around each read: a read waiting on the provider, or a chunk just read, counts as running. */
  reading(pending: boolean): void {
    this.#pending = pending;
    this.#active = true;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}

/** The shape of the SDKs' Stream (async iterable, controller, tee, toReadableStream) for a stream they did not make. */
export class SyntheticStream<Item> implements AsyncIterable<Item> {
  readonly controller: AbortController;
  readonly #iterator: () => AsyncIterator<Item>;

  constructor(iterator: () => AsyncIterator<Item>, controller: AbortController = new AbortController()) {
    this.#iterator = iterator;
    this.controller = controller;
  }

  [Symbol.asyncIterator](): AsyncIterator<Item> {
    return this.#iterator();
  }

  tee(): [SyntheticStream<Item>, SyntheticStream<Item>] {
    const left: Array<Promise<IteratorResult<Item>>> = [];
    const right: Array<Promise<IteratorResult<Item>>> = [];
    const iterator = this.#iterator();
    const side = (queue: Array<Promise<IteratorResult<Item>>>, other: Array<Promise<IteratorResult<Item>>>) =>
      (): AsyncIterator<Item> => ({
        next: () => {
          if (queue.length === 0) {
            const result = iterator.next();
            queue.push(result);
            other.push(result);
          }
          return queue.shift() as Promise<IteratorResult<Item>>;
        },
      });
    return [new SyntheticStream(side(left, right), this.controller), new SyntheticStream(side(right, left), this.controller)];
  }

  toReadableStream(): ReadableStream {
    const iterator = this.#iterator();
    const encoder = new TextEncoder();
    return new ReadableStream({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) {
          controller.close();
        } else {
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
function withResponseApi(run: Promise<WithResponse<unknown>>): unknown {
  const data = run.then((result) => result.data);
  // A caller of withResponse() alone (the SDKs' stream helpers) never looks at this one: do not let its rejection
  // count as unhandled. Awaiting it still throws.
  data.catch(() => undefined);
  return Object.assign(data, {
    withResponse: () => run,
    asResponse: () => run.then((result) => result.response),
    _thenUnwrap: (transform: (value: unknown, props: unknown) => unknown) =>
      withResponseApi(run.then((result) => ({ ...result, data: transform(result.data, { response: result.response }) }))),
  });
}

/** onLimit 'stop': an answer of the SDK's own shape that says the call was not made, and why. */
function stopAnswer(kind: Kind, body: Record<string, unknown>, denied: BudgetDenied, message: string | undefined):
  WithResponse<unknown> {
  const id = `budget-ledger-stop-${randomUUID()}`;
  const model = body.model as string;
  const text = message ?? `[budget-ledger] This call was not made: the budget's limit was reached (${denied.reason}).`;
  const marker = { stopped: true, reason: denied.reason, remaining: denied.available ?? null, budgetId: denied.budgetId };
  const created = Math.floor(Date.now() / 1000);
  const response = new Response(null, { status: 200, headers: { 'x-budget-ledger-stopped': denied.reason } });
  const stream = body.stream === true;
  const events = (items: unknown[]) => new SyntheticStream(async function* () {
    yield* items;
  });
  let data: unknown;
  if (kind === 'openai-embeddings') {
    data = { object: 'list', data: [], model, usage: { prompt_tokens: 0, total_tokens: 0 }, budget_ledger: marker };
  } else if (kind === 'openai-chat') {
    const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    if (!stream) {
      data = {
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage, budget_ledger: marker,
      };
    } else {
      const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
        ({ id, object: 'chat.completion.chunk', created, model, choices, budget_ledger: marker, ...extra });
      const items = [
        chunk([{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null, logprobs: null }]),
        chunk([{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }]),
      ];
      if ((body.stream_options as Record<string, unknown> | undefined)?.include_usage === true) {
        items.push(chunk([], { usage }));
      }
      data = events(items);
    }
  } else {
    const usage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const messageBody = { id, type: 'message', role: 'assistant', model, stop_sequence: null, budget_ledger: marker };
    if (!stream) {
      data = { ...messageBody, content: [{ type: 'text', text, citations: null }], stop_reason: 'end_turn', usage };
    } else {
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

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
