"""How agents talk to models: an async callable they are given, returning OpenAI-shaped dicts.

Agents never know which model or provider stands behind a role ("local" or "cloud"); the router
(or a benchmark) decides. These helpers read the parts of a completion the agents need.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any, Protocol


class ModelCall(Protocol):
    def __call__(self, role: str, messages: list[dict[str, Any]], **params: Any) -> Awaitable[dict[str, Any]]:
        ...


def _choice(response: dict[str, Any]) -> dict[str, Any]:
    choices = response.get("choices") or [{}]
    return choices[0] or {}


def text_of(response: dict[str, Any]) -> str:
    """The assistant text of a completion ('' when it only called tools)."""
    return str((_choice(response).get("message") or {}).get("content") or "")


def tool_calls_of(response: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, parsed arguments) for each tool call; unparsable arguments become {}."""
    calls = []
    for call in (_choice(response).get("message") or {}).get("tool_calls") or []:
        fn = call.get("function") or {}
        try:
            args = json.loads(fn.get("arguments") or "{}")
        except (TypeError, ValueError):
            args = {}
        calls.append((str(fn.get("name", "")), args if isinstance(args, dict) else {}))
    return calls


def usage_of(response: dict[str, Any]) -> tuple[int, int]:
    """(prompt_tokens, completion_tokens) as the provider counted them; zeros when absent."""
    usage = response.get("usage") or {}
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def token_logprobs(response: dict[str, Any]) -> list[float]:
    """Log-probabilities of the generated tokens (OpenAI chat `logprobs.content`); [] when absent."""
    logprobs = _choice(response).get("logprobs") or {}
    content = logprobs.get("content")
    if content:
        return [float(t.get("logprob", 0.0)) for t in content if t.get("logprob") is not None]
    legacy = logprobs.get("token_logprobs")  # completion-style shape some local servers return
    return [float(x) for x in legacy or [] if x is not None]


def top_logprobs_first(response: dict[str, Any]) -> dict[str, float]:
    """Alternatives for the first generated token: token -> logprob (chosen token included)."""
    content = (_choice(response).get("logprobs") or {}).get("content") or []
    if not content:
        return {}
    first = content[0]
    out = {str(alt.get("token")): float(alt.get("logprob")) for alt in first.get("top_logprobs") or []}
    out.setdefault(str(first.get("token")), float(first.get("logprob", 0.0)))
    return out
