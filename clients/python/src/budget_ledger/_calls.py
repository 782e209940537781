"""What guard() needs to know about each kind of provider call: its model, input and output limit, how to apply a
decision to it, where its usage is, how to meter a stream, and what a "stop" answer looks like. Bodies are the
dicts the SDKs send; answers and stream events are the SDKs' own objects (read with getattr) or dicts."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, List, Optional

from . import tokens

_OMITTED = {"Omit", "NotGiven"}


def given(value: Any) -> bool:
    """False for None and the SDKs' "not given" markers (``omit``, ``NOT_GIVEN``)."""
    return value is not None and type(value).__name__ not in _OMITTED


def field(value: Any, name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


class Usage(Dict[str, int]):
    """Settle arguments (``input_tokens``, ``output_tokens``, ``cache_read_tokens`` ...)."""


class Call:
    """One provider call as the guard sees it, before the decision is applied."""

    kind = ""
    default_stop = "This call was not made: its budget is exhausted (budget-ledger)."

    def __init__(self, body: Dict[str, Any], stream: bool) -> None:
        self.body = body
        self.stream = stream
        self.model: str = str(body.get("model"))
        self.input_tokens = self.count_input()
        self.max_output: Optional[int] = self.output_limit()

    @staticmethod
    def of(path: str, body: Any, stream: bool) -> Optional["Call"]:
        if not isinstance(body, dict) or not given(body.get("model")):
            return None
        bare = path.split("?", 1)[0].rstrip("/")
        if bare.endswith("/chat/completions") or bare == "chat/completions":
            return OpenAIChat(body, stream)
        if bare.endswith("/embeddings") or bare == "embeddings":
            return OpenAIEmbeddings(body, stream)
        if bare.endswith("/responses") or bare == "responses":
            return OpenAIResponses(body, stream)
        if bare.endswith("/v1/messages") or bare in ("v1/messages", "/messages"):
            return AnthropicMessages(body, stream)
        return None

    def count_input(self) -> int:
        raise NotImplementedError

    def output_limit(self) -> Optional[int]:
        raise NotImplementedError

    def applied(self, model: Optional[str], max_output: Optional[int]) -> Dict[str, Any]:
        raise NotImplementedError

    def usage(self, answer: Any) -> Optional[Usage]:
        raise NotImplementedError

    def meter(self) -> "Meter":
        raise NotImplementedError

    def stop_answer(self, denied: Any, message: str) -> Dict[str, Any]:
        raise NotImplementedError

    def stop_events(self, denied: Any, message: str) -> bytes:
        raise NotImplementedError

    def marker(self, denied: Any) -> Dict[str, Any]:
        """Marks a synthetic answer: nothing was sent to the provider, because of this DENY."""
        return {"stopped": True, "reason": denied.reason, "remaining": _text(denied.remaining),
                "budgetId": denied.budget_id, "limitingBudgetId": denied.limiting_budget_id}


def _text(value: Any) -> Optional[str]:
    return None if value is None else format(value, "f")


def _stop_id() -> str:
    return f"budget-ledger-stop-{uuid.uuid4().hex}"


class Meter:
    """Watches a stream: its usage when the provider reports it, and the output text it sent, to count on a cut."""

    def __init__(self, call: Call) -> None:
        self.call = call
        self.final: Optional[Usage] = None
        self.text: List[str] = []

    def see(self, event: Any) -> bool:
        """Reads one event; True when the caller must not see it (a usage chunk the guard asked for)."""
        raise NotImplementedError

    def output_tokens(self) -> int:
        return tokens.count_text(self.call.model, "".join(self.text))


class OpenAIChat(Call):
    kind = "openai.chat"

    def __init__(self, body: Dict[str, Any], stream: bool) -> None:
        super().__init__(body, stream)
        options = body.get("stream_options")
        self.caller_wants_usage = given(options) and bool(field(options, "include_usage"))

    def count_input(self) -> int:
        messages = self.body.get("messages") if given(self.body.get("messages")) else []
        tools = self.body.get("tools") if given(self.body.get("tools")) else None
        functions = self.body.get("functions") if given(self.body.get("functions")) else None
        return tokens.count_chat(self.model, list(messages or []), tools=tools or functions)

    def output_limit(self) -> Optional[int]:
        for name in ("max_completion_tokens", "max_tokens"):
            if given(self.body.get(name)):
                return int(self.body[name])
        return None

    def applied(self, model: Optional[str], max_output: Optional[int]) -> Dict[str, Any]:
        body = dict(self.body)
        if model:
            body["model"] = model
        if max_output is not None:
            # Whichever limit the caller used; max_completion_tokens (which every current model takes) otherwise.
            name = "max_tokens" if given(body.get("max_tokens")) and not given(
                body.get("max_completion_tokens")) else "max_completion_tokens"
            body[name] = max_output
        if self.stream:
            options = dict(body.get("stream_options") or {}) if given(body.get("stream_options")) else {}
            options["include_usage"] = True
            body["stream_options"] = options
        return body

    def usage(self, answer: Any) -> Optional[Usage]:
        return _openai_usage(field(answer, "usage"))

    def meter(self) -> Meter:
        return _OpenAIChatMeter(self)

    def stop_answer(self, denied: Any, message: str) -> Dict[str, Any]:
        return {"id": _stop_id(), "object": "chat.completion", "created": int(time.time()), "model": self.model,
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": message, "refusal": None}}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "budget_ledger": self.marker(denied)}

    def stop_events(self, denied: Any, message: str) -> bytes:
        base = {"id": _stop_id(), "object": "chat.completion.chunk", "created": int(time.time()),
                "model": self.model, "budget_ledger": self.marker(denied)}
        chunks = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": message},
                                  "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        ]
        if self.caller_wants_usage:
            chunks.append({**base, "choices": [],
                           "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})
        return b"".join(f"data: {json.dumps(chunk)}\n\n".encode() for chunk in chunks) + b"data: [DONE]\n\n"


def _openai_usage(usage: Any) -> Optional[Usage]:
    """docs/charging.md: cached prompt tokens are cache reads, reasoning tokens are apart from output."""
    if usage is None:
        return None
    prompt = field(usage, "prompt_tokens") or 0
    completion = field(usage, "completion_tokens") or 0
    cached = field(field(usage, "prompt_tokens_details"), "cached_tokens") or 0
    reasoning = field(field(usage, "completion_tokens_details"), "reasoning_tokens") or 0
    return Usage(input_tokens=prompt - cached, output_tokens=completion - reasoning, cache_read_tokens=cached,
                 reasoning_tokens=reasoning)


class _OpenAIChatMeter(Meter):
    call: OpenAIChat

    def see(self, event: Any) -> bool:
        usage = field(event, "usage")
        choices = field(event, "choices") or []
        for choice in choices:
            delta = field(choice, "delta")
            for name in ("content", "refusal"):
                text = field(delta, name)
                if isinstance(text, str):
                    self.text.append(text)
            for tool_call in field(delta, "tool_calls") or []:
                arguments = field(field(tool_call, "function"), "arguments")
                if isinstance(arguments, str):
                    self.text.append(arguments)
        if usage is not None:
            self.final = _openai_usage(usage)
            return not choices and not self.call.caller_wants_usage
        return False


class OpenAIEmbeddings(Call):
    kind = "openai.embeddings"

    def count_input(self) -> int:
        value = self.body.get("input")
        items = value if isinstance(value, list) else [value]
        total = 0
        for item in items:
            if isinstance(item, str):
                total += tokens.count_text(self.model, item)
            elif isinstance(item, list):
                total += len(item)  # already token ids
        return max(total, 1)

    def output_limit(self) -> Optional[int]:
        return 0

    def applied(self, model: Optional[str], max_output: Optional[int]) -> Dict[str, Any]:
        return {**self.body, "model": model} if model else dict(self.body)

    def usage(self, answer: Any) -> Optional[Usage]:
        usage = field(answer, "usage")
        if usage is None:
            return None
        return Usage(input_tokens=field(usage, "prompt_tokens") or 0, output_tokens=0)

    def meter(self) -> Meter:
        raise TypeError("embeddings do not stream")

    def stop_answer(self, denied: Any, message: str) -> Dict[str, Any]:
        return {"object": "list", "data": [], "model": self.model,
                "usage": {"prompt_tokens": 0, "total_tokens": 0}, "budget_ledger": self.marker(denied)}


class OpenAIResponses(Call):
    """The Responses API (``responses.create``, ``.stream()``, ``.parse()``)."""

    kind = "openai.responses"

    def count_input(self) -> int:
        value = self.body.get("input")
        items: List[Any] = []
        if given(self.body.get("instructions")):
            items.append({"role": "system", "content": self.body["instructions"]})
        if isinstance(value, str):
            items.append({"role": "user", "content": value})
        elif value is not None and given(value):
            items.extend(value)
        tools = self.body.get("tools") if given(self.body.get("tools")) else None
        return tokens.count_chat(self.model, items, tools=tools)

    def output_limit(self) -> Optional[int]:
        value = self.body.get("max_output_tokens")
        return int(value) if value is not None and given(value) else None

    def applied(self, model: Optional[str], max_output: Optional[int]) -> Dict[str, Any]:
        body = dict(self.body)
        if model:
            body["model"] = model
        if max_output is not None:
            body["max_output_tokens"] = max_output
        return body

    def usage(self, answer: Any) -> Optional[Usage]:
        return _responses_usage(field(answer, "usage"))

    def meter(self) -> Meter:
        return _ResponsesMeter(self)

    def stop_answer(self, denied: Any, message: str) -> Dict[str, Any]:
        stop_id = _stop_id()
        part = {"type": "output_text", "text": message, "annotations": []}
        return {"id": stop_id, "object": "response", "created_at": int(time.time()), "status": "completed",
                "model": self.model, "output": [{"type": "message", "id": f"msg_{stop_id}", "status": "completed",
                                                 "role": "assistant", "content": [part]}],
                "error": None, "incomplete_details": None, "instructions": None, "metadata": {},
                "parallel_tool_calls": True, "temperature": None, "tool_choice": "auto", "tools": [], "top_p": None,
                "usage": {"input_tokens": 0, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 0,
                          "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 0},
                "budget_ledger": self.marker(denied)}

    def stop_events(self, denied: Any, message: str) -> bytes:
        response = self.stop_answer(denied, message)
        item = response["output"][0]
        at = {"item_id": item["id"], "output_index": 0, "content_index": 0}
        events: List[Dict[str, Any]] = [
            {"type": "response.created", "response": {**response, "status": "in_progress", "output": []}},
            {"type": "response.output_item.added", "output_index": 0,
             "item": {**item, "status": "in_progress", "content": []}},
            {"type": "response.content_part.added", **at, "part": {**item["content"][0], "text": ""}},
            {"type": "response.output_text.delta", **at, "delta": message, "logprobs": []},
            {"type": "response.output_text.done", **at, "text": message, "logprobs": []},
            {"type": "response.content_part.done", **at, "part": item["content"][0]},
            {"type": "response.output_item.done", "output_index": 0, "item": item},
            {"type": "response.completed", "response": response},
        ]
        return b"".join(f"event: {event['type']}\ndata: {json.dumps({**event, 'sequence_number': n})}\n\n".encode()
                        for n, event in enumerate(events))


def _responses_usage(usage: Any) -> Optional[Usage]:
    """docs/charging.md: Responses usage, cached input as cache reads, reasoning apart from output."""
    if usage is None:
        return None
    cached = field(field(usage, "input_tokens_details"), "cached_tokens") or 0
    reasoning = field(field(usage, "output_tokens_details"), "reasoning_tokens") or 0
    return Usage(input_tokens=(field(usage, "input_tokens") or 0) - cached,
                 output_tokens=(field(usage, "output_tokens") or 0) - reasoning, cache_read_tokens=cached,
                 reasoning_tokens=reasoning)


class _ResponsesMeter(Meter):
    def see(self, event: Any) -> bool:
        kind = field(event, "type") or ""
        if kind in ("response.output_text.delta", "response.function_call_arguments.delta",
                    "response.refusal.delta", "response.reasoning_summary_text.delta"):
            delta = field(event, "delta")
            if isinstance(delta, str):
                self.text.append(delta)
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            usage = _responses_usage(field(field(event, "response"), "usage"))
            if usage is not None:
                self.final = usage
        return False


class AnthropicMessages(Call):
    kind = "anthropic.messages"

    def count_input(self) -> int:
        messages = self.body.get("messages") if given(self.body.get("messages")) else []
        system = self.body.get("system") if given(self.body.get("system")) else None
        tools = self.body.get("tools") if given(self.body.get("tools")) else None
        return tokens.estimate_messages(list(messages or []), system=system, tools=tools)

    def output_limit(self) -> Optional[int]:
        value = self.body.get("max_tokens")
        return int(value) if value is not None and given(value) else None

    def applied(self, model: Optional[str], max_output: Optional[int]) -> Dict[str, Any]:
        body = dict(self.body)
        if model:
            body["model"] = model
        if max_output is not None:
            body["max_tokens"] = max_output
        return body

    def usage(self, answer: Any) -> Optional[Usage]:
        return _anthropic_usage(field(answer, "usage"), None)

    def meter(self) -> Meter:
        return _AnthropicMeter(self)

    def stop_answer(self, denied: Any, message: str) -> Dict[str, Any]:
        return {"id": _stop_id(), "type": "message", "role": "assistant", "model": self.model,
                "content": [{"type": "text", "text": message}], "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": 0, "output_tokens": 0}, "budget_ledger": self.marker(denied)}

    def stop_events(self, denied: Any, message: str) -> bytes:
        start = self.stop_answer(denied, message)
        start["content"] = []
        start["stop_reason"] = None
        events = [
            ("message_start", {"type": "message_start", "message": start}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": message}}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                               "usage": {"output_tokens": 0}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)


def _anthropic_usage(usage: Any, start: Any) -> Optional[Usage]:
    """``usage`` of a message or of a stream's last message_delta; ``start`` that of its message_start, whose input
    counts a message_delta may leave out."""
    if usage is None:
        return None

    def pick(name: str) -> int:
        value = field(usage, name)
        return value if value is not None else (field(start, name) or 0)

    return Usage(input_tokens=pick("input_tokens"), output_tokens=field(usage, "output_tokens") or 0,
                 cache_read_tokens=pick("cache_read_input_tokens"),
                 cache_write_tokens=pick("cache_creation_input_tokens"))


class _AnthropicMeter(Meter):
    def __init__(self, call: Call) -> None:
        super().__init__(call)
        self.start_usage: Any = None

    def see(self, event: Any) -> bool:
        kind = field(event, "type")
        if kind == "message_start":
            self.start_usage = field(field(event, "message"), "usage")
        elif kind == "content_block_delta":
            delta = field(event, "delta")
            for name in ("text", "partial_json", "thinking"):
                text = field(delta, name)
                if isinstance(text, str):
                    self.text.append(text)
        elif kind == "message_delta":
            self.final = _anthropic_usage(field(event, "usage"), self.start_usage)
        return False
