"""budget-ledger for Python: a typed client for the ledger API, and guard() around the OpenAI and Anthropic SDKs.

    from budget_ledger import guard
    client = guard(openai.OpenAI(), budget="$0.50", fallback="gpt-4o-mini", on_limit="stop")
    client.chat.completions.create(model="gpt-4o", messages=[...], max_tokens=500)
    client.spent, client.remaining, client.calls
"""

from ._version import __version__
from .client import Amount, AsyncBudgetLedger, AsyncHold, BudgetLedger, Hold, RetryPolicy
from .errors import (AuthenticationFailed, BudgetExceeded, BudgetLedgerError, Conflict, InvalidRequest,
                     LedgerUnavailable, NotFound, PermissionDenied, RateLimited)
from .guard import GuardState, OnLimit, guard, guard_state
from .types import Budget, Charge, Decision, Page, Reservation, UsageGroup, UsageReport, UsageTotals

__all__ = [
    "__version__", "guard", "guard_state", "GuardState", "OnLimit",
    "BudgetLedger", "AsyncBudgetLedger", "RetryPolicy", "Hold", "AsyncHold", "Amount",
    "BudgetLedgerError", "BudgetExceeded", "LedgerUnavailable", "InvalidRequest", "AuthenticationFailed",
    "PermissionDenied", "NotFound", "Conflict", "RateLimited",
    "Budget", "Reservation", "Charge", "Decision", "Page", "UsageReport", "UsageGroup", "UsageTotals",
]
