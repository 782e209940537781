"""Per-user budgets on demand and run caps, through the client against the real service: a reserve with ``subject``
is held on the subject's child, made from the parent's childTemplate on first use, and a run cap of 2 denies the
third call of one run (``run_id``) with RUN_CALL_LIMIT."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from budget_ledger import AsyncBudgetLedger, BudgetExceeded, BudgetLedger


def _name(what: str) -> str:
    return f"py-{what}-{uuid.uuid4().hex[:8]}"


def test_a_subjects_first_reserve_makes_its_child_from_the_template(ledger: BudgetLedger) -> None:
    parent = ledger.create_budget(_name("tenant"), "100", childTemplate={"limit": "0.25", "period": "DAILY"})

    first = ledger.reserve(parent.id, amount="0.10", subject="user-123")
    again = ledger.reserve(parent.id, amount="0.10", subject="user-123")
    other = ledger.reserve(parent.id, amount="0.10", subject="user-456")

    assert first.budget_id != parent.id
    assert again.budget_id == first.budget_id and other.budget_id != first.budget_id
    child = ledger.get_budget(first.budget_id)
    assert child.parent_id == parent.id and child.limit == Decimal("0.25") and child.reserved == Decimal("0.20")
    assert ledger.get_budget(parent.id).reserved == Decimal("0.30")
    # the dry run sees the child too: a third 0.10 does not fit in its 0.25
    decision = ledger.decide(parent.id, amount="0.10", subject="user-123")
    assert decision.decision == "DENY" and decision.reason == "INSUFFICIENT_FUNDS"


def test_a_run_cap_of_two_denies_the_third_call_of_a_run(ledger: BudgetLedger) -> None:
    budget = ledger.create_budget(_name("agent"), "10", maxCallsPerRun=2)
    run = f"run-{uuid.uuid4()}"

    ledger.reserve(budget.id, amount="0.01", run_id=run)
    ledger.reserve(budget.id, amount="0.01", run_id=run)
    assert ledger.decide(budget.id, amount="0.01", run_id=run).reason == "RUN_CALL_LIMIT"
    with pytest.raises(BudgetExceeded) as denied:
        ledger.reserve(budget.id, amount="0.01", run_id=run)

    assert denied.value.reason == "RUN_CALL_LIMIT"
    assert denied.value.limiting_budget_id == budget.id
    assert denied.value.problem["runId"] == run
    # another run has its own two calls
    assert ledger.reserve(budget.id, amount="0.01", run_id=f"run-{uuid.uuid4()}").status == "HELD"


def test_the_async_client_sends_subject_and_run_id(service_url: str, admin_key: str) -> None:
    import asyncio

    async def run() -> None:
        async with AsyncBudgetLedger(service_url, admin_key) as ledger:
            parent = await ledger.create_budget(_name("async-tenant"), "100", maxCallsPerRun=2,
                                                childTemplate={"limit": "1.00"})
            run_id = f"run-{uuid.uuid4()}"
            first = await ledger.reserve(parent.id, amount="0.01", subject="user-1", run_id=run_id)
            await ledger.reserve(parent.id, amount="0.01", subject="user-1", run_id=run_id)
            assert (await ledger.get_budget(first.budget_id)).parent_id == parent.id
            with pytest.raises(BudgetExceeded) as denied:
                await ledger.reserve(parent.id, amount="0.01", subject="user-1", run_id=run_id)
            assert denied.value.reason == "RUN_CALL_LIMIT" and denied.value.limiting_budget_id == parent.id

    asyncio.run(run())
