import type { Budget, Charge, ChargeRequest, CreateBudgetRequest, Decision, ExtendRequest, Page, PageRequest, ReconciliationReport, Reservation, ReservationStatus, ReserveRequest, SettleRequest, UpdateBudgetRequest, UsageReport, UsageRequest } from './types.js';
export interface RetryOptions {
    /** Tries in all, the first included (default 4). */
    attempts?: number;
    /** First pause, doubled each time with up to 50% jitter (default 100 ms). */
    backoffMs?: number;
    /** Longest pause, also the cap on a Retry-After (default 2000 ms). */
    maxBackoffMs?: number;
}
export interface Logger {
    warn(message: string): void;
    error(message: string): void;
}
export interface BudgetLedgerOptions {
    /** The service, e.g. http://localhost:8080 (default: $BUDGET_LEDGER_URL, else http://localhost:8080). */
    url?: string;
    /** `bl_live_...` (default: $BUDGET_LEDGER_API_KEY). */
    apiKey?: string;
    /** Per try: a try that gets no answer in time is abandoned and retried (default 10000 ms). */
    timeoutMs?: number;
    retry?: RetryOptions;
    /**
     * What to do when the ledger cannot be asked (no answer or 5xx after every retry). `false` (the default) fails
     * closed: guarded calls are not made and {@link LedgerUnavailable} is raised. `true` fails open: a warning is
     * logged and the call runs unguarded, recording nothing.
     */
    failOpen?: boolean;
    logger?: Logger;
    /** Replaces the global fetch (tests, proxies). */
    fetch?: typeof fetch;
}
export interface WriteOptions {
    /** Sent as Idempotency-Key; every retry of this call sends the same one. Default: a new UUID per call. */
    idempotencyKey?: string;
}
/** A hold inside {@link BudgetLedger.withReservation}: the reservation and a way to settle it. */
export interface Hold extends Reservation {
    settle(usage: SettleRequest): Promise<Reservation>;
    /** The answer to settle, once the block has settled. */
    settlement?: Reservation;
}
/**
 * A typed client for the budget-ledger HTTP API (openapi.yaml), on Node's own fetch.
 *
 * Every POST carries an Idempotency-Key, and every retry (no answer, 429, 5xx, 409 IDEMPOTENCY_KEY_IN_FLIGHT) sends
 * the same key, so a reserve whose answer was lost is answered from the stored response instead of holding twice.
 */
export declare class BudgetLedger {
    #private;
    readonly url: string;
    readonly failOpen: boolean;
    readonly logger: Logger;
    constructor(options?: BudgetLedgerOptions);
    /** POST /v1/budgets (ADMIN). */
    createBudget(request: CreateBudgetRequest, options?: WriteOptions): Promise<Budget>;
    /** GET /v1/budgets/{id}. */
    getBudget(budgetId: string): Promise<Budget>;
    /** PATCH /v1/budgets/{id} (ADMIN): a JSON merge patch; `null` removes an optional field. */
    updateBudget(budgetId: string, patch: UpdateBudgetRequest & Record<string, unknown>): Promise<Budget>;
    /** GET /v1/budgets/{id}/children: one page of the budgets directly below. */
    children(budgetId: string, page?: PageRequest): Promise<Page<Budget>>;
    /** GET /v1/budgets/{id}/usage: spend and tokens by day, model or child. */
    usage(budgetId: string, request?: UsageRequest): Promise<UsageReport>;
    /** POST /v1/reservations. A DENY rejects with {@link BudgetDenied}; nothing is held then. */
    reserve(request: ReserveRequest, options?: WriteOptions): Promise<Reservation>;
    /** POST /v1/decisions: what a reserve would get now (ALLOW or DENY), holding nothing. */
    decide(request: ReserveRequest): Promise<Decision>;
    /** GET /v1/reservations: one page of the reservations on a budget and below it (or all the key may see), newest first. */
    reservations(request?: PageRequest & {
        budgetId?: string;
        status?: ReservationStatus;
    }): Promise<Page<Reservation>>;
    /** GET /v1/reservations/{id}. */
    getReservation(reservationId: string): Promise<Reservation>;
    /** POST /v1/reservations/{id}/settle: charge what the call used; the rest of the hold goes back. */
    settle(reservationId: string, usage: SettleRequest, options?: WriteOptions): Promise<Reservation>;
    /** POST /v1/reservations/{id}/release: the call failed or was never made; nothing is charged. */
    release(reservationId: string, options?: WriteOptions): Promise<Reservation>;
    /** POST /v1/reservations/{id}/extend: the hold now expires `ttlSeconds` from now. */
    extend(reservationId: string, ttlSeconds: number, options?: WriteOptions): Promise<Reservation>;
    /**
     * POST /v1/reservations/{id}/extend: a new expiry and/or a resize of the held reservation, to `maxOutputTokens`
     * (priced by model) or `amount` (by amount). A growth that does not fit rejects with {@link BudgetDenied} and
     * leaves the hold as it was.
     */
    extend(reservationId: string, request: ExtendRequest, options?: WriteOptions): Promise<Reservation>;
    /**
     * POST /v1/budgets/{id}/charges: book spend that already happened, without a hold (a call made although the
     * ledger denied it). Never denied: past a limit it is booked all the same, with `overLimit: true`. Pass the same
     * `idempotencyKey` on a retry so it is booked once.
     */
    charge(budgetId: string, request: ChargeRequest, options?: WriteOptions): Promise<Charge>;
    /** GET /v1/admin/reconciliation (ADMIN): every budget against its journal; `ok` when nothing disagrees. */
    reconciliation(): Promise<ReconciliationReport>;
    /** PUT /v1/prices/{model} (ADMIN): the per-million token prices reserves of this model are priced with. */
    putPrice(model: string, price: {
        inputPerMillion: string;
        outputPerMillion: string;
        currency: string;
        provider?: string;
        cacheReadPerMillion?: string;
        cacheWritePerMillion?: string;
        reasoningPerMillion?: string;
        defaultMaxOutputTokens?: number;
    }): Promise<Record<string, unknown>>;
    /**
     * Reserves, runs `fn` with the hold, and settles or releases when it is done: a DENY rejects with
     * {@link BudgetDenied} before `fn` runs; if `fn` throws, the hold is released; if `fn` returns without settling,
     * the reserved worst case is charged, so the budget never counts less than may have been spent.
     */
    withReservation<T>(request: ReserveRequest, fn: (hold: Hold) => Promise<T>): Promise<T>;
}
//# sourceMappingURL=client.d.ts.map