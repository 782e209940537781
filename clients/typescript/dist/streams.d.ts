/**
 * Streams under a hold: reading a stream as it passes (its usage, or what was sent before a cut), keeping the hold
 * alive while it runs, and the SDKs' Stream and APIPromise shapes for what the guard hands back.
 */
import type { BudgetLedger, Logger } from './client.js';
import { type Kind, type WithResponse } from './provider.js';
import type { Reservation, SettleRequest } from './types.js';
/** Reads a stream as it passes: its final usage, and the text sent so far in case it is cut before that. */
export declare class StreamWatcher {
    #private;
    private readonly kind;
    private readonly model;
    started: boolean;
    abandoned: boolean;
    constructor(kind: Kind, model: string);
    observe(chunk: Record<string, unknown>): void;
    /**
     * The provider's own figures: the final usage chunk (chat completions), the finished response (Responses), or
     * message_start merged with the last message_delta (Anthropic).
     */
    usage(): SettleRequest | undefined;
    /** A stream cut before its usage: the input counted at reserve (or reported at the start), the output seen. */
    countedUsage(inputTokens: number): Promise<SettleRequest>;
}
/**
 * Keeps a call's hold alive while it runs: at each half of the hold's lifetime, if a request or a read is waiting on
 * the provider or a chunk was read since the last time, the hold is extended by its lifetime again
 * (POST .../extend). A stream nobody reads any more is left to expire.
 */
export declare class KeepAlive {
    #private;
    private readonly ledger;
    private readonly hold;
    private readonly logger;
    constructor(ledger: BudgetLedger, hold: Reservation, ttlSeconds: number | undefined, logger: Logger);
    /** Called around each read: a read waiting on the provider, or a chunk just read, counts as running. */
    reading(pending: boolean): void;
    stop(): void;
}
/** The shape of the SDKs' Stream (async iterable, controller, tee, toReadableStream) for a stream they did not make. */
export declare class SyntheticStream<Item> implements AsyncIterable<Item> {
    #private;
    readonly controller: AbortController;
    constructor(iterator: () => AsyncIterator<Item>, controller?: AbortController);
    [Symbol.asyncIterator](): AsyncIterator<Item>;
    tee(): [SyntheticStream<Item>, SyntheticStream<Item>];
    toReadableStream(): ReadableStream;
}
/** The SDKs' APIPromise surface: the data, withResponse(), parse(), asResponse() and _thenUnwrap() (the helpers use it). */
export declare function withResponseApi(run: Promise<WithResponse<unknown>>): unknown;
//# sourceMappingURL=streams.d.ts.map