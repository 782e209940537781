"""Errors: every answer the service gives as application/problem+json becomes one of these, with its fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional

__all__ = [
    "BudgetLedgerError",
    "InvalidRequest",
    "AuthenticationFailed",
    "PermissionDenied",
    "NotFound",
    "Conflict",
    "RateLimited",
    "BudgetExceeded",
    "LedgerUnavailable",
]


def _decimal(value: Any) -> Optional[Decimal]:
    return Decimal(str(value)) if value is not None else None


class BudgetLedgerError(Exception):
    """An error answer of the service. ``status`` is the HTTP status (0 when no answer came), ``code`` the problem's
    stable code (``BUDGET_NOT_FOUND``, ``SETTLEMENT_CONFLICT`` ...) and ``problem`` the whole problem+json body."""

    def __init__(self, message: str, *, status: int = 0, problem: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem: Dict[str, Any] = dict(problem or {})
        self.code: Optional[str] = self.problem.get("code")
        self.detail: Optional[str] = self.problem.get("detail")
        self.request_id: Optional[str] = self.problem.get("requestId")


class InvalidRequest(BudgetLedgerError):
    """400, 413, 415 or 422: the request was refused as it is and changed nothing (``errors``: the fields)."""

    @property
    def errors(self) -> List[Dict[str, str]]:
        return list(self.problem.get("errors") or [])


class AuthenticationFailed(BudgetLedgerError):
    """401: no API key, or one that is unknown, revoked or expired."""


class PermissionDenied(BudgetLedgerError):
    """403: the key's role may not do this."""


class NotFound(BudgetLedgerError):
    """404: BUDGET_NOT_FOUND, RESERVATION_NOT_FOUND ... (or outside a bound key's budget)."""


class Conflict(BudgetLedgerError):
    """409: the reservation is in another state (RESERVATION_SETTLED ...), or SETTLEMENT_CONFLICT."""


class RateLimited(BudgetLedgerError):
    """429 after the retries: the key sent more than its rate limit allows."""


class BudgetExceeded(BudgetLedgerError):
    """A DENY (402 RESERVATION_DENIED): nothing is held and the call must not be made.

    ``reason`` is INSUFFICIENT_FUNDS, PER_CALL_LIMIT, CALL_LIMIT, CONCURRENCY_LIMIT, BUDGET_FROZEN, BUDGET_CLOSED,
    MODEL_NOT_ALLOWED, RUN_CALL_LIMIT or RUN_AMOUNT_LIMIT (the reserve's run reached a cap), REQUEST_RATE_LIMIT or
    TOKEN_RATE_LIMIT (a budget's minute window is full; the problem's ``retryAfterSeconds`` says when the next one
    starts); ``remaining`` what the limiting budget (``limiting_budget_id``, the budget itself or an
    ancestor) had left and ``requested`` what the call asked of it, both in its ``unit``. A guard raises it with
    ``model``, the model the call named."""

    def __init__(self, message: str, *, status: int = 402, problem: Optional[Mapping[str, Any]] = None,
                 model: Optional[str] = None) -> None:
        super().__init__(message, status=status, problem=problem)
        self.reason: Optional[str] = self.problem.get("reason")
        self.remaining: Optional[Decimal] = _decimal(self.problem.get("available"))
        self.requested: Optional[Decimal] = _decimal(self.problem.get("requested"))
        self.unit: Optional[str] = self.problem.get("unit")
        self.budget_id: Optional[str] = self.problem.get("budgetId")
        self.limiting_budget_id: Optional[str] = self.problem.get("limitingBudgetId")
        self.model = model


class LedgerUnavailable(BudgetLedgerError):
    """No usable answer after the retries: the service could not be reached, timed out, or answered 5xx. A guard
    fails closed on it (the LLM call is not made) unless it was built with ``fail_open=True``."""


_BY_STATUS = {
    400: InvalidRequest,
    401: AuthenticationFailed,
    402: BudgetExceeded,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: InvalidRequest,
    415: InvalidRequest,
    422: InvalidRequest,
    429: RateLimited,
}


def from_problem(method: str, path: str, status: int, problem: Mapping[str, Any]) -> BudgetLedgerError:
    code = problem.get("code") or ""
    said = problem.get("detail") or problem.get("title") or ""
    message = f"{method} {path} answered {status} {code}: {said}".rstrip(": ")
    if status >= 500:
        return LedgerUnavailable(message, status=status, problem=problem)
    error_type = _BY_STATUS.get(status, BudgetLedgerError)
    if error_type is BudgetExceeded and code != "RESERVATION_DENIED":
        error_type = BudgetLedgerError
    return error_type(message, status=status, problem=problem)
