"""Input token counts for holds, by the rules in docs/charging.md.

OpenAI models are counted with their real tokenizer (tiktoken's ``o200k_base`` or ``cl100k_base``) when the
``tiktoken`` extra is installed. tiktoken downloads its encodings at run time, which fails on a machine without
internet, so this package ships them (``_data/``, see NOTICE there) and builds the encodings from those files: no
download ever. Chat messages add the chat format's 3 tokens each, and 3 for the reply.

Everything else (Anthropic's models, which have no public offline tokenizer, or OpenAI's without tiktoken) is
estimated as ``ceil(UTF-8 bytes / 3) + 8`` per message, which is above the true count for English and code. Images,
audio and documents count 1,600 tokens each. The count only sizes the hold: the settle charges what the provider
reports.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import threading
from importlib import resources
from typing import Any, Dict, Iterable, List, Optional

__all__ = ["encoding_name", "count_text", "count_chat", "estimate_text", "estimate_messages", "is_reasoning_model",
           "MEDIA_TOKENS"]

MEDIA_TOKENS = 1600
"""What an image, audio clip or document counts in a hold (a high-detail 1024x1024 image is about 765 tokens on
OpenAI and 1,600 on Anthropic's models)."""

_MEDIA_TYPES = {"image", "image_url", "input_image", "input_audio", "document", "file", "input_file"}

# The split patterns and special tokens of tiktoken_ext/openai_public.py.
_O200K_PATTERN = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
_CL100K_PATTERN = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
                   r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
_ENCODINGS = {
    "o200k_base": (_O200K_PATTERN, {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}),
    "cl100k_base": (_CL100K_PATTERN, {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                                      "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276}),
}
_loaded: Dict[str, Any] = {}
_lock = threading.Lock()


def _bare(model: str) -> str:
    return model.lower().rsplit("/", 1)[-1]


def encoding_name(model: str) -> Optional[str]:
    """The tiktoken encoding of an OpenAI model (dated and prefixed ids too), or None for other models."""
    name = _bare(model)
    if name.startswith(("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "gpt-oss")):
        return "o200k_base"
    if name.startswith(("gpt-4", "gpt-3.5", "text-embedding-3", "text-embedding-ada-002")):
        return "cl100k_base"
    return None


def is_reasoning_model(model: str) -> bool:
    """OpenAI's models whose hidden reasoning tokens are billed but never streamed (o-series and gpt-5)."""
    name = _bare(model)
    return name.startswith(("o1", "o3", "o4", "gpt-5"))


def _encoding(name: str) -> Any:
    """The tiktoken Encoding built from the shipped ranks, or None without tiktoken."""
    with _lock:
        if name in _loaded:
            return _loaded[name]
        try:
            import tiktoken
        except ImportError:
            _loaded[name] = None
            return None
        compact = gzip.decompress(resources.files(__package__).joinpath(f"_data/{name}.ranks.gz").read_bytes())
        ranks: Dict[bytes, int] = {}
        for line in compact.decode().split("\n"):
            if line:
                _, first, *tokens = line.split(" ")
                start = int(first)
                for offset, token in enumerate(tokens):
                    ranks[base64.b64decode(token)] = start + offset
        pattern, special = _ENCODINGS[name]
        encoding = tiktoken.Encoding(name=name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special)
        _loaded[name] = encoding
        return encoding


def tokenizer(model: str) -> Any:
    """The tiktoken Encoding for ``model``, or None (no tiktoken, or not an OpenAI model)."""
    name = encoding_name(model)
    return _encoding(name) if name else None


def estimate_text(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / 3)


def count_text(model: str, text: str) -> int:
    encoding = tokenizer(model)
    if encoding is None:
        return estimate_text(text)
    return len(encoding.encode(text, disallowed_special=()))


def _texts(value: Any, media: List[int]) -> Iterable[str]:
    """The strings in a message or tool definition; media parts are counted apart, not by their bytes."""
    if value is None:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        if value.get("type") in _MEDIA_TYPES:
            media.append(MEDIA_TOKENS)
            return
        for key, item in value.items():
            if key != "type":
                yield from _texts(item, media)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item, media)
    elif hasattr(value, "model_dump"):
        yield from _texts(value.model_dump(exclude_none=True), media)
    elif isinstance(value, (int, float, bool)):
        yield json.dumps(value)


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    return value


def count_chat(model: str, messages: Iterable[Any], tools: Any = None) -> int:
    """The input of an OpenAI chat completion: each message's strings with the model's tokenizer, 3 tokens per
    message and 3 for the reply; tool definitions as their JSON text. Without the tokenizer, the estimate."""
    encoding = tokenizer(model)
    if encoding is None:
        return estimate_messages(messages, tools=tools)
    media: List[int] = []
    total = 3
    for message in messages:
        total += 3
        for text in _texts(_plain(message), media):
            total += len(encoding.encode(text, disallowed_special=()))
    if tools:
        total += len(encoding.encode(json.dumps(_plain_all(tools)), disallowed_special=()))
    return total + sum(media)


def _plain_all(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain_all(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain_all(item) for key, item in value.items()}
    return _plain(value)


def estimate_messages(messages: Iterable[Any], *, system: Any = None, tools: Any = None) -> int:
    """``ceil(UTF-8 bytes of the messages' text, the system prompt and the tools / 3) + 8`` per message, plus
    :data:`MEDIA_TOKENS` per image, audio clip or document."""
    media: List[int] = []
    size = 0
    count = 0
    for message in messages:
        count += 1
        size += sum(len(text.encode("utf-8")) for text in _texts(_plain(message), media))
    size += sum(len(text.encode("utf-8")) for text in _texts(_plain_all(system), media))
    if tools:
        size += len(json.dumps(_plain_all(tools)).encode("utf-8"))
    return math.ceil(size / 3) + 8 * count + sum(media)
