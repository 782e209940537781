import type { Amount, DenyReason, Problem } from './types.js';

/**
 * Every error the client raises. `status` is the HTTP status (0 when no answer came), `code` the service's stable
 * problem code (`RESERVATION_NOT_FOUND`, `UNKNOWN_MODEL`, ...) and `problem` the whole application/problem+json
 * body, whose other fields name what the problem is about.
 */
export class BudgetLedgerError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly problem: Problem;

  constructor(message: string, status = 0, problem: Problem = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BudgetLedgerError';
    this.status = status;
    this.code = problem.code;
    this.problem = problem;
  }

  /** The service's id of the request, as in its logs: quote it in a bug report. */
  get requestId(): string | undefined {
    return this.problem.requestId;
  }
}

/**
 * The ledger could not be asked: no answer (connection refused, timeout) or a 5xx, after every retry. A guard
 * fails closed on it (the LLM call is not made) unless it was built with `failOpen: true`.
 */
export class LedgerUnavailable extends BudgetLedgerError {
  constructor(message: string, status = 0, problem: Problem = {}, options?: ErrorOptions) {
    super(message, status, problem, options);
    this.name = 'LedgerUnavailable';
  }
}

/** 402 RESERVATION_DENIED: nothing was held. `reason` says why, `available` what the limiting budget has left. */
export class BudgetDenied extends BudgetLedgerError {
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

  constructor(message: string, problem: Problem, options?: ErrorOptions) {
    super(message, 402, { code: 'RESERVATION_DENIED', ...problem }, options);
    this.name = 'BudgetDenied';
    this.reason = problem.reason as DenyReason;
    this.budgetId = problem.budgetId as string | undefined;
    this.limitingBudgetId = problem.limitingBudgetId as string | undefined;
    this.requested = problem.requested as string | undefined;
    this.available = problem.available as string | undefined;
    this.unit = problem.unit as string | undefined;
    this.runId = problem.runId as string | undefined;
  }
}

/**
 * A guarded call the ledger denied, with `onLimit: 'raise'` (the default): the LLM was not called. `remaining` is
 * what the limiting budget has left.
 */
export class BudgetExceeded extends BudgetDenied {
  /** The model the call asked for. */
  readonly model: string | undefined;

  constructor(denied: BudgetDenied, model: string | undefined) {
    super(`budget exceeded: ${denied.reason} (${denied.available ?? '?'} left, ${denied.requested ?? '?'} asked` +
      `${model ? ` for ${model}` : ''})`, denied.problem, { cause: denied });
    this.name = 'BudgetExceeded';
    this.model = model;
  }

  get remaining(): Amount | undefined {
    return this.available;
  }
}
