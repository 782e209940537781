#!/usr/bin/env python3
"""The check-then-act race, and the service holding the cap (with the budget_ledger package).

With 4.99 spent on a 5.00 cap, N agents start a call of worst case 0.004 at the same moment. A naive counter
("is there room? then call, then add the cost") lets every one of them through: each reads 4.99 before anyone
adds. The service answers each reserve under the budget's row lock: exactly as many as fit are allowed.

    pip install ./clients/python      # from the repository root

Environment: BUDGET_LEDGER_URL (default http://localhost:8080), BUDGET_LEDGER_API_KEY (an admin key: it
creates the budget), CALLS (default 10). Exits 0 only if the naive counter overshot and the service did not.
"""

import os
import sys
import threading
import time
from decimal import Decimal

from budget_ledger import BudgetExceeded, BudgetLedger

CAP = Decimal("5.00")
ALREADY_SPENT = Decimal("4.99")
COST = Decimal("0.004")


def concurrently(calls, action):
    start = threading.Barrier(calls)
    results = [None] * calls

    def run(i):
        start.wait()
        results[i] = action()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def naive(calls):
    spent = ALREADY_SPENT

    def call():
        nonlocal spent
        if spent + COST > CAP:  # the check ...
            return False
        time.sleep(0.1)         # ... the LLM call ...
        spent += COST           # ... the act, long after the check
        return True

    allowed = sum(concurrently(calls, call))
    return allowed, spent


def service(ledger, calls):
    budget = ledger.create_budget("race-example", CAP).id
    with ledger.hold(budget, amount=ALREADY_SPENT) as earlier:
        earlier.settle(amount=ALREADY_SPENT)

    def call():
        try:
            with ledger.hold(budget, amount=COST) as hold:
                time.sleep(0.05)  # the LLM call
                hold.settle(amount=COST)
            return True
        except BudgetExceeded:
            return False

    allowed = sum(concurrently(calls, call))
    return allowed, ledger.get_budget(budget).spent


def main():
    calls = int(os.environ.get("CALLS", "10"))
    ledger = BudgetLedger()  # $BUDGET_LEDGER_URL and $BUDGET_LEDGER_API_KEY
    fit = int((CAP - ALREADY_SPENT) / COST)

    naive_allowed, naive_spent = naive(calls)
    print(f"naive counter: {naive_allowed} of {calls} calls allowed, spent {naive_spent} of {CAP}"
          f" ({'OVER THE CAP' if naive_spent > CAP else 'within the cap'})")
    ledger_allowed, ledger_spent = service(ledger, calls)
    print(f"budget-ledger: {ledger_allowed} of {calls} calls allowed, spent {ledger_spent} of {CAP}"
          f" ({'OVER THE CAP' if ledger_spent > CAP else 'within the cap'})")

    held = ledger_spent <= CAP and ledger_allowed == fit
    print(f"cap held by budget-ledger: {'yes' if held else 'NO'} (room for {fit} calls)")
    return 0 if held and naive_spent > CAP else 1


if __name__ == "__main__":
    sys.exit(main())
