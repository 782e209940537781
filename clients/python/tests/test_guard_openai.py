"""guard() around the official openai SDK (sync), talking to the fake provider, held on the real service."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from decimal import Decimal

import openai
import pytest

from budget_ledger import BudgetExceeded, BudgetLedger, LedgerUnavailable, RetryPolicy, guard, guard_state
from budget_ledger.tokens import count_chat, count_text
from conftest import client_key  # noqa: E402

MESSAGES = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello [words:7]"}]


def sdk(provider, **options) -> openai.OpenAI:
    return openai.OpenAI(base_url=provider.url + "/v1", api_key="sk-fake", max_retries=0, **options)


def held(ledger: BudgetLedger, budget_id: str):
    return ledger.reservations(budget_id).items


def test_an_allowed_call_is_held_then_settled_with_the_reported_usage(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    answer = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=100)

    assert answer.choices[0].message.content == "word " * 6 + "word"
    [sent] = provider.seen("/chat/completions")
    assert sent["body"]["model"] == "gpt-4o" and sent["body"]["max_tokens"] == 100
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and hold.input_tokens == count_chat("gpt-4o", MESSAGES)
    assert hold.max_output_tokens == 100
    # The fake reports 6 words + 5 of input and 7 of output: 11 x 2.50 + 7 x 10.00 per million.
    assert hold.charged == Decimal("0.0000975") and hold.raw["settledInputTokens"] == 11
    assert client.spent == Decimal("0.0000975") and client.calls == 1
    assert client.remaining == Decimal("5.00") - Decimal("0.0000975")
    assert isinstance(client, openai.OpenAI) and client.budget_id == budget.id
    assert guard_state(client).spent == client.spent


def test_cached_and_reasoning_tokens_are_settled_as_such(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    client.chat.completions.create(model="o3", max_completion_tokens=300, messages=[
        {"role": "user", "content": "Think [words:4] [cached:3] [reasoning:50]"}])
    [hold] = held(ledger, budget.id)
    raw = hold.raw
    assert (raw["settledInputTokens"], raw["settledCacheReadTokens"]) == (9 - 3, 3)
    assert (raw["settledOutputTokens"], raw["settledReasoningTokens"]) == (4, 50)
    assert provider.seen()[0]["body"]["max_completion_tokens"] == 300


def test_a_stream_is_settled_from_its_final_usage_which_the_caller_does_not_see(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=50, stream=True)
    chunks = list(stream)

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "word " * 7
    assert all(c.choices for c in chunks), "the usage chunk the guard asked for is not passed on"
    assert provider.seen()[0]["body"]["stream_options"] == {"include_usage": True}
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and hold.raw["settledOutputTokens"] == 7 and hold.raw["settledInputTokens"] == 11
    assert client.spent == hold.charged


def test_a_caller_who_asked_for_usage_gets_it(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=50, stream=True,
                                                 stream_options={"include_usage": True}))
    assert chunks[-1].usage.completion_tokens == 7 and chunks[-1].choices == []


def test_the_stream_helper_is_held_too(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    with client.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES, max_tokens=50) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content.strip() == "word word word word word word word"
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and hold.raw["settledOutputTokens"] == 7


def test_a_stream_cut_before_its_usage_is_charged_what_was_counted(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    stream = client.chat.completions.create(model="gpt-4o", max_tokens=100, stream=True,
                                            messages=[{"role": "user", "content": "Go [words:20] [cut:5]"}])
    received = [c.choices[0].delta.content for c in stream]
    assert len(received) == 5
    [hold] = held(ledger, budget.id)
    # The input counted at reserve, and the five words ("word " x 5) counted with o200k_base.
    assert hold.status == "SETTLED" and hold.raw["settledInputTokens"] == hold.input_tokens
    assert hold.raw["settledOutputTokens"] == count_text("gpt-4o", "word " * 5)


def test_a_stream_abandoned_half_way_is_charged_what_was_counted(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    stream = client.chat.completions.create(model="gpt-4o", max_tokens=100, stream=True,
                                            messages=[{"role": "user", "content": "Go [words:30]"}])
    for index, _ in enumerate(stream):
        if index == 2:
            break
    stream.close()
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and hold.raw["settledOutputTokens"] == count_text("gpt-4o", "word " * 3)


def test_a_cut_stream_of_a_reasoning_model_is_charged_the_whole_hold(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    list(client.chat.completions.create(model="o4-mini", max_completion_tokens=400, stream=True,
                                        messages=[{"role": "user", "content": "Go [words:20] [cut:2]"}]))
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and hold.charged == hold.amount


def test_a_provider_error_releases_the_hold(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="gpt-4o", max_tokens=10,
                                       messages=[{"role": "user", "content": "[fail:500]"}])
    [hold] = held(ledger, budget.id)
    assert hold.status == "RELEASED" and client.spent == 0 and client.calls == 1
    assert ledger.get_budget(budget.id).reserved == 0


def test_a_provider_that_cannot_be_reached_releases_the_hold(ledger, budget) -> None:
    client = guard(openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="sk", max_retries=0), budget=budget.id,
                   ledger=ledger)
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-4o", max_tokens=10, messages=MESSAGES)
    [hold] = held(ledger, budget.id)
    assert hold.status == "RELEASED"


def test_a_call_sent_without_an_answer_is_charged_the_whole_hold(ledger, provider, budget) -> None:
    client = guard(sdk(provider, timeout=0.5), budget=budget.id, ledger=ledger)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-4o", max_tokens=100,
                                       messages=[{"role": "user", "content": "[hang:2]"}])
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and hold.charged == hold.amount, "the outcome is unknown: it may have been billed"


def test_with_raw_response_is_held_and_settled_from_the_parsed_answer(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", max_tokens=100, messages=MESSAGES)
    assert raw.parse().usage.completion_tokens == 7
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and hold.raw["settledOutputTokens"] == 7


def test_an_exception_mid_stream_settles_what_was_counted(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    with pytest.raises(RuntimeError):
        with client.chat.completions.create(model="gpt-4o", max_tokens=100, stream=True,
                                            messages=[{"role": "user", "content": "[words:9]"}]) as stream:
            for index, _ in enumerate(stream):
                if index == 3:
                    raise RuntimeError("the caller's code broke")
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and hold.raw["settledOutputTokens"] == count_text("gpt-4o", "word " * 4)


def test_deny_with_on_limit_raise(ledger, provider) -> None:
    tiny = ledger.create_budget("tiny", "0.0001")
    client = guard(sdk(provider), budget=tiny.id, ledger=ledger)  # on_limit="raise" is the default
    with pytest.raises(BudgetExceeded) as denied:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=1000)
    assert denied.value.reason == "INSUFFICIENT_FUNDS" and denied.value.remaining == Decimal("0.0001")
    assert denied.value.model == "gpt-4o"
    assert provider.seen() == [] and client.calls == 0 and client.remaining == Decimal("0.0001")


def test_deny_with_on_limit_stop_answers_a_marked_response_of_the_sdk_type(ledger, provider) -> None:
    tiny = ledger.create_budget("tiny", "0.0001")
    client = guard(sdk(provider), budget=tiny.id, ledger=ledger, on_limit="stop")
    answer = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=1000)
    assert isinstance(answer, openai.types.chat.ChatCompletion)
    assert answer.id.startswith("budget-ledger-stop-") and "budget is exhausted" in answer.choices[0].message.content
    assert answer.budget_ledger["stopped"] is True and answer.budget_ledger["reason"] == "INSUFFICIENT_FUNDS"

    streamed = list(client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=1000, stream=True))
    assert isinstance(streamed[0], openai.types.chat.ChatCompletionChunk) and streamed[0].id.startswith("budget-ledger")
    assert "budget is exhausted" in streamed[0].choices[0].delta.content
    assert provider.seen() == [] and client.calls == 0


def as_client(budget_id: str, admin: BudgetLedger) -> BudgetLedger:
    """A ledger client with a CLIENT key bound to the budget, as a guard runs in production."""
    return BudgetLedger(os.environ["BUDGET_LEDGER_URL"], client_key(admin, budget_id))


def charges(ledger: BudgetLedger, budget_id: str) -> list:
    """The direct charges booked on a budget, from its budget.charged events."""
    request = ledger._get_budget(budget_id).__class__(
        "GET", f"/v1/events?type=budget.charged&budgetId={budget_id}", lambda d: d)
    return [event["data"] for event in ledger._send(request)["items"]]


def test_deny_with_on_limit_warn_makes_the_call_and_books_what_it_used_as_a_direct_charge(ledger, provider,
                                                                                            caplog) -> None:
    tiny = ledger.create_budget("tiny", "0.0001")
    client = guard(sdk(provider), budget=tiny.id, ledger=as_client(tiny.id, ledger), on_limit="warn")
    with caplog.at_level(logging.WARNING, logger="budget_ledger.guard"):
        answer = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=1000)
    assert answer.choices[0].message.content.startswith("word")
    assert "over the limit" in caplog.text and "direct charge" in caplog.text
    [sent] = provider.seen()
    assert sent["body"]["max_tokens"] == 1000 and sent["body"]["model"] == "gpt-4o", "the call goes as asked"
    assert held(ledger, tiny.id) == [], "no hold: what the call used is booked without one"
    [charge] = charges(ledger, tiny.id)
    # The estimate (1000 output tokens) was denied; what the call used fits, so it is not flagged over the limit.
    assert charge["amount"] == "0.0000975" and charge["model"] == "gpt-4o" and charge["overLimit"] is False
    assert client.spent == ledger.get_budget(tiny.id).spent == Decimal("0.0000975")
    assert client.remaining == Decimal("0.0000025")
    assert ledger.usage(tiny.id).total.charges == 1


def test_warn_on_a_frozen_budget_still_books_what_the_call_used(ledger, provider, caplog) -> None:
    frozen = ledger.create_budget("frozen", "1.00")
    ledger._send(ledger._get_budget(frozen.id).__class__("POST", f"/v1/budgets/{frozen.id}/freeze", lambda d: d,
                                                         {"reason": "test"}))
    client = guard(sdk(provider), budget=frozen.id, ledger=as_client(frozen.id, ledger), on_limit="warn")
    with caplog.at_level(logging.WARNING, logger="budget_ledger.guard"):
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=10)
    assert len(provider.seen()) == 1 and held(ledger, frozen.id) == []
    assert "over the limit (BUDGET_FROZEN" in caplog.text and "ERROR" not in caplog.text
    [charge] = charges(ledger, frozen.id)
    assert charge["overLimit"] is False, "a frozen budget with room is not over its limit"
    assert client.spent == ledger.get_budget(frozen.id).spent == Decimal(charge["amount"]) > 0


def test_warn_books_an_over_limit_stream_from_its_final_usage(ledger, provider) -> None:
    # Far past its room: a CLIENT key may book it only because the operator allows 0.01 past the limit (maxOverrun).
    tiny = ledger.create_budget("tiny stream", "0.0000001", maxOverrun="0.01")
    client = guard(sdk(provider), budget=tiny.id, ledger=as_client(tiny.id, ledger), on_limit="warn")
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=50,
                                                 stream=True))
    assert chunks and all(chunk.choices for chunk in chunks), "the usage chunk it did not ask for is hidden"
    assert provider.seen()[0]["body"]["stream_options"] == {"include_usage": True}
    [charge] = charges(ledger, tiny.id)
    assert charge["overLimit"] is True
    assert client.spent == ledger.get_budget(tiny.id).spent == Decimal(charge["amount"]) > 0
    assert held(ledger, tiny.id) == []


def test_warn_past_the_overrun_policy_makes_the_call_books_nothing_and_logs_an_error(ledger, provider,
                                                                                       caplog) -> None:
    # 0.0000001 of room and the default ratio 1: a CLIENT key may book at most 0.0000002; the call costs far more.
    tiny = ledger.create_budget("tiny refused", "0.0000001")
    client = guard(sdk(provider), budget=tiny.id, ledger=as_client(tiny.id, ledger), on_limit="warn")
    with caplog.at_level(logging.WARNING, logger="budget_ledger.guard"):
        answer = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=100)
    assert answer.choices[0].message.content.startswith("word"), "the refusal never reaches the caller"
    assert len(provider.seen()) == 1
    errors = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1 and "NOT recorded" in errors[0] and "overrun policy" in errors[0], caplog.text
    assert "0.0000002" in errors[0] and "ADMIN key can book it" in errors[0] and "maxOverrun" in errors[0]
    assert charges(ledger, tiny.id) == [] and held(ledger, tiny.id) == []
    assert client.spent == 0 and ledger.get_budget(tiny.id).spent == 0


def test_a_downgrade_sends_the_fallback_model(ledger, provider) -> None:
    small = ledger.create_budget("small", "0.005")
    client = guard(sdk(provider), budget=small.id, ledger=ledger, fallback="gpt-4o-mini")
    client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=1000)
    [sent] = provider.seen()
    assert sent["body"]["model"] == "gpt-4o-mini"
    [hold] = held(ledger, small.id)
    assert hold.downgraded and hold.requested_model == "gpt-4o" and hold.status == "SETTLED"


def test_a_capped_allow_sends_the_granted_max_tokens(ledger, provider) -> None:
    small = ledger.create_budget("small", "0.005")
    client = guard(sdk(provider), budget=small.id, ledger=ledger, min_output_tokens=100)
    client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_completion_tokens=4000)
    [hold] = held(ledger, small.id)
    assert hold.capped and 100 <= hold.max_output_tokens < 4000
    assert provider.seen()[0]["body"]["max_completion_tokens"] == hold.max_output_tokens


def test_a_per_workflow_budget_is_created_under_its_parent_on_first_use(ledger, provider) -> None:
    team = ledger.create_budget(f"team-{uuid.uuid4().hex[:6]}", "20.00")
    client = guard(sdk(provider), budget="$0.50", parent=team.id, name="nightly-report", ledger=ledger)
    assert client.budget_id is None and ledger.children(team.id).items == []
    client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=10)
    client.with_options(timeout=30).chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=10)
    [workflow] = ledger.children(team.id).items
    assert workflow.id == client.budget_id and workflow.name == "nightly-report"
    assert workflow.limit == Decimal("0.50") and workflow.spent == client.spent and client.calls == 2


def test_an_unreachable_ledger_fails_closed_unless_told_to_fail_open(provider, budget, caplog) -> None:
    unreachable = BudgetLedger("http://127.0.0.1:9", "bl_live_x", retry=RetryPolicy(attempts=1))
    closed = guard(sdk(provider), budget=budget.id, ledger=unreachable)
    with pytest.raises(LedgerUnavailable):
        closed.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=10)
    assert provider.seen() == []

    opened = guard(sdk(provider), budget=budget.id, ledger=unreachable, fail_open=True)
    with caplog.at_level(logging.WARNING, logger="budget_ledger.guard"):
        opened.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=10)
    assert len(provider.seen()) == 1 and "unguarded" in caplog.text


def test_guarding_a_guarded_client_replaces_its_guard(ledger, provider, budget) -> None:
    other = ledger.create_budget("other", "1.00")
    client = guard(guard(sdk(provider), budget=budget.id, ledger=ledger), budget=other.id, ledger=ledger)
    client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=10)
    assert held(ledger, budget.id) == [] and len(held(ledger, other.id)) == 1


def test_embeddings_are_held_and_settled(ledger, provider, budget) -> None:
    ledger_price = ledger._send(ledger._get_budget(budget.id).__class__(
        "PUT", "/v1/prices/text-embedding-3-small", lambda data: data,
        {"inputPerMillion": "0.02", "outputPerMillion": "0", "currency": "USD"}))
    assert ledger_price["model"] == "text-embedding-3-small"
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    client.embeddings.create(model="text-embedding-3-small", input=["one two three", "four five"])
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and hold.raw["settledInputTokens"] == 5 and hold.raw["settledOutputTokens"] == 0


def test_a_long_stream_keeps_its_hold_alive(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger, ttl_seconds=2)
    started = time.monotonic()
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, stream=True,
                                                 messages=[{"role": "user", "content": "[words:8] [slow:4.5]"}]))
    assert time.monotonic() - started > 4 and len(chunks) == 9
    [hold] = held(ledger, budget.id)
    assert hold.status == "SETTLED" and not hold.late, "extended at each half-life, the hold never expired"


def test_sixteen_concurrent_calls_on_a_budget_that_fits_five_let_exactly_five_reach_the_provider(
        ledger, provider) -> None:
    messages = [{"role": "user", "content": "Race [words:3]"}]
    probe = ledger.create_budget("probe", "1")
    one = ledger.decide(probe.id, model="gpt-4o", input_tokens=count_chat("gpt-4o", messages), max_output_tokens=200)
    room = ledger.create_budget(f"race-{uuid.uuid4().hex[:6]}", (one.amount * 5 + one.amount / 2).quantize(Decimal("1E-12")))
    client = guard(sdk(provider), budget=room.id, ledger=ledger)
    provider.gated = True  # every call that gets through waits at the provider until all 16 are decided
    denied = []
    start = threading.Barrier(16)

    def call() -> None:
        start.wait()
        try:
            client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=200)
        except BudgetExceeded as error:
            denied.append(error)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(provider.seen()) + len(denied) < 16 and time.monotonic() < deadline:
        time.sleep(0.05)
    provider.gate.set()
    for thread in threads:
        thread.join(60)

    assert len(provider.seen()) == 5 and len(denied) == 11 and client.calls == 5
    after = ledger.get_budget(room.id)
    assert after.reserved == 0 and after.spent == client.spent
    assert after.spent == 5 * (Decimal(7) * Decimal("2.50") + 3 * Decimal("10.00")) / 1_000_000
    assert ledger.reconciliation()["ok"] is True
