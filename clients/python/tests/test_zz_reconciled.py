"""Runs last (pytest takes the files in name order): after every test above, the whole ledger still agrees with
its journal, and no hold a guard took is left held."""

from budget_ledger import BudgetLedger


def test_the_ledger_reconciles_after_every_guarded_call(ledger: BudgetLedger) -> None:
    report = ledger.reconciliation()
    assert report["ok"] is True, report["discrepancies"]
    assert report["checked"]["reservations"] > 50
    held = [r for r in ledger.reservations(status="HELD", limit=200).items if r.metadata.get("guard") == "python"]
    assert held == [], "every guarded call was settled or released"
