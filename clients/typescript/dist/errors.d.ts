import type { Amount, DenyReason, Problem } from './types.js';
/**
 * Every error the client raises. `status` is the HTTP status (0 when no answer came), `code` the service's stable
 * problem code (`RESERVATION_NOT_FOUND`, `UNKNOWN_MODEL`, ...) and `problem` the whole application/problem+json
 * body, whose other fields name what the problem is about.
 */
export declare class BudgetLedgerError extends Error {
    readonly status: number;
    readonly code: string | undefined;
    readonly problem: Problem;
    constructor(message: string, status?: number, problem?: Problem, options?: ErrorOptions);
    /** The service's id of the request, as in its logs: quote it in a bug report. */
    get requestId(): string | undefined;
}
/**
 * The ledger could not be asked: no answer (connection refused, timeout) or a 5xx, after every retry. A guard
 * fails closed on it (the LLM call is not made) unless it was built with `failOpen: true`.
 */
export declare class LedgerUnavailable extends BudgetLedgerError {
    constructor(message: string, status?: number, problem?: Problem, options?: ErrorOptions);
}
/** 402 RESERVATION_DENIED: nothing was held. `reason` says why, `available` what the limiting budget has left. */
export declare class BudgetDenied extends BudgetLedgerError {
    readonly reason: DenyReason;
    readonly budgetId: string | undefined;
    readonly limitingBudgetId: string | undefined;
    /** What the limiting budget was asked for, in its unit. */
    readonly requested: Amount | undefined;
    /** What the limiting budget has, in its unit. */
    readonly available: Amount | undefined;
    readonly unit: string | undefined;
    /** The run the reserve named, when a run's cap (RUN_CALL_LIMIT, RUN_AMOUNT_LIMIT) or any other reason denied it. */
    readonly runId: string | undefined;
    constructor(message: string, problem: Problem, options?: ErrorOptions);
}
/**
 * A guarded call the ledger denied, with `onLimit: 'raise'` (the default): the LLM was not called. `remaining` is
 * what the limiting budget has left.
 */
export declare class BudgetExceeded extends BudgetDenied {
    /** The model the call asked for. */
    readonly model: string | undefined;
    constructor(denied: BudgetDenied, model: string | undefined);
    get remaining(): Amount | undefined;
}
//# sourceMappingURL=errors.d.ts.map