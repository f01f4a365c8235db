"""Conversation history: one block per turn, titled by role and position."""

from __future__ import annotations

from typing import Any

from agents.blocks import Block, TokenCounter, approx_tokens, make_blocks


def message_text(message: dict[str, Any]) -> str:
    """Plain text of an OpenAI message whose content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def partition_conversation(messages: list[dict[str, Any]], count: TokenCounter = approx_tokens,
                           prefix: str = "b") -> list[Block]:
    """A block per user/assistant/tool message (system prompts are instructions, not context)."""
    parts = []
    for index, message in enumerate(messages):
        role = message.get("role", "user")
        if role == "system":
            continue
        text = message_text(message)
        # The title names the turn without quoting it: titles may be revealed to the cloud at co-planning.
        parts.append(("turn", f"{role} turn {index}", text,
                      {"turn": index, "role": role}))
    return make_blocks(parts, prefix, count)
