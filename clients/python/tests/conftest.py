"""Fixtures: the running service (test.sh starts it and exports BUDGET_LEDGER_URL and BUDGET_LEDGER_ADMIN_KEY), an
admin ledger client, and the fake provider."""

from __future__ import annotations

import os
import sys
import uuid
from decimal import Decimal
from typing import Iterator

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from budget_ledger import BudgetLedger  # noqa: E402
from fake_provider import FakeProvider  # noqa: E402


@pytest.fixture(scope="session")
def service_url() -> str:
    url = os.environ.get("BUDGET_LEDGER_URL")
    if not url or not os.environ.get("BUDGET_LEDGER_ADMIN_KEY"):
        pytest.exit("run the tests with clients/python/test.sh: they need the service (BUDGET_LEDGER_URL and "
                    "BUDGET_LEDGER_ADMIN_KEY)", returncode=2)
    return url


@pytest.fixture(scope="session")
def admin_key(service_url: str) -> str:
    return os.environ["BUDGET_LEDGER_ADMIN_KEY"]


@pytest.fixture(scope="session")
def ledger(service_url: str, admin_key: str) -> Iterator[BudgetLedger]:
    with BudgetLedger(service_url, admin_key) as client:
        yield client


@pytest.fixture(scope="session")
def _provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    yield provider
    provider.close()


@pytest.fixture
def provider(_provider: FakeProvider) -> FakeProvider:
    _provider.reset()
    return _provider


@pytest.fixture
def budget(ledger: BudgetLedger):
    """A new $5.00 budget for one test."""
    return ledger.create_budget(f"py-test-{uuid.uuid4().hex[:8]}", Decimal("5.00"))


def client_key(ledger: BudgetLedger, budget_id: str) -> str:
    """The secret of a new CLIENT key bound to one budget (what a guard runs with in production)."""
    request = ledger._get_budget(budget_id).__class__(
        "POST", "/v1/api-keys", lambda data: data,
        {"name": f"py-test-client-{uuid.uuid4().hex[:8]}", "role": "CLIENT", "budgetId": budget_id})
    return ledger._send(request)["secret"]


def journal_sums(ledger: BudgetLedger, budget_id: str) -> tuple:
    """spent and reserved as the budget's journal adds them up."""
    spent = reserved = Decimal(0)
    cursor = None
    while True:
        page = ledger._send(ledger._get_budget(budget_id).__class__(
            "GET", f"/v1/budgets/{budget_id}/entries", lambda data: data,
            params={"limit": 200, **({"cursor": cursor} if cursor else {})}))
        for entry in page["items"]:
            spent += Decimal(entry["spentDelta"])
            reserved += Decimal(entry["reservedDelta"])
        cursor = page.get("nextCursor")
        if not cursor:
            return spent, reserved
