import { randomUUID } from 'node:crypto';
import { BudgetDenied, BudgetLedgerError, LedgerUnavailable } from './errors.js';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * A typed client for the budget-ledger HTTP API (openapi.yaml), on Node's own fetch.
 *
 * Every POST carries an Idempotency-Key, and every retry (no answer, 429, 5xx, 409 IDEMPOTENCY_KEY_IN_FLIGHT) sends
 * the same key, so a reserve whose answer was lost is answered from the stored response instead of holding twice.
 */
export class BudgetLedger {
    url;
    failOpen;
    logger;
    #apiKey;
    #timeoutMs;
    #attempts;
    #backoffMs;
    #maxBackoffMs;
    #fetch;
    constructor(options = {}) {
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
    createBudget(request, options) {
        return this.#send('POST', '/v1/budgets', request, options);
    }
    /** GET /v1/budgets/{id}. */
    getBudget(budgetId) {
        return this.#send('GET', `/v1/budgets/${encodeURIComponent(budgetId)}`);
    }
    /** PATCH /v1/budgets/{id} (ADMIN): a JSON merge patch; `null` removes an optional field. */
    updateBudget(budgetId, patch) {
        return this.#send('PATCH', `/v1/budgets/${encodeURIComponent(budgetId)}`, patch);
    }
    /** GET /v1/budgets/{id}/children: one page of the budgets directly below. */
    children(budgetId, page = {}) {
        return this.#send('GET', `/v1/budgets/${encodeURIComponent(budgetId)}/children${query(page)}`);
    }
    /** GET /v1/budgets/{id}/usage: spend and tokens by day, model or child. */
    usage(budgetId, request = {}) {
        return this.#send('GET', `/v1/budgets/${encodeURIComponent(budgetId)}/usage${query(request)}`);
    }
    // Reservations
    /** POST /v1/reservations. A DENY rejects with {@link BudgetDenied}; nothing is held then. */
    reserve(request, options) {
        return this.#send('POST', '/v1/reservations', request, options);
    }
    /** POST /v1/decisions: what a reserve would get now (ALLOW or DENY), holding nothing. */
    decide(request) {
        return this.#send('POST', '/v1/decisions', request);
    }
    /** GET /v1/reservations: one page of the reservations on a budget and below it (or all the key may see), newest first. */
    reservations(request = {}) {
        return this.#send('GET', `/v1/reservations${query(request)}`);
    }
    /** GET /v1/reservations/{id}. */
    getReservation(reservationId) {
        return this.#send('GET', `/v1/reservations/${encodeURIComponent(reservationId)}`);
    }
    /** POST /v1/reservations/{id}/settle: charge what the call used; the rest of the hold goes back. */
    settle(reservationId, usage, options) {
        return this.#send('POST', `/v1/reservations/${encodeURIComponent(reservationId)}/settle`, usage, options);
    }
    /** POST /v1/reservations/{id}/release: the call failed or was never made; nothing is charged. */
    release(reservationId, options) {
        return this.#send('POST', `/v1/reservations/${encodeURIComponent(reservationId)}/release`, undefined, options);
    }
    extend(reservationId, change, options) {
        const body = typeof change === 'number' ? { ttlSeconds: change } : change;
        return this.#send('POST', `/v1/reservations/${encodeURIComponent(reservationId)}/extend`, body, options);
    }
    /**
     * POST /v1/budgets/{id}/charges: book spend that already happened, without a hold (a call made although the
     * ledger denied it). Never denied: past a limit it is booked all the same, with `overLimit: true`. Pass the same
     * `idempotencyKey` on a retry so it is booked once.
     */
    charge(budgetId, request, options) {
        return this.#send('POST', `/v1/budgets/${encodeURIComponent(budgetId)}/charges`, request, options);
    }
    // Administration
    /** GET /v1/admin/reconciliation (ADMIN): every budget against its journal; `ok` when nothing disagrees. */
    reconciliation() {
        return this.#send('GET', '/v1/admin/reconciliation');
    }
    /** PUT /v1/prices/{model} (ADMIN): the per-million token prices reserves of this model are priced with. */
    putPrice(model, price) {
        return this.#send('PUT', `/v1/prices/${encodeURIComponent(model)}`, price);
    }
    /**
     * Reserves, runs `fn` with the hold, and settles or releases when it is done: a DENY rejects with
     * {@link BudgetDenied} before `fn` runs; if `fn` throws, the hold is released; if `fn` returns without settling,
     * the reserved worst case is charged, so the budget never counts less than may have been spent.
     */
    async withReservation(request, fn) {
        const reservation = await this.reserve(request);
        const hold = {
            ...reservation,
            settle: async (usage) => (hold.settlement = await this.settle(reservation.id, usage)),
        };
        let result;
        try {
            result = await fn(hold);
        }
        catch (error) {
            await this.release(reservation.id).catch((failure) => {
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
    async #send(method, path, body, options) {
        const headers = {
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
        for (let attempt = 1;; attempt++) {
            const last = attempt >= this.#attempts;
            let response;
            let text;
            try {
                response = await this.#fetch(this.url + path, {
                    method, headers, body: payload, signal: AbortSignal.timeout(this.#timeoutMs),
                });
                text = await response.text();
            }
            catch (failure) {
                if (last) {
                    throw new LedgerUnavailable(`${method} ${path}: no answer from ${this.url} after ${attempt} ` +
                        `attempt(s): ${describe(failure)}`, 0, {}, { cause: failure });
                }
                await sleep(this.#backoff(attempt));
                continue;
            }
            if (response.ok) {
                return (text ? JSON.parse(text) : {});
            }
            let problem;
            try {
                problem = JSON.parse(text);
            }
            catch {
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
    #backoff(attempt) {
        const base = Math.min(this.#backoffMs * 2 ** (attempt - 1), this.#maxBackoffMs);
        return Math.min(base * (1 + Math.random() / 2), this.#maxBackoffMs);
    }
}
function query(parameters) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(parameters)) {
        if (value !== undefined && value !== null) {
            search.set(name, String(value));
        }
    }
    const text = search.toString();
    return text ? `?${text}` : '';
}
function describe(failure) {
    if (failure instanceof Error) {
        const cause = failure.cause instanceof Error ? ` (${failure.cause.message})` : '';
        return `${failure.name}: ${failure.message}${cause}`;
    }
    return String(failure);
}
//# sourceMappingURL=client.js.map