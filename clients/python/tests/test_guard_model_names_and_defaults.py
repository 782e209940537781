"""What the service resolves for the guard: a call without an output limit is held at the model's default, which
the guard then sends as the call's limit; dated and prefixed model ids are priced as their catalog entry and sent
as the caller named them (docs/budgets.md, "Model names and default output")."""

from __future__ import annotations

from decimal import Decimal

import anthropic
import openai

from budget_ledger import guard

MESSAGES = [{"role": "user", "content": "Hello [words:3]"}]


def test_a_call_without_max_tokens_is_held_at_the_model_default_and_sent_with_it(ledger, provider, budget) -> None:
    client = guard(openai.OpenAI(base_url=provider.url + "/v1", api_key="sk", max_retries=0), budget=budget.id,
                   ledger=ledger)
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    list(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))
    holds = ledger.reservations(budget.id).items
    assert [h.max_output_tokens for h in holds] == [16384, 16384]
    assert [s["body"]["max_completion_tokens"] for s in provider.seen()] == [16384, 16384]
    assert all(h.status == "SETTLED" and h.raw["settledOutputTokens"] == 3 for h in holds)


def test_dated_and_prefixed_model_ids_are_priced_as_their_catalog_entry(ledger, provider, budget) -> None:
    client = guard(openai.OpenAI(base_url=provider.url + "/v1", api_key="sk", max_retries=0), budget=budget.id,
                   ledger=ledger)
    client.chat.completions.create(model="gpt-4o-2024-08-06", messages=MESSAGES, max_tokens=100)
    [hold] = ledger.reservations(budget.id).items
    assert provider.seen()[0]["body"]["model"] == "gpt-4o-2024-08-06" and hold.model == "gpt-4o-2024-08-06"
    # 7 input tokens at gpt-4o's 2.50 and 3 output tokens at 10.00 per million
    assert hold.charged == Decimal("0.0000475")

    claude = guard(anthropic.Anthropic(base_url=provider.url, api_key="sk", max_retries=0), budget=budget.id,
                   ledger=ledger)
    claude.messages.create(model="claude-haiku-4-5-20251001", max_tokens=100, messages=MESSAGES)
    newest = ledger.reservations(budget.id).items[0]
    assert newest.model == "claude-haiku-4-5-20251001" and newest.status == "SETTLED"
    # 7 input tokens at claude-haiku-4-5's 1.00 and 3 output tokens at 5.00 per million
    assert newest.charged == Decimal("0.000022")
