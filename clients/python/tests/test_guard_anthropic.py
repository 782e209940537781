"""guard() around the official anthropic SDK (sync), talking to the fake provider, held on the real service."""

from __future__ import annotations

from decimal import Decimal

import anthropic
import pytest

from budget_ledger import BudgetExceeded, guard
from budget_ledger.tokens import estimate_messages, estimate_text

MESSAGES = [{"role": "user", "content": "Say hello [words:6] [cached:2]"}]


def sdk(provider) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=provider.url, api_key="sk-ant-fake", max_retries=0)


def test_a_message_is_held_on_the_estimate_and_settled_with_the_reported_usage(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    answer = client.messages.create(model="claude-haiku-4-5", max_tokens=200, system="Be terse.", messages=MESSAGES)

    assert answer.content[0].text == "word word word word word word"
    [hold] = ledger.reservations(budget.id).items
    assert hold.input_tokens == estimate_messages(MESSAGES, system="Be terse.") and hold.max_output_tokens == 200
    raw = hold.raw
    # The fake reports 4 + 2 + 5 input tokens, 2 of them read from the cache, and 6 output tokens.
    assert (raw["settledInputTokens"], raw["settledCacheReadTokens"], raw["settledOutputTokens"]) == (11, 2, 6)
    assert client.spent == hold.charged and client.calls == 1


def test_a_streamed_message_is_settled_from_its_last_message_delta(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    events = list(client.messages.create(model="claude-haiku-4-5", max_tokens=200, messages=MESSAGES, stream=True))
    assert [e.type for e in events][:2] == ["message_start", "content_block_start"]
    [hold] = ledger.reservations(budget.id).items
    assert hold.status == "SETTLED" and hold.raw["settledOutputTokens"] == 6 and hold.raw["settledInputTokens"] == 9


def test_the_stream_helper_is_held_too(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    with client.messages.stream(model="claude-opus-4-5", max_tokens=100, messages=MESSAGES) as stream:
        text = "".join(stream.text_stream)
    assert text.strip() == "word word word word word word"
    [hold] = ledger.reservations(budget.id).items
    assert hold.status == "SETTLED" and hold.raw["settledOutputTokens"] == 6


def test_a_cut_stream_is_charged_the_input_and_the_output_counted(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    with client.messages.stream(model="claude-haiku-4-5", max_tokens=100,
                                messages=[{"role": "user", "content": "[words:10] [cut:4]"}]) as stream:
        list(stream)
    [hold] = ledger.reservations(budget.id).items
    assert hold.status == "SETTLED" and hold.raw["settledInputTokens"] == hold.input_tokens
    assert hold.raw["settledOutputTokens"] == estimate_text("word " * 4)


def test_a_provider_error_releases_the_hold(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    with pytest.raises(anthropic.APIStatusError) as overloaded:
        client.messages.create(model="claude-haiku-4-5", max_tokens=10,
                               messages=[{"role": "user", "content": "[fail:529]"}])
    assert overloaded.value.status_code == 529
    [hold] = ledger.reservations(budget.id).items
    assert hold.status == "RELEASED"


def test_downgrade_and_deny_with_each_on_limit(ledger, provider) -> None:
    small = ledger.create_budget("small", "0.02")
    downgraded = guard(sdk(provider), budget=small.id, ledger=ledger, fallback=["claude-haiku-4-5"])
    downgraded.messages.create(model="claude-opus-4-1", max_tokens=1000, messages=MESSAGES)
    assert provider.seen()[0]["body"]["model"] == "claude-haiku-4-5"

    tiny = ledger.create_budget("tiny", "0.00001")
    with pytest.raises(BudgetExceeded) as denied:
        guard(sdk(provider), budget=tiny.id, ledger=ledger).messages.create(
            model="claude-haiku-4-5", max_tokens=1000, messages=MESSAGES)
    assert denied.value.reason == "INSUFFICIENT_FUNDS"

    stopped = guard(sdk(provider), budget=tiny.id, ledger=ledger, on_limit="stop", stop_message="Out of budget.")
    answer = stopped.messages.create(model="claude-haiku-4-5", max_tokens=1000, messages=MESSAGES)
    assert isinstance(answer, anthropic.types.Message) and answer.content[0].text == "Out of budget."
    assert answer.id.startswith("budget-ledger-stop-") and answer.budget_ledger["stopped"] is True
    with stopped.messages.stream(model="claude-haiku-4-5", max_tokens=1000, messages=MESSAGES) as stream:
        assert "".join(stream.text_stream) == "Out of budget."
    assert len(provider.seen()) == 1, "neither the raise nor the stops reached the provider"

    warned = guard(sdk(provider), budget=tiny.id, ledger=ledger, on_limit="warn")
    warned.messages.create(model="claude-haiku-4-5", max_tokens=1000, messages=MESSAGES)
    assert len(provider.seen()) == 2 and provider.seen()[1]["body"]["max_tokens"] == 1000
    assert ledger.get_budget(tiny.id).spent == warned.spent > 0


def test_a_capped_allow_sends_the_granted_max_tokens(ledger, provider) -> None:
    small = ledger.create_budget("small", "0.002")
    client = guard(sdk(provider), budget=small.id, ledger=ledger, min_output_tokens=50)
    client.messages.create(model="claude-haiku-4-5", max_tokens=8000, messages=MESSAGES)
    [hold] = ledger.reservations(small.id).items
    assert hold.capped and provider.seen()[0]["body"]["max_tokens"] == hold.max_output_tokens < 8000
    assert hold.amount <= Decimal("0.002")
