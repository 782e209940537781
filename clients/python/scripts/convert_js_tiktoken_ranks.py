#!/usr/bin/env python3
"""Makes src/budget_ledger/_data/<encoding>.ranks.gz from the npm package js-tiktoken (MIT).

tiktoken downloads its encodings at run time, which fails on machines without internet, so the package ships them.
js-tiktoken carries the same BPE ranks as OpenAI's files in a compact form ("<ignored> <first rank> <base64 token>
..." per line, ranks counting up from the first); we keep that form, gzip it, and check on the way that it is the
very file OpenAI publishes: rebuilt as "<base64 token> <rank>" lines, its SHA-256 must equal the hash tiktoken
itself checks its download against (tiktoken_ext/openai_public.py).

    npm pack js-tiktoken && tar xzf js-tiktoken-*.tgz
    python3 scripts/convert_js_tiktoken_ranks.py package/dist/ranks
"""

import gzip
import hashlib
import json
import pathlib
import sys

# tiktoken_ext/openai_public.py: expected_hash of each encoding's .tiktoken file.
EXPECTED_SHA256 = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}
TARGET = pathlib.Path(__file__).resolve().parent.parent / "src" / "budget_ledger" / "_data"


def main(ranks_dir: str) -> int:
    for name, expected in EXPECTED_SHA256.items():
        text = (pathlib.Path(ranks_dir) / f"{name}.js").read_text()
        data = json.loads(text[text.index("{"):text.rindex("}") + 1])
        compact = data["bpe_ranks"]
        canonical = "".join(f"{token} {rank}\n" for token, rank in expand(compact)).encode()
        actual = hashlib.sha256(canonical).hexdigest()
        if actual != expected:
            print(f"{name}: SHA-256 {actual} is not OpenAI's {expected}", file=sys.stderr)
            return 1
        # mtime=0: the same input gives the same bytes.
        (TARGET / f"{name}.ranks.gz").write_bytes(gzip.compress(compact.encode(), 9, mtime=0))
        print(f"{name}: {len(canonical)} bytes of ranks, SHA-256 matches, written")
    return 0


def expand(compact: str):
    """(base64 token, rank) pairs in rank order, as in OpenAI's .tiktoken file."""
    pairs = []
    for line in compact.split("\n"):
        if line:
            _, first, *tokens = line.split(" ")
            pairs.extend((token, int(first) + i) for i, token in enumerate(tokens))
    return sorted(pairs, key=lambda pair: pair[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "package/dist/ranks"))
