import { randomUUID } from 'node:crypto';

import { BudgetDenied, BudgetLedgerError, LedgerUnavailable } from './errors.js';
import type {
  Budget, Charge, ChargeRequest, CreateBudgetRequest, Decision, ExtendRequest, Page, PageRequest, Problem, ReconciliationReport, Reservation,
  ReservationStatus, ReserveRequest, SettleRequest, UpdateBudgetRequest, UsageReport, UsageRequest,
} from './types.js';

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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A typed client for the budget-ledger HTTP API (openapi.yaml), on Node's own fetch.
 *
 * Every POST carries an Idempotency-Key, and every retry (no answer, 429, 5xx, 409 IDEMPOTENCY_KEY_IN_FLIGHT) sends
 * the same key, so a reserve whose answer was lost is answered from the stored response instead of holding twice.
 */
export class BudgetLedger {
  readonly url: string;
  readonly failOpen: boolean;
  readonly logger: Logger;
  readonly #apiKey: string;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: BudgetLedgerOptions = {}) {
    this.url = (options.url ?? process.env.BUDGET_LEDGER_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
    this.#apiKey = options.apiKey ?? process.env.BUDGET_LEDGER_API_KEY ?? '';
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#attempts = Math.max(1, options.retry?.attempts ?? 4);
    this.#backoffMs = options.retry?.backoffMs ?? 100;
    this.#maxBackoffMs = options.retry?.maxBackoffMs ?? 2_000;
    this.failOpen = options.failOpen ?? false;
    this.logger = options.logger ?? console;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  // Budgets

  /** POST /v1/budgets (ADMIN). */
  createBudget(request: CreateBudgetRequest, options?: WriteOptions): Promise<Budget> {
    return this.#send('POST', '/v1/budgets', request, options);
  }

  /** GET /v1/budgets/{id}. */
  getBudget(budgetId: string): Promise<Budget> {
    return this.#send('GET', `/v1/budgets/${encodeURIComponent(budgetId)}`);
  }

  /** PATCH /v1/budgets/{id} (ADMIN): a JSON merge patch; `null` removes an optional field. */
  updateBudget(budgetId: string, patch: UpdateBudgetRequest & Record<string, unknown>): Promise<Budget> {
    return this.#send('PATCH', `/v1/budgets/${encodeURIComponent(budgetId)}`, patch);
  }

  /** GET /v1/budgets/{id}/children: one page of the budgets directly below. */
  children(budgetId: string, page: PageRequest = {}): Promise<Page<Budget>> {
    return this.#send('GET', `/v1/budgets/${encodeURIComponent(budgetId)}/children${query(page)}`);
  }

  /** GET /v1/budgets/{id}/usage: spend and tokens by day, model or child. */
  usage(budgetId: string, request: UsageRequest = {}): Promise<UsageReport> {
    return this.#send('GET', `/v1/budgets/${encodeURIComponent(budgetId)}/usage${query(request)}`);
  }

  // Reservations

  /** POST /v1/reservations. A DENY rejects with {@link BudgetDenied}; nothing is held then. */
  reserve(request: ReserveRequest, options?: WriteOptions): Promise<Reservation> {
    return this.#send('POST', '/v1/reservations', request, options);
  }

  /** POST /v1/decisions: what a reserve would get now (ALLOW or DENY), holding nothing. */
  decide(request: ReserveRequest): Promise<Decision> {
    return this.#send('POST', '/v1/decisions', request);
  }

  /** GET /v1/reservations: one page of the reservations on a budget and below it (or all the key may see), newest first. */
  reservations(request: PageRequest & { budgetId?: string; status?: ReservationStatus } = {}): Promise<Page<Reservation>> {
    return this.#send('GET', `/v1/reservations${query(request)}`);
  }

  /** GET /v1/reservations/{id}. */
  getReservation(reservationId: string): Promise<Reservation> {
    return this.#send('GET', `/v1/reservations/${encodeURIComponent(reservationId)}`);
  }

  /** POST /v1/reservations/{id}/settle: charge what the call used; the rest of the hold goes back. */
  settle(reservationId: string, usage: SettleRequest, options?: WriteOptions): Promise<Reservation> {
    return this.#send('POST', `/v1/reservations/${encodeURIComponent(reservationId)}/settle`, usage, options);
  }

  /** POST /v1/reservations/{id}/release: the call failed or was never made; nothing is charged. */
  release(reservationId: string, options?: WriteOptions): Promise<Reservation> {
    return this.#send('POST', `/v1/reservations/${encodeURIComponent(reservationId)}/release`, undefined, options);
  }

  /** POST /v1/reservations/{id}/extend: the hold now expires `ttlSeconds` from now. */
  extend(reservationId: string, ttlSeconds: number, options?: WriteOptions): Promise<Reservation>;
  /**
   * POST /v1/reservations/{id}/extend: a new expiry and/or a resize of the held reservation, to `maxOutputTokens`
   * (priced by model) or `amount` (by amount). A growth that does not fit rejects with {@link BudgetDenied} and
   * leaves the hold as it was.
   */
  extend(reservationId: string, request: ExtendRequest, options?: WriteOptions): Promise<Reservation>;
  extend(reservationId: string, change: number | ExtendRequest, options?: WriteOptions): Promise<Reservation> {
    const body: ExtendRequest = typeof change === 'number' ? { ttlSeconds: change } : change;
    return this.#send('POST', `/v1/reservations/${encodeURIComponent(reservationId)}/extend`, body, options);
  }

  /**
   * POST /v1/budgets/{id}/charges: book spend that already happened, without a hold (a call made although the
   * ledger denied it). Never denied: past a limit it is booked all the same, with `overLimit: true`. Pass the same
   * `idempotencyKey` on a retry so it is booked once.
   */
  charge(budgetId: string, request: ChargeRequest, options?: WriteOptions): Promise<Charge> {
    return this.#send('POST', `/v1/budgets/${encodeURIComponent(budgetId)}/charges`, request, options);
  }

  // Administration

  /** GET /v1/admin/reconciliation (ADMIN): every budget against its journal; `ok` when nothing disagrees. */
  reconciliation(): Promise<ReconciliationReport> {
    return this.#send('GET', '/v1/admin/reconciliation');
  }

  /** PUT /v1/prices/{model} (ADMIN): the per-million token prices reserves of this model are priced with. */
  putPrice(model: string, price: { inputPerMillion: string; outputPerMillion: string; currency: string;
    provider?: string; cacheReadPerMillion?: string; cacheWritePerMillion?: string; reasoningPerMillion?: string;
    defaultMaxOutputTokens?: number }):
    Promise<Record<string, unknown>> {
    return this.#send('PUT', `/v1/prices/${encodeURIComponent(model)}`, price);
  }

  /**
   * Reserves, runs `fn` with the hold, and settles or releases when it is done: a DENY rejects with
   * {@link BudgetDenied} before `fn` runs; if `fn` throws, the hold is released; if `fn` returns without settling,
   * the reserved worst case is charged, so the budget never counts less than may have been spent.
   */
  async withReservation<T>(request: ReserveRequest, fn: (hold: Hold) => Promise<T>): Promise<T> {
    const reservation = await this.reserve(request);
    const hold: Hold = {
      ...reservation,
      settle: async (usage) => (hold.settlement = await this.settle(reservation.id, usage)),
    };
    let result: T;
    try {
      result = await fn(hold);
    } catch (error) {
      await this.release(reservation.id).catch((failure: unknown) => {
        this.logger.error(`budget-ledger: could not release ${reservation.id}; it will expire: ${String(failure)}`);
      });
      throw error;
    }
    if (!hold.settlement) {
      await hold.settle(reservation.inputTokens !== undefined && reservation.maxOutputTokens !== undefined
        ? { inputTokens: reservation.inputTokens, outputTokens: reservation.maxOutputTokens }
        : { amount: reservation.amount });
    }
    return result;
  }

  async #send<T>(method: string, path: string, body?: unknown, options?: WriteOptions): Promise<T> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#apiKey}`,
      Accept: 'application/json, application/problem+json',
    };
    if (method === 'POST') {
      headers['Idempotency-Key'] = options?.idempotencyKey ?? randomUUID();
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.#attempts;
      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(this.url + path, {
          method, headers, body: payload, signal: AbortSignal.timeout(this.#timeoutMs),
        });
        text = await response.text();
      } catch (failure) {
        if (last) {
          throw new LedgerUnavailable(`${method} ${path}: no answer from ${this.url} after ${attempt} ` +
            `attempt(s): ${describe(failure)}`, 0, {}, { cause: failure });
        }
        await sleep(this.#backoff(attempt));
        continue;
      }
      if (response.ok) {
        return (text ? JSON.parse(text) : {}) as T;
      }
      let problem: Problem;
      try {
        problem = JSON.parse(text) as Problem;
      } catch {
        problem = { detail: text };
      }
      const retryable = response.status >= 500 || response.status === 429
        || problem.code === 'IDEMPOTENCY_KEY_IN_FLIGHT';
      if (!last && retryable) {
        const retryAfter = Number(response.headers.get('Retry-After'));
        await sleep(response.headers.has('Retry-After') && Number.isFinite(retryAfter)
          ? Math.min(retryAfter * 1000, this.#maxBackoffMs) : this.#backoff(attempt));
        continue;
      }
      const message = `${method} ${path} answered ${response.status} ${problem.code ?? ''}: `
        + `${problem.detail ?? problem.title ?? ''}`;
      if (response.status === 402 && problem.code === 'RESERVATION_DENIED') {
        throw new BudgetDenied(message, problem);
      }
      if (response.status >= 500) {
        throw new LedgerUnavailable(message, response.status, problem);
      }
      throw new BudgetLedgerError(message, response.status, problem);
    }
  }

  #backoff(attempt: number): number {
    const base = Math.min(this.#backoffMs * 2 ** (attempt - 1), this.#maxBackoffMs);
    return Math.min(base * (1 + Math.random() / 2), this.#maxBackoffMs);
  }
}

function query(parameters: object): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null) {
      search.set(name, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function describe(failure: unknown): string {
  if (failure instanceof Error) {
    const cause = failure.cause instanceof Error ? ` (${failure.cause.message})` : '';
    return `${failure.name}: ${failure.message}${cause}`;
  }
  return String(failure);
}
