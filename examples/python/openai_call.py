#!/usr/bin/env python3
"""One OpenAI-style chat completion inside a budget-ledger hold (standard library only).

Environment: BUDGET_LEDGER_URL (default http://localhost:8080), BUDGET_LEDGER_API_KEY, BUDGET_ID (if unset, a
$5.00 budget is created, which needs an admin key), OPENAI_BASE_URL (default https://api.openai.com/v1; any
OpenAI-compatible server), OPENAI_API_KEY, MODEL (default gpt-4o-mini).
"""

import json
import os
import sys
import urllib.request

from budget_ledger import BudgetDenied, BudgetLedger


def chat_completion(base_url, api_key, model, messages, max_tokens):
    request = urllib.request.Request(
        base_url.rstrip("/") + "/chat/completions",
        data=json.dumps({"model": model, "messages": messages, "max_tokens": max_tokens}).encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def estimate_tokens(messages):
    """About 4 characters a token, plus 4 per message and 3 for the reply: only sizes the hold."""
    return sum(4 + -(-len(m["content"]) // 4) for m in messages) + 3


def main():
    ledger = BudgetLedger(os.environ.get("BUDGET_LEDGER_URL", "http://localhost:8080"),
                          os.environ["BUDGET_LEDGER_API_KEY"])
    budget_id = os.environ.get("BUDGET_ID") or ledger.create_budget("python-example", "5.00")["id"]
    model = os.environ.get("MODEL", "gpt-4o-mini")
    messages = [{"role": "user", "content": "Say hello to the budget ledger in five words."}]
    max_tokens = 200

    try:
        with ledger.reserve(budget_id, model=model, input_tokens=estimate_tokens(messages),
                            max_output_tokens=max_tokens) as hold:
            print(f"reserved {hold.amount} for {hold.model} (reservation {hold.id})")
            answer = chat_completion(os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1"),
                                     os.environ.get("OPENAI_API_KEY", ""), hold.model, messages, max_tokens)
            usage = answer["usage"]
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
            settled = hold.settle(input_tokens=usage["prompt_tokens"] - cached,
                                  output_tokens=usage["completion_tokens"], cache_read_tokens=cached)
    except BudgetDenied as denied:
        print(f"denied: {denied.reason} (available {denied.available}, asked {denied.requested})")
        return 3
    print("answer:", answer["choices"][0]["message"]["content"])
    print(f"charged {settled['charged']}, released {settled['released']}, budget has {settled['available']} left")
    return 0


if __name__ == "__main__":
    sys.exit(main())
