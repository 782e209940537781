"""guard() around the async clients of both SDKs (AsyncOpenAI, AsyncAnthropic), streaming included."""

from __future__ import annotations

import asyncio
import os
import uuid
from decimal import Decimal

import anthropic
import openai
import pytest

from budget_ledger import AsyncBudgetLedger, BudgetExceeded, guard
from budget_ledger.tokens import count_chat, count_text
from conftest import client_key  # noqa: E402

MESSAGES = [{"role": "user", "content": "Say hello [words:5]"}]


@pytest.fixture
async def aledger(service_url, admin_key):
    async with AsyncBudgetLedger(service_url, admin_key) as client:
        yield client


def openai_sdk(provider) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=provider.url + "/v1", api_key="sk-fake", max_retries=0)


def anthropic_sdk(provider) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=provider.url, api_key="sk-ant-fake", max_retries=0)


async def test_async_openai_call_and_stream_are_settled(aledger, ledger, provider, budget) -> None:
    client = guard(openai_sdk(provider), budget=budget.id, ledger=aledger)
    answer = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=100)
    assert answer.usage.completion_tokens == 5
    stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=100, stream=True)
    chunks = [chunk async for chunk in stream]
    assert all(chunk.choices for chunk in chunks)
    holds = ledger.reservations(budget.id).items
    assert [h.status for h in holds] == ["SETTLED", "SETTLED"]
    assert all(h.raw["settledOutputTokens"] == 5 for h in holds) and client.calls == 2
    assert client.spent == sum(h.charged for h in holds)
    assert holds[0].input_tokens == count_chat("gpt-4o", MESSAGES)


async def test_async_openai_cut_stream_and_provider_error(aledger, ledger, provider, budget) -> None:
    client = guard(openai_sdk(provider), budget=budget.id, ledger=aledger)
    stream = await client.chat.completions.create(model="gpt-4o", max_tokens=100, stream=True,
                                                  messages=[{"role": "user", "content": "[words:9] [cut:3]"}])
    assert len([c async for c in stream]) == 3
    with pytest.raises(openai.InternalServerError):
        await client.chat.completions.create(model="gpt-4o", max_tokens=10,
                                             messages=[{"role": "user", "content": "[fail:503]"}])
    failed, cut = ledger.reservations(budget.id).items
    assert cut.status == "SETTLED" and cut.raw["settledOutputTokens"] == count_text("gpt-4o", "word " * 3)
    assert failed.status == "RELEASED"


async def test_async_deny_raise_and_stop(aledger, ledger, provider) -> None:
    tiny = ledger.create_budget("tiny", "0.00001")
    with pytest.raises(BudgetExceeded):
        await guard(openai_sdk(provider), budget=tiny.id, ledger=aledger).chat.completions.create(
            model="gpt-4o", messages=MESSAGES, max_tokens=500)
    stopped = guard(anthropic_sdk(provider), budget=tiny.id, ledger=aledger, on_limit="stop")
    answer = await stopped.messages.create(model="claude-haiku-4-5", max_tokens=500, messages=MESSAGES)
    assert isinstance(answer, anthropic.types.Message) and answer.budget_ledger["stopped"] is True
    events = [e async for e in await stopped.messages.create(model="claude-haiku-4-5", max_tokens=500,
                                                             messages=MESSAGES, stream=True)]
    assert events[0].type == "message_start" and events[0].message.id.startswith("budget-ledger-stop-")
    assert provider.seen() == []


async def test_async_anthropic_stream_helper_and_per_workflow_budget(aledger, ledger, provider) -> None:
    team = ledger.create_budget(f"team-{uuid.uuid4().hex[:6]}", "3.00")
    client = guard(anthropic_sdk(provider), budget="$0.25", parent=team.id, ledger=aledger, fallback="claude-haiku-4-5")
    async with client.messages.stream(model="claude-opus-4-5", max_tokens=300, messages=MESSAGES) as stream:
        message = await stream.get_final_message()
    assert message.usage.output_tokens == 5
    [workflow] = ledger.children(team.id).items
    assert workflow.limit == Decimal("0.25") and workflow.id == client.budget_id
    [hold] = ledger.reservations(workflow.id).items
    assert hold.status == "SETTLED" and hold.raw["settledOutputTokens"] == 5 and client.spent == hold.charged


async def test_sixteen_concurrent_async_calls_let_exactly_the_ones_that_fit_through(aledger, ledger, provider) -> None:
    messages = [{"role": "user", "content": "Race [words:2]"}]
    probe = ledger.create_budget("probe", "1")
    one = ledger.decide(probe.id, model="claude-haiku-4-5", input_tokens=count_chat("claude-haiku-4-5", messages),
                        max_output_tokens=300)
    room = ledger.create_budget(f"race-{uuid.uuid4().hex[:6]}", (one.amount * 3 + one.amount / 3).quantize(Decimal("1E-12")))
    client = guard(anthropic_sdk(provider), budget=room.id, ledger=aledger)
    provider.gated = True

    async def call() -> bool:
        try:
            await client.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=messages)
            return True
        except BudgetExceeded:
            return False

    calls = [asyncio.ensure_future(call()) for _ in range(16)]
    for _ in range(600):
        if len(provider.seen()) + sum(1 for c in calls if c.done()) >= 16:
            break
        await asyncio.sleep(0.05)
    provider.gate.set()
    results = await asyncio.gather(*calls)
    assert results.count(True) == 3 and len(provider.seen()) == 3 and client.calls == 3
    assert ledger.get_budget(room.id).reserved == 0


async def test_a_long_async_stream_keeps_its_hold_alive(aledger, ledger, provider, budget) -> None:
    client = guard(openai_sdk(provider), budget=budget.id, ledger=aledger, ttl_seconds=2)
    stream = await client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, stream=True,
                                                  messages=[{"role": "user", "content": "[words:6] [slow:4.5]"}])
    async with stream:
        assert len([chunk async for chunk in stream]) == 7
    [hold] = ledger.reservations(budget.id).items
    assert hold.status == "SETTLED" and not hold.late and hold.raw["settledOutputTokens"] == 6


async def test_async_warn_books_an_over_limit_call_and_stream_as_direct_charges(aledger, ledger, provider) -> None:
    # Far past its room: a CLIENT key may book these only because the operator allows 0.01 past the limit.
    tiny = ledger.create_budget("tiny async", "0.0000001", maxOverrun="0.01")
    client_ledger = AsyncBudgetLedger(os.environ["BUDGET_LEDGER_URL"], client_key(ledger, tiny.id))
    client = guard(openai_sdk(provider), budget=tiny.id, ledger=client_ledger, on_limit="warn")
    answer = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=100)
    assert answer.usage.completion_tokens == 5
    stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=100, stream=True)
    assert all(chunk.choices for chunk in [c async for c in stream])
    assert ledger.reservations(tiny.id).items == [], "no holds: both calls are booked as direct charges"
    report = ledger.usage(tiny.id)
    assert report.total.charges == 2 and client.calls == 2
    assert client.spent == ledger.get_budget(tiny.id).spent == report.total.spend > 0
    assert client.remaining == Decimal("0.0000001") - client.spent
    await client_ledger.aclose()
