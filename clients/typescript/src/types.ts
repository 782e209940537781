/**
 * The service's JSON, as openapi.yaml describes it. Money is always a decimal string, never a number; token
 * counts are integers.
 */

/** An exact decimal amount as a string ("5.00", "0.0000195"). */
export type Amount = string;

export type DenyReason = 'BUDGET_CLOSED' | 'BUDGET_FROZEN' | 'MODEL_NOT_ALLOWED' | 'PER_CALL_LIMIT' | 'CONCURRENCY_LIMIT' | 'CALL_LIMIT' | 'RUN_CALL_LIMIT' | 'REQUEST_RATE_LIMIT' | 'RUN_AMOUNT_LIMIT' | 'INSUFFICIENT_FUNDS' | 'TOKEN_RATE_LIMIT';

export type ReservationStatus = 'HELD' | 'SETTLED' | 'RELEASED' | 'EXPIRED';

export type Metadata = Record<string, unknown>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export interface CreateBudgetRequest {
  name: string;
  limit: Amount;
  /** A currency (default USD) or TOKENS. */
  unit?: string;
  currency?: string;
  parentId?: string;
  period?: 'NONE' | 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY';
  timezone?: string;
  mode?: 'HARD' | 'SOFT';
  thresholds?: Amount[];
  downgradeAt?: Amount;
  maxAmountPerCall?: Amount;
  maxTokensPerCall?: number;
  maxCallsPerPeriod?: number;
  maxConcurrentHolds?: number;
  /** Reserves allowed per run (a reserve's `runId`) on this budget and below it; one more is denied RUN_CALL_LIMIT. */
  maxCallsPerRun?: number;
  /** What one run may hold plus what it was charged on this budget and below it; past it RUN_AMOUNT_LIMIT. */
  maxAmountPerRun?: Amount;
  /** Reserves allowed per fixed UTC minute on this budget and below it; one more is denied REQUEST_RATE_LIMIT. */
  maxRequestsPerMinute?: number;
  /** Tokens held per fixed UTC minute on this budget and below it; past it TOKEN_RATE_LIMIT. */
  maxTokensPerMinute?: number;
  rollover?: boolean;
  rolloverCap?: Amount;
  /**
   * The models a reserve on this budget or below it may use (a model must be allowed by every list of its chain);
   * another is denied with MODEL_NOT_ALLOWED, or downgraded to its first allowed fallback. Absent: every model.
   */
  allowedModels?: string[];
  /** The most output tokens a reservation on this budget or below it holds when made (`capped: true`); it may grow later (extend). */
  maxHoldOutputTokens?: number;
  metadata?: Metadata;
  /** What the budget's children for subjects are made with: a create body without name and parent. */
  childTemplate?: ChildTemplate;
}

/**
 * PATCH /v1/budgets/{id}: a JSON merge patch. What is left out stays; `null` removes an optional field
 * (`allowedModels: null` allows every model again, `maxHoldOutputTokens: null` removes the cap).
 */
export type UpdateBudgetRequest = Omit<Partial<CreateBudgetRequest>, 'allowedModels' | 'maxHoldOutputTokens'> & {
  allowedModels?: string[] | null;
  maxHoldOutputTokens?: number | null;
};

/**
 * POST /v1/reservations/{id}/extend: at least one of the fields, not both `maxOutputTokens` and `amount`. A resize
 * (`maxOutputTokens` for a hold priced by model, `amount` for one by amount) that shrinks always succeeds; one that
 * grows is decided like a reserve of the difference and rejects with {@link BudgetDenied} when denied.
 */
export interface ExtendRequest {
  /** The hold now expires this many seconds from now. */
  ttlSeconds?: number;
  /** What a reservation priced by model holds from now on, in output tokens. */
  maxOutputTokens?: number;
  /** What a reservation by amount holds from now on. */
  amount?: Amount;
}

/** A create body without name and parent: what a parent's per-subject children are made with. */
export type ChildTemplate = Omit<CreateBudgetRequest, 'name' | 'parentId' | 'childTemplate'>;

export interface Budget {
  id: string;
  name: string;
  parentId?: string;
  rootId: string;
  depth: number;
  unit: string;
  currency?: string;
  limit: Amount;
  spent: Amount;
  reserved: Amount;
  /** limit + carriedOver - spent - reserved; negative after an overrun. */
  available: Amount;
  carriedOver: Amount;
  status: 'ACTIVE' | 'FROZEN';
  frozenReason?: string;
  period: 'NONE' | 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY';
  timezone: string;
  periodStart?: string;
  periodEnd?: string;
  rollover: boolean;
  rolloverCap?: Amount;
  mode: 'HARD' | 'SOFT';
  thresholds: Amount[];
  downgradeAt?: Amount;
  maxAmountPerCall?: Amount;
  maxTokensPerCall?: number;
  maxCallsPerPeriod?: number;
  maxConcurrentHolds?: number;
  maxCallsPerRun?: number;
  maxAmountPerRun?: Amount;
  maxRequestsPerMinute?: number;
  maxTokensPerMinute?: number;
  /** The models a reserve on this budget or below it may use, as set on it; absent when every model is allowed. */
  allowedModels?: string[];
  /** The most output tokens a reservation on this budget or below it holds when made; absent for no cap. */
  maxHoldOutputTokens?: number;
  heldCount: number;
  callsInPeriod: number;
  deniedCount: number;
  metadata: Metadata;
  createdAt: string;
  updatedAt: string;
  /** The subject this budget was made for under its parent (a per-user budget made on demand). */
  subject?: string;
  /** Closed: new reserves on it and below it are denied BUDGET_CLOSED. */
  closed?: boolean;
  closedAt?: string;
  childTemplate?: ChildTemplate;
}

/**
 * A reserve: either `amount`, or `model` with `inputTokens` (and `maxOutputTokens`; when it is left out the service
 * holds the model's default output, which the answer's `maxOutputTokens` names).
 */
export interface ReserveRequest {
  budgetId: string;
  amount?: Amount;
  currency?: string;
  model?: string;
  fallbackModels?: string[];
  inputTokens?: number;
  maxOutputTokens?: number;
  /** Allow a smaller maxOutputTokens (at least this many) when the full one does not fit: `capped` in the answer. */
  minOutputTokens?: number;
  ttlSeconds?: number;
  metadata?: Metadata;
  /** Reserve on budgetId's child for this subject (an end user), made from its childTemplate if need be. */
  subject?: string;
  /** The run this call belongs to (1 to 128 characters): the budgets' maxCallsPerRun and maxAmountPerRun apply. */
  runId?: string;
}

export interface SettleRequest {
  amount?: Amount;
  currency?: string;
  /** Uncached input tokens. */
  inputTokens?: number;
  /** Output tokens not counted in reasoningTokens. */
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

/**
 * POST /v1/budgets/{id}/charges: spend that already happened, booked without a hold. Either `amount`, or `model`
 * with `inputTokens` and `outputTokens` (priced from the catalog).
 */
export interface ChargeRequest {
  amount?: Amount;
  currency?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** Why it is charged directly: the note of its journal entries. */
  reason?: string;
  metadata?: Metadata;
}

/** A direct charge as booked. */
export interface Charge {
  id: string;
  budgetId: string;
  amount: Amount;
  currency: string;
  tokens?: number;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /**
   * It went past what a budget of the chain had available (booked all the same; for a CLIENT key only within each
   * budget's overrun policy: past it the ledger answers 422 OVERRUN_LIMIT_EXCEEDED, or caps).
   */
  overLimit: boolean;
  /** A budget's overrun policy (CAP) booked less than was asked: `requested` is what was asked. */
  capped: boolean;
  requested?: Amount;
  requestedTokens?: number;
  /** What the budget has left afterwards, in its unit; negative past the limit. */
  available: Amount;
  unit: string;
  warnings: string[];
  reason?: string;
  metadata: Metadata;
  createdAt: string;
}

export interface Reservation {
  id: string;
  budgetId: string;
  decision?: 'ALLOW';
  status: ReservationStatus;
  currency: string;
  amount: Amount;
  tokens?: number;
  charged?: Amount;
  chargedTokens?: number;
  released?: Amount;
  overrun: Amount;
  model?: string;
  requestedModel?: string;
  downgraded: boolean;
  capped: boolean;
  inputTokens?: number;
  maxOutputTokens?: number;
  settledInputTokens?: number;
  settledOutputTokens?: number;
  settledCacheReadTokens?: number;
  settledCacheWriteTokens?: number;
  settledReasoningTokens?: number;
  late: boolean;
  metadata: Metadata;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** What the budget has left, in its unit (on answers to reserve, settle, release and extend). */
  available?: Amount;
  warnings?: string[];
  /** The run the reservation was made for, as the reserve named it. */
  runId?: string;
}

/** The answer of a dry run (POST /v1/decisions): what a reserve would get now, holding nothing. */
export interface Decision {
  decision: 'ALLOW' | 'DENY';
  reason?: DenyReason;
  budgetId: string;
  limitingBudgetId?: string;
  unit?: string;
  amount: Amount;
  tokens?: number;
  model?: string;
  requestedModel?: string;
  downgraded: boolean;
  capped: boolean;
  maxOutputTokens?: number;
  available: Amount;
  warnings?: string[];
}

export interface UsageTotals {
  spend: Amount;
  inputTokens: number;
  outputTokens: number;
  callsAllowed: number;
  callsDenied: number;
  overruns: number;
  /** Direct charges (spend booked without a hold); their spend and tokens are in the figures above. */
  charges: number;
  averageCostPerCall: Amount;
}

export interface UsageGroup extends UsageTotals {
  key: string;
  label: string;
}

export interface UsageRequest {
  /** ISO-8601 instant, inclusive. */
  from?: string;
  /** ISO-8601 instant, exclusive. */
  to?: string;
  groupBy?: 'day' | 'model' | 'child';
}

export interface UsageReport {
  budgetId: string;
  unit: string;
  currency: string | null;
  from: string;
  to: string;
  groupBy: 'day' | 'model' | 'child';
  limit: Amount;
  spent: Amount;
  reserved: Amount;
  remaining: Amount;
  groups: UsageGroup[];
  total: UsageTotals;
}

export interface ReconciliationReport {
  ok: boolean;
  checkedAt: string;
  checked: { budgets: number; reservations: number; journalEntries: number; idempotencyKeys: number };
  discrepancies: Array<{
    invariant: 'BALANCE' | 'HOLDS' | 'RESERVATION_STATE' | 'CHARGE' | 'HARD_LIMIT' | 'IDEMPOTENCY';
    budgetId?: string | null;
    reservationId?: string | null;
    problem: string;
  }>;
}

/** An RFC 9457 problem as the service sends it: a stable `code` and the fields that name what it is about. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  requestId?: string;
  errors?: Array<{ field: string; message: string }>;
  [field: string]: unknown;
}
