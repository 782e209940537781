"""The tokenizer data shipped in the package is OpenAI's, byte for byte, and counts without any download."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from importlib import resources

from budget_ledger import tokens

# tiktoken_ext/openai_public.py: the SHA-256 tiktoken checks its downloads against.
OPENAI_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}


def test_the_shipped_ranks_are_the_files_openai_publishes() -> None:
    for name, expected in OPENAI_SHA256.items():
        compact = gzip.decompress(resources.files("budget_ledger").joinpath(f"_data/{name}.ranks.gz").read_bytes())
        pairs = []
        for line in compact.decode().split("\n"):
            if line:
                _, first, *items = line.split(" ")
                pairs.extend((token, int(first) + i) for i, token in enumerate(items))
        canonical = "".join(f"{token} {rank}\n" for token, rank in sorted(pairs, key=lambda p: p[1])).encode()
        assert hashlib.sha256(canonical).hexdigest() == expected, name


def test_models_are_counted_with_their_encoding_without_a_download(tmp_path) -> None:
    # A process with no network route for tiktoken's downloads and an empty cache still counts.
    script = ("from budget_ledger import tokens; "
              "print(tokens.tokenizer('gpt-4o-2024-08-06').encode('hello world'), "
              "tokens.tokenizer('gpt-4').encode('hello world'))")
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(tmp_path), HTTPS_PROXY="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[24912, 2375] [15339, 1917]"
    assert list(tmp_path.iterdir()) == []


def test_chat_counts_add_the_chat_format_and_others_are_estimated() -> None:
    messages = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "hello world"}]
    text_tokens = sum(tokens.count_text("gpt-4o", t) for t in ("system", "Be terse.", "user", "hello world"))
    assert tokens.count_chat("gpt-4o", messages) == text_tokens + 2 * 3 + 3
    assert tokens.encoding_name("openai/o3-mini") == "o200k_base" and tokens.encoding_name("claude-opus-4-5") is None
    # ceil(bytes / 3) + 8 per message: "system" "Be terse." "user" "hello world" are 30 bytes
    assert tokens.count_chat("claude-opus-4-5", messages) == 10 + 16
    image = {"role": "user", "content": [{"type": "image", "source": {"data": "A" * 100000}}]}
    assert tokens.estimate_messages([image]) == 2 + 8 + tokens.MEDIA_TOKENS
