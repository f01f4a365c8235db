"""Split a context into blocks by its type; `partition` picks the splitter, `detect_kind` guesses the type."""

from __future__ import annotations

import json
from typing import Any

from agents.blocks import Block, TokenCounter, approx_tokens
from agents.partition.code import partition_code
from agents.partition.conversation import partition_conversation
from agents.partition.documents import partition_documents
from agents.partition.json_tree import partition_json
from agents.partition.markdown import partition_markdown
from agents.partition.markup import partition_markup

KINDS = ("documents", "conversation", "markup", "json", "markdown", "code", "text")


def detect_kind(text: str) -> str:
    """Best guess for a single text context: json, markup, markdown, code or plain text."""
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            json.loads(stripped)
            return "json"
        except ValueError:
            pass
    if stripped.startswith("<") and stripped.endswith(">"):
        return "markup"
    lines = stripped.splitlines()
    if any(line.startswith("#") and line.lstrip("#").startswith(" ") for line in lines):
        return "markdown"
    code_marks = ("def ", "class ", "import ", "function ", "func ", "fn ", "#include", "public ")
    if sum(line.startswith(code_marks) for line in lines) >= 2:
        return "code"
    return "text"


def partition(context: Any, kind: str | None = None, count: TokenCounter = approx_tokens,
              **options: Any) -> list[Block]:
    """Blocks for `context`: a list of documents (str or {title, text}), a list of chat messages,
    or one text of a detected or given kind. Options go to the chosen splitter."""
    if kind is None:
        if isinstance(context, list) and context and isinstance(context[0], dict) and "role" in context[0]:
            kind = "conversation"
        elif isinstance(context, list):
            kind = "documents"
        else:
            kind = detect_kind(str(context))
    if kind == "conversation":
        return partition_conversation(context, count=count, **options)
    if kind == "documents":
        return partition_documents(context, count=count, **options)
    if kind == "markup":
        return partition_markup(context, count=count, **options)
    if kind == "json":
        return partition_json(context, count=count, **options)
    if kind == "markdown":
        return partition_markdown(context, count=count, **options)
    if kind == "code":
        return partition_code(context, count=count, **options)
    if kind == "text":
        return partition_documents([context], count=count, **options)
    raise ValueError(f"unknown context kind {kind!r}; expected one of {KINDS}")


__all__ = ["Block", "KINDS", "detect_kind", "partition", "partition_code", "partition_conversation",
           "partition_documents", "partition_json", "partition_markdown", "partition_markup"]
