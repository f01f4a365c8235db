"""Markdown sections: one block per heading, titled by its heading path ("Setup > Linux")."""

from __future__ import annotations

import re

from agents.blocks import Block, TokenCounter, approx_tokens, make_blocks, split_paragraphs

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_sections(text: str) -> list[tuple[list[str], str]]:
    """(heading path, body) pairs; '#' lines inside code fences are not headings."""
    sections: list[tuple[list[str], list[str]]] = [([], [])]
    path: list[tuple[int, str]] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, heading.group(2))]
            sections.append(([title for _, title in path], [line]))
        else:
            sections[-1][1].append(line)
    return [(p, "\n".join(body)) for p, body in sections if "\n".join(body).strip()]


def partition_markdown(text: str, max_tokens: int = 400, count: TokenCounter = approx_tokens,
                       prefix: str = "b") -> list[Block]:
    """Sections by heading; a section over `max_tokens` is split on paragraphs (same title + part n)."""
    parts = []
    for path, body in markdown_sections(text):
        title = " > ".join(path) if path else "preamble"
        chunks = split_paragraphs(body, max_tokens, count) if count(body) > max_tokens else [body]
        for i, chunk in enumerate(chunks):
            suffix = f" (part {i + 1})" if len(chunks) > 1 else ""
            parts.append(("section", title + suffix, chunk, {"path": path}))
    return make_blocks(parts, prefix, count)
