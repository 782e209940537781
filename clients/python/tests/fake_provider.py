"""A local server that answers like OpenAI's chat completions, responses and embeddings and Anthropic's messages, streaming
included, and keeps every request it was sent. The official SDKs talk to it through their ``base_url``.

What it answers is steered by markers in the last user message's text:
  [fail:500]     answer that status with the provider's error body
  [hang:S]       wait S seconds before answering at all
  [cut:N]        stream N content events, then drop the connection (no usage, no end)
  [slow:S]       spread the streamed words over S seconds
  [words:N]      answer N words (default 12; never more than the call's max tokens)
  [cached:N]     report N prompt tokens as read from the cache
  [reasoning:N]  report N reasoning tokens (OpenAI) in the completion tokens
Every answer of N words reports N output tokens, and as input the number of words of the messages plus 5.
``gate`` (an Event) holds every request until set, when ``gated`` is True.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional


def _marker(text: str, name: str) -> Optional[str]:
    match = re.search(r"\[" + name + r"(?::([0-9.]+))?\]", text)
    if not match:
        return None
    return match.group(1) or ""


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


class FakeProvider:
    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        self.gated = False
        self.gate = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with provider.lock:
                    provider.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                if provider.gated and not provider.gate.wait(60):
                    self._json(503, {"error": {"message": "gate timed out"}})
                    return
                hang = _marker(json.dumps(body.get("messages") or [])[-200:], "hang")
                if hang:
                    time.sleep(float(hang))
                path = self.path.split("?")[0]
                if path.endswith("/chat/completions"):
                    provider._openai_chat(self, body)
                elif path.endswith("/responses"):
                    provider._openai_responses(self, body)
                elif path.endswith("/embeddings"):
                    provider._openai_embeddings(self, body)
                elif path.endswith("/v1/messages"):
                    provider._anthropic(self, body)
                else:
                    self._json(404, {"error": {"message": f"no route {self.path}"}})

            def _json(self, status: int, data: Dict[str, Any]) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.handler = Handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
        self.gated = False
        self.gate.clear()

    def seen(self, suffix: str = "") -> List[Dict[str, Any]]:
        with self.lock:
            return [request for request in self.requests if request["path"].split("?")[0].endswith(suffix)]

    # -- answers -----------------------------------------------------------------------------------------------------
    @staticmethod
    def _plan(messages: List[Dict[str, Any]], limit: Optional[int], system: Any = None) -> Dict[str, Any]:
        last = _text_of(messages[-1].get("content")) if messages else ""
        words = int(_marker(last, "words") or 12)
        if limit is not None:
            words = min(words, limit)
        prompt = sum(len(_text_of(m.get("content")).split()) for m in messages) + 5
        if system:
            prompt += len(_text_of(system).split())
        return {"words": words, "prompt": prompt, "last": last,
                "fail": _marker(last, "fail"), "cut": _marker(last, "cut"), "slow": _marker(last, "slow"),
                "cached": int(_marker(last, "cached") or 0), "reasoning": int(_marker(last, "reasoning") or 0)}

    @staticmethod
    def _start_stream(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, text: str) -> None:
        handler.wfile.write(text.encode())
        handler.wfile.flush()

    def _openai_chat(self, handler: Any, body: Dict[str, Any]) -> None:
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        plan = self._plan(body.get("messages") or [], limit)
        if plan["fail"]:
            handler._json(int(plan["fail"]), {"error": {"message": "the fake provider failed", "type": "server_error"}})
            return
        model = body["model"]
        words = ["word"] * plan["words"]
        completion = plan["words"] + plan["reasoning"]
        usage = {"prompt_tokens": plan["prompt"], "completion_tokens": completion,
                 "total_tokens": plan["prompt"] + completion,
                 "prompt_tokens_details": {"cached_tokens": plan["cached"]},
                 "completion_tokens_details": {"reasoning_tokens": plan["reasoning"]}}
        base = {"id": "chatcmpl-fake", "created": int(time.time()), "model": model}
        if not body.get("stream"):
            handler._json(200, {**base, "object": "chat.completion", "usage": usage, "choices": [
                {"index": 0, "finish_reason": "stop", "logprobs": None,
                 "message": {"role": "assistant", "content": " ".join(words), "refusal": None}}]})
            return
        self._start_stream(handler)
        pause = float(plan["slow"]) / max(len(words), 1) if plan["slow"] else 0
        chunk = {**base, "object": "chat.completion.chunk"}
        for index, word in enumerate(words):
            if plan["cut"] is not None and index >= int(plan["cut"]):
                return  # the connection closes without the end of the stream
            delta = {"role": "assistant", "content": word + " "} if index == 0 else {"content": word + " "}
            self._send(handler, "data: " + json.dumps({**chunk, "choices": [
                {"index": 0, "delta": delta, "finish_reason": None}]}) + "\n\n")
            if pause:
                time.sleep(pause)
        self._send(handler, "data: " + json.dumps({**chunk, "choices": [
            {"index": 0, "delta": {}, "finish_reason": "stop"}]}) + "\n\n")
        if (body.get("stream_options") or {}).get("include_usage"):
            self._send(handler, "data: " + json.dumps({**chunk, "choices": [], "usage": usage}) + "\n\n")
        self._send(handler, "data: [DONE]\n\n")

    def _openai_responses(self, handler: Any, body: Dict[str, Any]) -> None:
        given = body.get("input")
        messages = [{"role": "user", "content": given}] if isinstance(given, str) else list(given or [])
        plan = self._plan(messages, body.get("max_output_tokens"), body.get("instructions"))
        if plan["fail"]:
            handler._json(int(plan["fail"]), {"error": {"message": "the fake provider failed", "type": "server_error"}})
            return
        words = ["word"] * plan["words"]
        usage = {"input_tokens": plan["prompt"], "input_tokens_details": {"cached_tokens": plan["cached"]},
                 "output_tokens": plan["words"] + plan["reasoning"],
                 "output_tokens_details": {"reasoning_tokens": plan["reasoning"]},
                 "total_tokens": plan["prompt"] + plan["words"] + plan["reasoning"]}
        part = {"type": "output_text", "text": " ".join(words), "annotations": []}
        item = {"type": "message", "id": "msg_fake", "status": "completed", "role": "assistant", "content": [part]}
        response = {"id": "resp_fake", "object": "response", "created_at": int(time.time()), "status": "completed",
                    "model": body["model"], "output": [item], "parallel_tool_calls": True, "tool_choice": "auto",
                    "tools": [], "usage": usage}
        if not body.get("stream"):
            handler._json(200, response)
            return
        self._start_stream(handler)
        pause = float(plan["slow"]) / max(len(words), 1) if plan["slow"] else 0

        def event(data: Dict[str, Any]) -> None:
            self._send(handler, f"event: {data['type']}\ndata: {json.dumps(data)}\n\n")

        event({"type": "response.created", "sequence_number": 0,
               "response": {**response, "status": "in_progress", "output": [], "usage": None}})
        event({"type": "response.output_item.added", "sequence_number": 0, "output_index": 0,
               "item": {**item, "status": "in_progress", "content": []}})
        event({"type": "response.content_part.added", "sequence_number": 0, "item_id": "msg_fake", "output_index": 0,
               "content_index": 0, "part": {**part, "text": ""}})
        for index, word in enumerate(words):
            if plan["cut"] is not None and index >= int(plan["cut"]):
                return
            event({"type": "response.output_text.delta", "sequence_number": index + 1, "item_id": "msg_fake",
                   "output_index": 0, "content_index": 0, "delta": word + " ", "logprobs": []})
            if pause:
                time.sleep(pause)
        at = {"item_id": "msg_fake", "output_index": 0, "content_index": 0}
        event({"type": "response.output_text.done", "sequence_number": 0, **at, "text": part["text"], "logprobs": []})
        event({"type": "response.content_part.done", "sequence_number": 0, **at, "part": part})
        event({"type": "response.output_item.done", "sequence_number": 0, "output_index": 0, "item": item})
        event({"type": "response.completed", "sequence_number": len(words) + 1, "response": response})

    def _openai_embeddings(self, handler: Any, body: Dict[str, Any]) -> None:
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        prompt = sum(len(str(item).split()) for item in inputs)
        handler._json(200, {"object": "list", "model": body["model"],
                            "data": [{"object": "embedding", "index": i, "embedding": [0.0, 0.1]}
                                     for i, _ in enumerate(inputs)],
                            "usage": {"prompt_tokens": prompt, "total_tokens": prompt}})

    def _anthropic(self, handler: Any, body: Dict[str, Any]) -> None:
        plan = self._plan(body.get("messages") or [], body.get("max_tokens"), body.get("system"))
        if plan["fail"]:
            handler._json(int(plan["fail"]), {"type": "error", "error": {"type": "api_error",
                                                                         "message": "the fake provider failed"}})
            return
        model = body["model"]
        words = ["word"] * plan["words"]
        usage = {"input_tokens": plan["prompt"], "output_tokens": plan["words"],
                 "cache_read_input_tokens": plan["cached"], "cache_creation_input_tokens": 0}
        message = {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
                   "stop_reason": "end_turn", "stop_sequence": None}
        if not body.get("stream"):
            handler._json(200, {**message, "content": [{"type": "text", "text": " ".join(words)}], "usage": usage})
            return
        self._start_stream(handler)
        pause = float(plan["slow"]) / max(len(words), 1) if plan["slow"] else 0

        def event(name: str, data: Dict[str, Any]) -> None:
            self._send(handler, f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n")

        event("message_start", {"message": {**message, "content": [], "stop_reason": None,
                                             "usage": {**usage, "output_tokens": 1}}})
        event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
        for index, word in enumerate(words):
            if plan["cut"] is not None and index >= int(plan["cut"]):
                return
            event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": word + " "}})
            if pause:
                time.sleep(pause)
        event("content_block_stop", {"index": 0})
        event("message_delta", {"delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                "usage": {"output_tokens": plan["words"]}})
        event("message_stop", {})
