"""The one object a request carries through the pipeline.

Each stage reads what earlier stages wrote and writes its own fields; no stage reaches into
another's internals. The log stage turns the finished context into one row.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from policies.base import Decision


class StreamRestorer(Protocol):
    """Undoes placeholders in a streamed answer: `feed` returns what is safe to emit now, `flush` the rest."""

    def feed(self, text: str) -> str: ...

    def flush(self) -> str: ...


@dataclass
class DuetOptions:
    """Per-request options from OpenAI's `extra_body` under the `duet` key."""

    policy: str | None = None
    session_id: str | None = None
    documents: list[str] = field(default_factory=list)
    local_only: bool = False
    exposure: str | None = None  # "minimal" turns on partial context exposure
    mode: str | None = None  # "collaborate" turns on the seek-help agent
    privacy: str | None = None  # per-request privacy mode override


@dataclass
class Attempt:
    """One try at one model during dispatch (fallback leaves several)."""

    model: str
    tier: str
    outcome: str  # "ok" or an error kind: "timeout", "upstream_error", "connection_error", ...
    detail: str = ""
    ms: float = 0.0


@dataclass
class RequestContext:
    messages: list[dict[str, Any]]
    model: str = "auto"
    params: dict[str, Any] = field(default_factory=dict)  # OpenAI params besides model/messages/stream
    stream: bool = False
    include_usage: bool = False  # stream_options.include_usage: end the stream with a usage chunk
    options: DuetOptions = field(default_factory=DuetOptions)
    request_id: str = field(default_factory=lambda: "chatcmpl-duet-" + uuid.uuid4().hex)
    created: float = field(default_factory=time.time)
    started: float = field(default_factory=time.perf_counter)

    # privacy stage: what each tier may see. A tier missing here may not be called (fail closed).
    messages_by_tier: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    documents_by_tier: dict[str, list[str]] = field(default_factory=dict)  # duet.documents, the same way
    restore_text: Callable[[str], str] | None = None  # undo placeholders in a whole answer
    restore_stream: Callable[[], StreamRestorer] | None = None  # a new incremental restorer per stream
    privacy: dict[str, Any] = field(default_factory=dict)  # report: counts, placeholders, no raw values

    # route stage
    decision: Decision | None = None
    route_ms: float = 0.0

    # expose stage (partial context exposure) and agents
    exposure: dict[str, Any] = field(default_factory=dict)

    # dispatch stage
    attempts: list[Attempt] = field(default_factory=list)
    served_by: str | None = None
    served_tier: str | None = None
    response: dict[str, Any] | None = None  # OpenAI ChatCompletion as a dict (non-streaming)
    chunks: AsyncIterator[dict[str, Any]] | None = None  # OpenAI chunks as dicts (streaming)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    ttft_ms: float | None = None
    total_ms: float | None = None
    completion_text: str = ""  # the answer as the client received it (logged only with log_content)

    outcome: str = "pending"  # "ok" or an error kind
    error: Exception | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # stage-specific data worth logging

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000.0
