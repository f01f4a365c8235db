"""What part of a prompt a router should embed.

MiniLM reads 256 tokens from the start. Few-shot prompts (RouterBench ARC, Winogrande) share a long
prefix, so embedding them from the start makes every query look the same: keep the distinguishing tail.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_MAX_CHARS = 1000  # about 250 tokens: MiniLM's window, and ~8 ms to embed on 2 cores


def routing_text(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The whole text when short; else its last paragraph (the question after the shots), cut to the tail."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    last = text.rsplit("\n\n", 1)[-1].strip()
    return last if len(last) <= max_chars else last[-max_chars:]


_MARKED = re.compile(r"<(document|context)\b[^>]*>(.*?)</\1>", re.S | re.I)


def marked_documents(messages: list[dict[str, Any]]) -> list[str]:
    """Context blocks marked in the messages as <document>...</document> or <context>...</context>."""
    docs = []
    for message in messages:
        content = message.get("content")
        texts = [content] if isinstance(content, str) else [
            str(p.get("text", "")) for p in content or [] if isinstance(p, dict) and p.get("type") == "text"]
        for text in texts:
            docs += [m.group(2).strip() for m in _MARKED.finditer(text) if m.group(2).strip()]
    return docs
