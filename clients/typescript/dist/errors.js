/**
 * Every error the client raises. `status` is the HTTP status (0 when no answer came), `code` the service's stable
 * problem code (`RESERVATION_NOT_FOUND`, `UNKNOWN_MODEL`, ...) and `problem` the whole application/problem+json
 * body, whose other fields name what the problem is about.
 */
export class BudgetLedgerError extends Error {
    status;
    code;
    problem;
    constructor(message, status = 0, problem = {}, options) {
        super(message, options);
        this.name = 'BudgetLedgerError';
        this.status = status;
        this.code = problem.code;
        this.problem = problem;
    }
    /** The service's id of the request, as in its logs: quote it in a bug report. */
    get requestId() {
        return this.problem.requestId;
    }
}
/**
 * The ledger could not be asked: no answer (connection refused, timeout) or a 5xx, after every retry. A guard
 * fails closed on it (the LLM call is not made) unless it was built with `failOpen: true`.
 */
export class LedgerUnavailable extends BudgetLedgerError {
    constructor(message, status = 0, problem = {}, options) {
        super(message, status, problem, options);
        this.name = 'LedgerUnavailable';
    }
}
/** 402 RESERVATION_DENIED: nothing was held. `reason` says why, `available` what the limiting budget has left. */
export class BudgetDenied extends BudgetLedgerError {
    reason;
    budgetId;
    limitingBudgetId;
    /** What the limiting budget was asked for, in its unit. */
    requested;
    /** What the limiting budget has, in its unit. */
    available;
    unit;
    /** The run the reserve named, when a run's cap (RUN_CALL_LIMIT, RUN_AMOUNT_LIMIT) or any other reason denied it. */
    runId;
    constructor(message, problem, options) {
        super(message, 402, { code: 'RESERVATION_DENIED', ...problem }, options);
        this.name = 'BudgetDenied';
        this.reason = problem.reason;
        this.budgetId = problem.budgetId;
        this.limitingBudgetId = problem.limitingBudgetId;
        this.requested = problem.requested;
        this.available = problem.available;
        this.unit = problem.unit;
        this.runId = problem.runId;
    }
}
/**
 * A guarded call the ledger denied, with `onLimit: 'raise'` (the default): the LLM was not called. `remaining` is
 * what the limiting budget has left.
 */
export class BudgetExceeded extends BudgetDenied {
    /** The model the call asked for. */
    model;
    constructor(denied, model) {
        super(`budget exceeded: ${denied.reason} (${denied.available ?? '?'} left, ${denied.requested ?? '?'} asked` +
            `${model ? ` for ${model}` : ''})`, denied.problem, { cause: denied });
        this.name = 'BudgetExceeded';
        this.model = model;
    }
    get remaining() {
        return this.available;
    }
}
//# sourceMappingURL=errors.js.map