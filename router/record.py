"""Log stage: a finished RequestContext becomes one `requests` row (content only when log_content is on)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

from router.context import RequestContext
from router.logstore import LogStore


def request_row(ctx: RequestContext, log_content: bool, prompt_hash: str,
                endpoint: str = "chat.completions") -> dict[str, Any]:
    decision = ctx.decision
    failed = [a for a in ctx.attempts if a.outcome not in ("ok", "not_allowed")]
    return {
        "id": ctx.request_id,
        "ts": ctx.created,
        "session_id": ctx.options.session_id,
        "endpoint": endpoint,
        "requested_model": ctx.model,
        "policy": decision.policy if decision else None,
        "model": ctx.served_by,
        "tier": ctx.served_tier,
        "candidates": decision.scores() if decision else None,
        "knob": decision.knob if decision else None,
        "reason": decision.reason if decision else None,
        "stream": int(ctx.stream),
        "prompt_tokens": ctx.prompt_tokens,
        "completion_tokens": ctx.completion_tokens,
        "cost_usd": ctx.cost_usd,
        "route_ms": round(ctx.route_ms, 3),
        "ttft_ms": round(ctx.ttft_ms, 3) if ctx.ttft_ms is not None else None,
        "total_ms": round(ctx.total_ms if ctx.total_ms is not None else ctx.elapsed_ms(), 3),
        "outcome": ctx.outcome,
        "error": str(getattr(ctx.error, "message", ctx.error))[:500] if ctx.error else None,
        "attempts": [asdict(a) for a in ctx.attempts],
        "fallback": int(bool(failed) and ctx.outcome == "ok"),
        "prompt_hash": prompt_hash,
        "privacy": ctx.privacy or None,
        "exposure": ctx.exposure or None,
        "extra": ctx.extra or None,
        "prompt": json.dumps(ctx.messages) if log_content else None,
        "completion": ctx.completion_text if log_content else None,
    }


def rejected_row(endpoint: str, kind: str, message: str) -> dict[str, Any]:
    """A request refused before it became a context (bad JSON, bad key): still one row, no content."""
    import uuid

    return {"id": "rejected-" + uuid.uuid4().hex, "ts": time.time(), "endpoint": endpoint,
            "outcome": kind, "error": message[:500], "stream": 0, "prompt_tokens": 0,
            "completion_tokens": 0, "cost_usd": 0.0}


class RecordStage:
    def __init__(self, store: LogStore, log_content: bool) -> None:
        self.store = store
        self.log_content = log_content

    def __call__(self, ctx: RequestContext) -> None:
        self.store.record(request_row(ctx, self.log_content, self.store.prompt_hash(ctx.messages)))
        if ctx.options.session_id and ctx.outcome == "ok":
            self._advance_session(ctx)

    def _advance_session(self, ctx: RequestContext) -> None:
        session_id = ctx.options.session_id
        assert session_id is not None
        current = self.store.session(session_id) or {"turn": 0, "cost_usd": 0.0, "models": [], "state": {}}
        state = dict(current.get("state") or {})
        state.update(ctx.extra.get("session_state", {}))
        self.store.save_session(session_id, int(current["turn"]) + 1,
                                float(current["cost_usd"]) + ctx.cost_usd,
                                [*current["models"], ctx.served_by], state)
