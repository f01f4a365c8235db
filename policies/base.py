"""The routing contract: a policy turns a request and the available models into a ranked decision.

Policies never import the rest of duet; the router hands them plain data (`RouteRequest`,
`ModelCard`) and gets back a `Decision` it can dispatch down, in rank order.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModelCard:
    """What a policy may know about a candidate model (no keys, no endpoints)."""

    name: str
    tier: str  # "local" | "cloud"
    input_price: float = 0.0  # USD per 1M input tokens
    output_price: float = 0.0  # USD per 1M output tokens
    context_window: int = 4096
    capabilities: tuple[str, ...] = ("chat",)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_price + completion_tokens * self.output_price) / 1e6


@dataclass
class RouteRequest:
    """The request as a policy sees it."""

    messages: list[dict[str, Any]]
    documents: list[str] = field(default_factory=list)
    session_id: str | None = None
    session: dict[str, Any] = field(default_factory=dict)  # per-session routing state
    prompt_tokens: int = 0  # estimate from the router
    local_only: bool = False

    @property
    def query(self) -> str:
        """Text of the last user message: what most single-turn policies route on."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return message_text(message)
        return ""


@dataclass(frozen=True)
class Scored:
    model: str
    score: float


@dataclass
class Decision:
    """Ranked candidates, best first. Dispatch tries them in order (fallback)."""

    ranked: list[Scored]
    policy: str
    knob: dict[str, float] = field(default_factory=dict)
    reason: str = ""

    @property
    def models(self) -> list[str]:
        return [s.model for s in self.ranked]

    def scores(self) -> dict[str, float]:
        return {s.model: s.score for s in self.ranked}


class Policy(ABC):
    """One small class, one scoring method, a knob. Subclasses set `name`."""

    name: str = "policy"
    # True when decide() does real CPU work (an embedding, a network): the gateway then runs it in a worker
    # thread so the event loop keeps serving other requests meanwhile.
    blocking: bool = False

    @abstractmethod
    def decide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        """Rank `models` (already filtered to available ones) for `request`."""

    async def adecide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        """The gateway's entry point: a cheap policy decides inline, a blocking one in a worker thread.
        Policies that can batch their work across concurrent requests override this."""
        if not self.blocking:
            return self.decide(request, models)
        return await asyncio.to_thread(self.decide, request, models)


def message_text(message: dict[str, Any]) -> str:
    """Plain text of an OpenAI message whose content is a string or a list of parts."""
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "text":
            parts.append(str(part.get("text", "")))
    return "\n".join(parts)
