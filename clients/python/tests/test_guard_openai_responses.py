"""guard() around the OpenAI Responses API (responses.create, stream=True, the .stream() helper), sync and async."""

from __future__ import annotations

import openai
import pytest

from budget_ledger import guard
from budget_ledger.tokens import count_chat, count_text


def sdk(provider) -> openai.OpenAI:
    return openai.OpenAI(base_url=provider.url + "/v1", api_key="sk-fake", max_retries=0)


def test_a_response_is_held_and_settled_with_its_usage(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    answer = client.responses.create(model="gpt-4.1", instructions="Be terse.", input="Hello [words:4] [cached:2]",
                                     max_output_tokens=50)
    assert answer.output_text == "word word word word"
    [hold] = ledger.reservations(budget.id).items
    assert hold.input_tokens == count_chat("gpt-4.1", [{"role": "system", "content": "Be terse."},
                                                       {"role": "user", "content": "Hello [words:4] [cached:2]"}])
    assert provider.seen()[0]["body"]["max_output_tokens"] == 50
    raw = hold.raw
    # input: 3 + 2 words + 5, 2 of them cached
    assert (raw["settledInputTokens"], raw["settledCacheReadTokens"], raw["settledOutputTokens"]) == (8, 2, 4)


def test_a_streamed_response_is_settled_from_response_completed(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    events = list(client.responses.create(model="gpt-4.1", input="[words:5]", max_output_tokens=50, stream=True))
    assert events[-1].type == "response.completed"
    with client.responses.stream(model="gpt-4.1", input="[words:3]", max_output_tokens=50) as stream:
        final = stream.get_final_response()
    assert final.output_text == "word word word"
    helper, created = ledger.reservations(budget.id).items
    assert created.status == helper.status == "SETTLED"
    assert (created.raw["settledOutputTokens"], helper.raw["settledOutputTokens"]) == (5, 3)


def test_a_cut_response_stream_is_charged_what_was_counted(ledger, provider, budget) -> None:
    client = guard(sdk(provider), budget=budget.id, ledger=ledger)
    list(client.responses.create(model="gpt-4.1", input="[words:9] [cut:4]", max_output_tokens=50, stream=True))
    [hold] = ledger.reservations(budget.id).items
    assert hold.status == "SETTLED" and hold.raw["settledOutputTokens"] == count_text("gpt-4.1", "word " * 4)


def test_a_denied_response_stops_with_a_marked_response(ledger, provider) -> None:
    tiny = ledger.create_budget("tiny", "0.00001")
    client = guard(sdk(provider), budget=tiny.id, ledger=ledger, on_limit="stop")
    answer = client.responses.create(model="gpt-4.1", input="Hello", max_output_tokens=500)
    assert isinstance(answer, openai.types.responses.Response) and answer.budget_ledger["stopped"] is True
    assert "budget is exhausted" in answer.output_text
    events = list(client.responses.create(model="gpt-4.1", input="Hello", max_output_tokens=500, stream=True))
    assert events[-1].type == "response.completed" and events[-1].response.id.startswith("budget-ledger-stop-")
    assert provider.seen() == []


async def test_async_responses_are_held_and_settled(service_url, admin_key, ledger, provider, budget) -> None:
    from budget_ledger import AsyncBudgetLedger
    async with AsyncBudgetLedger(service_url, admin_key) as aledger:
        client = guard(openai.AsyncOpenAI(base_url=provider.url + "/v1", api_key="sk", max_retries=0),
                       budget=budget.id, ledger=aledger)
        await client.responses.create(model="gpt-4.1", input="[words:2]", max_output_tokens=20)
        stream = await client.responses.create(model="gpt-4.1", input="[words:6]", max_output_tokens=20, stream=True)
        assert [e.type async for e in stream][-1] == "response.completed"
        with pytest.raises(openai.InternalServerError):
            await client.responses.create(model="gpt-4.1", input="[fail:500]", max_output_tokens=20)
    failed, streamed, plain = ledger.reservations(budget.id).items
    assert (plain.raw["settledOutputTokens"], streamed.raw["settledOutputTokens"]) == (2, 6)
    assert failed.status == "RELEASED"
