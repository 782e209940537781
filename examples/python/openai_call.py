#!/usr/bin/env python3
"""One OpenAI chat completion through the official SDK, guarded by the budget_ledger package.

    pip install "./clients/python[openai]"      # from the repository root

Environment: BUDGET_LEDGER_URL (default http://localhost:8080), BUDGET_LEDGER_API_KEY, BUDGET_ID (if unset, the
guard creates a $5.00 budget of its own on the first call, which needs an admin key), OPENAI_BASE_URL (default
https://api.openai.com/v1; any OpenAI-compatible server), OPENAI_API_KEY, MODEL (default gpt-4o-mini).
"""

import os
import sys

import openai

from budget_ledger import BudgetExceeded, guard


def main() -> int:
    client = guard(openai.OpenAI(base_url=os.environ.get("OPENAI_BASE_URL") or None),
                   budget=os.environ.get("BUDGET_ID") or "$5.00")
    try:
        answer = client.chat.completions.create(
            model=os.environ.get("MODEL", "gpt-4o-mini"), max_tokens=200,
            messages=[{"role": "user", "content": "Say hello to the budget ledger in five words."}])
    except BudgetExceeded as denied:
        print(f"denied: {denied.reason} (remaining {denied.remaining}, asked {denied.requested})")
        return 3
    print("answer:", answer.choices[0].message.content)
    print(f"charged {client.spent} in {client.calls} call(s); budget {client.budget_id} has {client.remaining} left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
