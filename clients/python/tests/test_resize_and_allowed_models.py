"""What the API gained for holds that fit the work and for governance, through the client against the real service:
extend resizes a held reservation (up, down, denied when the growth does not fit), a budget's allowedModels deny
another model with MODEL_NOT_ALLOWED, and maxHoldOutputTokens caps what a reservation holds when made."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from budget_ledger import AsyncBudgetLedger, BudgetExceeded, BudgetLedger, InvalidRequest


def _name(what: str) -> str:
    return f"py-{what}-{uuid.uuid4().hex[:8]}"


def test_a_held_reservation_grows_and_shrinks_and_the_budget_holds_what_it_holds(ledger: BudgetLedger) -> None:
    budget = ledger.create_budget(_name("resize"), "5.00")
    # gpt-4o at 2.50 and 10.00 USD per million: 1000 in and 1000 out hold 0.0125
    hold = ledger.reserve(budget.id, model="gpt-4o", input_tokens=1000, max_output_tokens=1000)
    assert hold.amount == Decimal("0.0125")

    grown = ledger.extend(hold.id, max_output_tokens=3000)
    assert grown.status == "HELD" and grown.max_output_tokens == 3000 and grown.amount == Decimal("0.0325")
    assert grown.available == Decimal("4.9675") and ledger.get_budget(budget.id).reserved == Decimal("0.0325")

    shrunk = ledger.extend(hold.id, max_output_tokens=100, ttl_seconds=600)
    assert shrunk.max_output_tokens == 100 and shrunk.amount == Decimal("0.0035")
    assert shrunk.expires_at > hold.expires_at
    assert ledger.get_budget(budget.id).reserved == Decimal("0.0035")

    by_amount = ledger.reserve(budget.id, amount="1.00")
    assert ledger.extend(by_amount.id, amount=Decimal("2.50")).amount == Decimal("2.50")
    assert ledger.extend(by_amount.id, amount="0.25").amount == Decimal("0.25")
    assert ledger.get_budget(budget.id).reserved == Decimal("0.2535")

    assert ledger.extend(hold.id, 900).amount == Decimal("0.0035"), "a ttl alone still only extends"
    with pytest.raises(InvalidRequest):
        ledger.extend(hold.id)  # nothing to change
    ledger.settle(hold.id, input_tokens=1000, output_tokens=50)
    ledger.release(by_amount.id)
    assert ledger.get_budget(budget.id).reserved == 0


def test_a_growth_that_does_not_fit_is_denied_and_the_hold_stays_as_it_was(ledger: BudgetLedger) -> None:
    budget = ledger.create_budget(_name("resize-deny"), "0.05")
    hold = ledger.reserve(budget.id, model="gpt-4o", input_tokens=1000, max_output_tokens=1000)

    with pytest.raises(BudgetExceeded) as denied:
        ledger.extend(hold.id, max_output_tokens=10000)  # 0.1025 in all: 0.09 more of the 0.0375 left
    assert denied.value.reason == "INSUFFICIENT_FUNDS" and denied.value.requested == Decimal("0.09")
    assert denied.value.remaining == Decimal("0.0375")
    after = ledger.get_reservation(hold.id)
    assert after.amount == Decimal("0.0125") and after.max_output_tokens == 1000
    assert ledger.get_budget(budget.id).reserved == Decimal("0.0125")
    ledger.release(hold.id)


def test_a_budget_with_allowed_models_denies_another_model(ledger: BudgetLedger) -> None:
    budget = ledger.create_budget(_name("models"), "5.00", allowed_models=["gpt-4o-mini"],
                                  max_hold_output_tokens=4000)
    assert budget.allowed_models == ("gpt-4o-mini",) and budget.max_hold_output_tokens == 4000
    assert ledger.get_budget(budget.id).allowed_models == ("gpt-4o-mini",)

    with pytest.raises(BudgetExceeded) as denied:
        ledger.reserve(budget.id, model="gpt-4o", input_tokens=100, max_output_tokens=100)
    assert denied.value.reason == "MODEL_NOT_ALLOWED" and denied.value.limiting_budget_id == budget.id
    held = ledger.reserve(budget.id, model="gpt-4o-mini", input_tokens=100, max_output_tokens=10000)
    assert held.max_output_tokens == 4000 and held.capped, "held at the budget's cap"
    assert ledger.extend(held.id, max_output_tokens=10000).max_output_tokens == 10000, "and it may grow later"
    ledger.release(held.id)
    assert ledger.get_budget(budget.id).denied_count == 1

    widened = ledger.update_budget(budget.id, allowed_models=["gpt-4o-mini", "gpt-4o"], max_hold_output_tokens=None)
    assert widened.allowed_models == ("gpt-4o-mini", "gpt-4o") and widened.max_hold_output_tokens is None
    ledger.release(ledger.reserve(budget.id, model="gpt-4o", input_tokens=100, max_output_tokens=100).id)
    renamed = ledger.update_budget(budget.id, name=_name("renamed"))
    assert renamed.allowed_models == ("gpt-4o-mini", "gpt-4o"), "left out of the patch: unchanged"
    opened = ledger.update_budget(budget.id, allowed_models=None, limit=Decimal("6.00"))
    assert opened.allowed_models is None and opened.limit == Decimal("6.00")
    ledger.release(ledger.reserve(budget.id, amount="0.10").id)  # by amount: no model, allowed again
    with pytest.raises(TypeError):
        ledger.update_budget(budget.id, allowed_models="gpt-4o")  # a string is not a list of names


def test_the_async_client_resizes_and_sets_allowed_models_too(service_url: str, admin_key: str) -> None:
    import asyncio

    async def run() -> None:
        async with AsyncBudgetLedger(service_url, admin_key) as ledger:
            budget = await ledger.create_budget(_name("async-models"), "5.00", allowed_models=["gpt-4o"])
            with pytest.raises(BudgetExceeded) as denied:
                await ledger.reserve(budget.id, model="gpt-4o-mini", input_tokens=100, max_output_tokens=100)
            assert denied.value.reason == "MODEL_NOT_ALLOWED"
            hold = await ledger.reserve(budget.id, model="gpt-4o", input_tokens=1000, max_output_tokens=1000)
            assert (await ledger.extend(hold.id, max_output_tokens=3000)).amount == Decimal("0.0325")
            assert (await ledger.extend(hold.id, max_output_tokens=100)).amount == Decimal("0.0035")
            assert (await ledger.get_budget(budget.id)).reserved == Decimal("0.0035")
            await ledger.release(hold.id)
            cleared = await ledger.update_budget(budget.id, allowed_models=None)
            assert cleared.allowed_models is None

    asyncio.run(run())
