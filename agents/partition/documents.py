"""Retrieved documents: a block per document; long ones split on headings, then paragraphs."""

from __future__ import annotations

from typing import Any

from agents.blocks import Block, TokenCounter, approx_tokens, make_blocks, short_title, split_paragraphs
from agents.partition.markdown import markdown_sections


def _doc_fields(doc: str | dict[str, Any], index: int) -> tuple[str, str]:
    if isinstance(doc, dict):
        text = str(doc.get("text") or doc.get("content") or "")
        return str(doc.get("title") or short_title(text) or f"document {index + 1}"), text
    return short_title(doc) or f"document {index + 1}", doc


def partition_documents(docs: list[str] | list[dict[str, Any]], max_tokens: int = 400,
                        count: TokenCounter = approx_tokens, prefix: str = "b") -> list[Block]:
    """One block per document when it fits `max_tokens`; otherwise one per heading section, and
    sections still too long are packed by paragraph. Each block remembers its document index."""
    parts = []
    for index, doc in enumerate(docs):
        title, text = _doc_fields(doc, index)
        if count(text) <= max_tokens:
            parts.append(("document", title, text, {"doc": index}))
            continue
        sections = markdown_sections(text)
        if len(sections) <= 1:
            sections = [([], text)]
        for path, body in sections:
            section_title = title + (" > " + " > ".join(path) if path else "")
            chunks = split_paragraphs(body, max_tokens, count)
            for i, chunk in enumerate(chunks):
                suffix = f" (part {i + 1})" if len(chunks) > 1 else ""
                parts.append(("document", section_title + suffix, chunk, {"doc": index}))
    return make_blocks(parts, prefix, count)
