"""Wires the live multi-turn environment to real models through the Router SDK (pinned model per call)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from policies.dial.env import ModelSpec
from policies.dial.live import LiveEnv

EXPECTED_TOKENS = (400, 200)  # prompt, completion tokens of a typical turn: prices one turn of each model


def make_live(config: str | None, lam: float, turns: int = 3, max_tokens: int = 96) -> LiveEnv:
    """Candidates: every available chat model of the config; user simulator and judge: the first local model
    (or the first available one). Calls are logged to a scratch database, not the gateway's log."""
    from router import Router

    log = Path(tempfile.mkdtemp(prefix="duet-dial-live-")) / "live.db"
    router = Router(config, log_path=log)
    cards = [m for m in router.config.available() if "chat" in m.capabilities]
    if not cards:
        raise RuntimeError("no available chat model in the config")
    specs = [ModelSpec(m.name, m.tier, m.card().cost(*EXPECTED_TOKENS)) for m in cards]
    helper = next((m.name for m in cards if m.tier == "local"), cards[0].name)

    def chat(model: str, messages: list[dict[str, Any]], max_tokens: int) -> tuple[str, float]:
        response = router.complete(messages, model=model, max_tokens=max_tokens, temperature=0.0)
        meta = (response.model_extra or {}).get("duet") or {}
        return response.choices[0].message.content or "", float(meta.get("cost_usd") or 0.0)

    cost_unit = max((s.turn_cost for s in specs), default=0.0) or 1.0
    return LiveEnv(specs, chat, helper, helper, lam=lam, turns=turns, max_tokens=max_tokens, cost_unit=cost_unit)
