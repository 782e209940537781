// @ts-check
/**
 * A small budget-ledger client on Node's built-in fetch (Node 18+, no packages), with a withReservation wrapper.
 * Plain ES module with JSDoc types: runs with `node` as it is, and type-checks with `tsc --checkJs`.
 *
 *   const ledger = new BudgetLedger('http://localhost:8080', apiKey);
 *   const answer = await ledger.withReservation(budgetId,
 *     { model: 'gpt-4o', inputTokens: 1200, maxOutputTokens: 800 },
 *     async (hold) => {
 *       const answer = await callTheLlm(hold.model);
 *       await hold.settle({ inputTokens: answer.usage.prompt_tokens, outputTokens: answer.usage.completion_tokens });
 *       return answer;
 *     });
 *
 * A DENY rejects with BudgetDenied (with `reason`) before fn runs. If fn throws, the hold is released. If fn returns
 * without settling, the reserved worst case is charged, so the budget never counts less than may have been spent.
 * Money stays a decimal string, never a JS number. Every POST carries an Idempotency-Key, and retries (503, 429,
 * 409 IDEMPOTENCY_KEY_IN_FLIGHT, network errors) send the same key.
 */
import { randomUUID } from 'node:crypto';

/**
 * @typedef {{ model?: string, inputTokens?: number, maxOutputTokens?: number, amount?: string,
 *   fallbackModels?: string[], ttlSeconds?: number, metadata?: Record<string, unknown> }} ReserveRequest
 * @typedef {{ inputTokens?: number, outputTokens?: number, cacheReadTokens?: number, amount?: string }} Usage
 * @typedef {{ id: string, budgetId: string, status: string, amount: string, model?: string,
 *   downgraded: boolean, maxOutputTokens?: number, charged?: string, released?: string, available?: string }} Reservation
 * @typedef {Reservation & { settle: (usage: Usage) => Promise<Reservation>, settlement?: Reservation }} Hold
 */

export class BudgetLedgerError extends Error {
  /**
   * @param {string} message
   * @param {number} status HTTP status, 0 when no answer came
   * @param {string | undefined} code the service's problem code
   * @param {Record<string, any>} problem the application/problem+json body
   */
  constructor(message, status = 0, code = undefined, problem = {}) {
    super(message);
    this.name = 'BudgetLedgerError';
    this.status = status;
    this.code = code;
    this.problem = problem;
  }
}

/** 402 RESERVATION_DENIED: nothing is held; `reason` says why. */
export class BudgetDenied extends BudgetLedgerError {
  /** @param {string} message @param {Record<string, any>} problem */
  constructor(message, problem) {
    super(message, 402, 'RESERVATION_DENIED', problem);
    this.name = 'BudgetDenied';
    /** @type {string} */
    this.reason = problem.reason;
    /** @type {string | undefined} */
    this.available = problem.available;
    /** @type {string | undefined} */
    this.requested = problem.requested;
  }
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class BudgetLedger {
  /**
   * @param {string} baseUrl
   * @param {string} apiKey
   * @param {{ attempts?: number, backoffMs?: number, maxBackoffMs?: number, timeoutMs?: number }} [options]
   */
  constructor(baseUrl, apiKey, { attempts = 4, backoffMs = 100, maxBackoffMs = 2000, timeoutMs = 10000 } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.apiKey = apiKey;
    this.attempts = attempts;
    this.backoffMs = backoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.timeoutMs = timeoutMs;
  }

  /** @param {string} name @param {string} limit */
  createBudget(name, limit, options = {}) {
    return this.#send('POST', '/v1/budgets', { name, limit, ...options });
  }

  /** @param {string} budgetId */
  budget(budgetId) {
    return this.#send('GET', `/v1/budgets/${budgetId}`);
  }

  /** @param {string} budgetId @param {ReserveRequest} request @returns {Promise<Reservation>} */
  reserve(budgetId, request) {
    return this.#send('POST', '/v1/reservations', { budgetId, ...request });
  }

  /** @param {string} reservationId @param {Usage} usage @returns {Promise<Reservation>} */
  settle(reservationId, usage) {
    return this.#send('POST', `/v1/reservations/${reservationId}/settle`, usage);
  }

  /** @param {string} reservationId @returns {Promise<Reservation>} */
  release(reservationId) {
    return this.#send('POST', `/v1/reservations/${reservationId}/release`);
  }

  /** @param {string} reservationId @param {number} ttlSeconds @returns {Promise<Reservation>} */
  extend(reservationId, ttlSeconds) {
    return this.#send('POST', `/v1/reservations/${reservationId}/extend`, { ttlSeconds });
  }

  /**
   * Reserves, runs fn with the hold, and settles or releases when fn is done.
   * @template T
   * @param {string} budgetId
   * @param {ReserveRequest} request
   * @param {(hold: Hold) => Promise<T>} fn
   * @returns {Promise<T>}
   */
  async withReservation(budgetId, request, fn) {
    const reservation = await this.reserve(budgetId, request);
    /** @type {Hold} */
    const hold = {
      ...reservation,
      settle: async (usage) => (hold.settlement = await this.settle(reservation.id, usage)),
    };
    let result;
    try {
      result = await fn(hold);
    } catch (error) {
      await this.release(reservation.id).catch((releaseError) => {
        console.error(`could not release ${reservation.id}; it will expire:`, releaseError.message);
      });
      throw error;
    }
    if (!hold.settlement) {
      // Ended without saying what it used: count the worst case rather than nothing.
      await hold.settle({ amount: reservation.amount });
    }
    return result;
  }

  /** @param {string} method @param {string} path @param {object} [body] @returns {Promise<any>} */
  async #send(method, path, body) {
    const key = method === 'POST' ? randomUUID() : undefined;
    /** @type {Record<string, string>} */
    const headers = { Authorization: `Bearer ${this.apiKey}`, Accept: 'application/json, application/problem+json' };
    if (key) headers['Idempotency-Key'] = key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.attempts;
      let response;
      try {
        response = await fetch(this.baseUrl + path, {
          method, headers, body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (failure) {
        if (last) {
          throw new BudgetLedgerError(`${method} ${path}: no answer from ${this.baseUrl} after ${attempt} attempt(s): ${failure}`);
        }
        await sleep(this.#backoff(attempt));
        continue;
      }
      const text = await response.text();
      if (response.ok) return text ? JSON.parse(text) : {};
      /** @type {Record<string, any>} */
      let problem = {};
      try { problem = JSON.parse(text); } catch { problem = { detail: text }; }
      const error = response.status === 402 && problem.code === 'RESERVATION_DENIED'
        ? new BudgetDenied(`${method} ${path} answered 402: ${problem.detail}`, problem)
        : new BudgetLedgerError(`${method} ${path} answered ${response.status} ${problem.code ?? ''}: ${problem.detail ?? problem.title}`,
          response.status, problem.code, problem);
      const retryable = response.status === 503 || response.status === 429 || problem.code === 'IDEMPOTENCY_KEY_IN_FLIGHT';
      if (last || !retryable) throw error;
      const retryAfter = Number(response.headers.get('Retry-After'));
      await sleep(Number.isFinite(retryAfter) && response.headers.has('Retry-After')
        ? Math.min(retryAfter * 1000, this.maxBackoffMs) : this.#backoff(attempt));
    }
  }

  /** @param {number} attempt */
  #backoff(attempt) {
    const base = Math.min(this.backoffMs * 2 ** (attempt - 1), this.maxBackoffMs);
    return Math.min(base * (1 + Math.random() / 2), this.maxBackoffMs);
  }
}
