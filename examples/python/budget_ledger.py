"""A small budget-ledger client on the Python standard library (urllib), with a ``with`` wrapper.

    ledger = BudgetLedger("http://localhost:8080", api_key)
    with ledger.reserve(budget_id, model="gpt-4o", input_tokens=1200, max_output_tokens=800) as hold:
        answer = call_the_llm(model=hold.model, max_tokens=hold.max_output_tokens)
        hold.settle(input_tokens=answer.prompt_tokens, output_tokens=answer.completion_tokens)

A DENY raises ``BudgetDenied`` (with ``reason``) before the block runs. An exception inside the block releases
the hold. A block that ends without settling is settled at the reserved worst case, so the budget never counts
less than may have been spent. Money is ``decimal.Decimal`` and travels as decimal strings, never floats.
Every POST carries an Idempotency-Key; retries (503, 429, 409 IDEMPOTENCY_KEY_IN_FLIGHT, lost connections)
send the same key, so a request the service already did is answered from its stored response, not done twice.
"""

import json
import random
import time
import urllib.error
import urllib.request
import uuid
from decimal import Decimal

__all__ = ["BudgetLedger", "BudgetLedgerError", "BudgetDenied", "Hold"]

RETRYABLE_STATUS = {429, 503}


class BudgetLedgerError(Exception):
    """An application/problem+json answer (``status``, ``code``, ``problem``), or no answer (status 0)."""

    def __init__(self, message, status=0, code=None, problem=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.problem = problem or {}


class BudgetDenied(BudgetLedgerError):
    """402 RESERVATION_DENIED: nothing is held. ``reason`` says why (INSUFFICIENT_FUNDS, PER_CALL_LIMIT ...)."""

    def __init__(self, message, problem):
        super().__init__(message, 402, "RESERVATION_DENIED", problem)
        self.reason = problem.get("reason")
        self.available = Decimal(problem["available"]) if "available" in problem else None
        self.requested = Decimal(problem["requested"]) if "requested" in problem else None


def _encode(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serializable (money must be Decimal, not float)")


class BudgetLedger:
    def __init__(self, base_url, api_key, attempts=4, backoff=0.1, max_backoff=2.0, timeout=10.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout

    # -- the API ---------------------------------------------------------------------------------------
    def create_budget(self, name, limit, **options):
        return self._send("POST", "/v1/budgets", {"name": name, "limit": Decimal(limit), **options})

    def budget(self, budget_id):
        return self._send("GET", f"/v1/budgets/{budget_id}")

    def reserve_raw(self, budget_id, **request):
        """POST /v1/reservations; returns the reservation dict or raises BudgetDenied."""
        return self._send("POST", "/v1/reservations", {"budgetId": str(budget_id), **request})

    def settle(self, reservation_id, **usage):
        return self._send("POST", f"/v1/reservations/{reservation_id}/settle", usage)

    def release(self, reservation_id):
        return self._send("POST", f"/v1/reservations/{reservation_id}/release")

    def extend(self, reservation_id, ttl_seconds):
        return self._send("POST", f"/v1/reservations/{reservation_id}/extend", {"ttlSeconds": ttl_seconds})

    def reserve(self, budget_id, *, model=None, input_tokens=None, max_output_tokens=None, amount=None,
                fallback_models=None, ttl_seconds=None, metadata=None):
        """A context manager around one LLM call: reserves now, settles or releases when the block ends."""
        request = {}
        if amount is not None:
            request["amount"] = Decimal(amount)
        if model is not None:
            request.update(model=model, inputTokens=input_tokens, maxOutputTokens=max_output_tokens)
        if fallback_models:
            request["fallbackModels"] = list(fallback_models)
        if ttl_seconds is not None:
            request["ttlSeconds"] = ttl_seconds
        if metadata:
            request["metadata"] = metadata
        return Hold(self, self.reserve_raw(budget_id, **request))

    # -- plumbing --------------------------------------------------------------------------------------
    def _send(self, method, path, body=None):
        key = str(uuid.uuid4()) if method == "POST" else None
        data = json.dumps(body, default=_encode).encode() if body is not None else None
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            request = urllib.request.Request(self.base_url + path, data=data, method=method)
            request.add_header("Authorization", f"Bearer {self.api_key}")
            request.add_header("Accept", "application/json, application/problem+json")
            if data is not None:
                request.add_header("Content-Type", "application/json")
            if key:
                request.add_header("Idempotency-Key", key)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as answer:
                error = self._error(method, path, answer)
                retryable = answer.code in RETRYABLE_STATUS or error.code == "IDEMPOTENCY_KEY_IN_FLIGHT"
                if last or not retryable:
                    raise error from None
                retry_after = answer.headers.get("Retry-After")
                self._pause(attempt, float(retry_after) if retry_after and retry_after.isdigit() else None)
            except (urllib.error.URLError, ConnectionError, TimeoutError) as failure:
                if last:
                    raise BudgetLedgerError(f"{method} {path}: no answer from {self.base_url} after {attempt}"
                                            f" attempt(s): {failure}") from failure
                self._pause(attempt, None)

    def _pause(self, attempt, retry_after):
        wait = min(self.backoff * 2 ** (attempt - 1), self.max_backoff)
        wait = min(retry_after, self.max_backoff) if retry_after is not None else wait * (1 + random.random() / 2)
        time.sleep(wait)

    @staticmethod
    def _error(method, path, answer):
        try:
            problem = json.loads(answer.read())
        except ValueError:
            problem = {}
        code = problem.get("code")
        message = f"{method} {path} answered {answer.code} {code or ''}: {problem.get('detail') or problem.get('title')}"
        if answer.code == 402 and code == "RESERVATION_DENIED":
            return BudgetDenied(message, problem)
        return BudgetLedgerError(message, answer.code, code, problem)


class Hold:
    """A reservation held for one call. ``model`` is the model to call (a fallback when ``downgraded``)."""

    def __init__(self, ledger, reservation):
        self.ledger = ledger
        self.reservation = reservation
        self.id = reservation["id"]
        self.model = reservation.get("model")
        self.downgraded = reservation.get("downgraded", False)
        self.amount = Decimal(reservation["amount"])
        self.max_output_tokens = reservation.get("maxOutputTokens")
        self.settlement = None

    def settle(self, *, input_tokens=None, output_tokens=None, cache_read_tokens=None, amount=None):
        """Charges what the call used; the rest of the hold goes back to the budget."""
        if amount is not None:
            usage = {"amount": Decimal(amount)}
        else:
            usage = {"inputTokens": input_tokens, "outputTokens": output_tokens}
            if cache_read_tokens:
                usage["cacheReadTokens"] = cache_read_tokens
        self.settlement = self.ledger.settle(self.id, **usage)
        return self.settlement

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        if self.settlement is not None:
            return False
        if error is not None:
            self.ledger.release(self.id)
        else:
            # Ended without saying what it used: count the worst case rather than nothing.
            self.settlement = self.ledger.settle(self.id, amount=self.amount)
        return False
