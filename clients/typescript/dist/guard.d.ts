import { BudgetLedger, type BudgetLedgerOptions, type Logger } from './client.js';
import type { Amount, Metadata } from './types.js';
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
/**
 * Wraps an OpenAI or Anthropic client: `chat.completions.create`, `embeddings.create` and `messages.create`
 * (and so `messages.stream`, `chat.completions.stream` and `parse`, which call them) reserve before the call and
 * settle after it. The result is the same client with `spent`, `remaining` and `calls` added.
 */
export declare function guard<C extends object>(client: C, options: GuardOptions): Guarded<C>;
//# sourceMappingURL=guard.d.ts.map