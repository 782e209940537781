/**
 * Streams under a hold: reading a stream as it passes (its usage, or what was sent before a cut), keeping the hold
 * alive while it runs, and the SDKs' Stream and APIPromise shapes for what the guard hands back.
 */
import type { BudgetLedger, Logger } from './client.js';
import { describe, settleUsage, type Kind, type WithResponse } from './provider.js';
import { countText, estimateTokens } from './tokens.js';
import type { Reservation, SettleRequest } from './types.js';

/** Reads a stream as it passes: its final usage, and the text sent so far in case it is cut before that. */
export class StreamWatcher {
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
    if (this.kind === 'openai-responses') {
      if (typeof chunk.delta === 'string' && /^response\.(output_text|refusal|function_call_arguments)\.delta$/.test(String(chunk.type))) {
        this.#text += chunk.delta;
      }
      const response = chunk.response as Record<string, unknown> | undefined;
      if (response?.usage && /^response\.(completed|incomplete|failed)$/.test(String(chunk.type))) {
        this.#final = response.usage as Record<string, unknown>;
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

  /**
   * The provider's own figures: the final usage chunk (chat completions), the finished response (Responses), or
   * message_start merged with the last message_delta (Anthropic).
   */
  usage(): SettleRequest | undefined {
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
  async countedUsage(inputTokens: number): Promise<SettleRequest> {
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

/** The SDKs' APIPromise surface: the data, withResponse(), parse(), asResponse() and _thenUnwrap() (the helpers use it). */
export function withResponseApi(run: Promise<WithResponse<unknown>>): unknown {
  const data = run.then((result) => result.data);
  // A caller of withResponse() alone (the SDKs' stream helpers) never looks at this one: do not let its rejection
  // count as unhandled. Awaiting it still throws.
  data.catch(() => undefined);
  return Object.assign(data, {
    withResponse: () => run,
    parse: () => data,
    // The body has been read by then (the guard needs the usage in it): the Response is for status and headers.
    asResponse: () => run.then((result) => result.response),
    _thenUnwrap: (transform: (value: unknown, props: unknown) => unknown) =>
      withResponseApi(run.then((result) => ({ ...result, data: transform(result.data, { response: result.response }) }))),
  });
}
