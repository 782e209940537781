/**
 * What the SDK calls look like: where a call sets its output limit, how its answer reports usage, and which
 * failures can have been billed (docs/charging.md).
 */
import type { Reservation, SettleRequest } from './types.js';
/** The guarded SDK methods. */
export type Kind = 'openai-chat' | 'openai-responses' | 'openai-embeddings' | 'anthropic-messages';
/** What the SDKs' APIPromise.withResponse() resolves to. */
export interface WithResponse<T> {
    data: T;
    response: Response;
    request_id?: string | null;
}
/** The call's own output limit, or undefined when it sets none (the service then holds the model's default). */
export declare function maxOutputOf(body: Record<string, unknown>): number | undefined;
/** The decision, applied: the model the ledger chose and the output it granted, so no more can be produced. */
export declare function applyDecision(kind: Kind, body: Record<string, unknown>, hold: Reservation, asked: number | undefined, choices: number): Record<string, unknown>;
export declare function settleUsage(kind: Kind, raw: unknown): SettleRequest | undefined;
/**
 * True when the failed call cannot have been billed (docs/charging.md): the provider answered an error status, the
 * request never reached it, or the SDK refused it before sending. A timeout, a reset or an abort after sending
 * leave the outcome unknown.
 */
export declare function neverBilled(error: unknown): boolean;
export declare function isUsageOnlyChunk(chunk: Record<string, unknown>): boolean;
export declare function describe(error: unknown): string;
//# sourceMappingURL=provider.d.ts.map