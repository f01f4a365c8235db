"""Picklable factory for the simulator (worker processes rebuild the env from plain data)."""

from __future__ import annotations

from typing import Any

from policies.dial.sim import SimConfig, SimEnv, default_config


def make_sim(config: dict[str, Any] | None = None, lam: float | None = None) -> SimEnv:
    return SimEnv(SimConfig.from_json(config) if config else default_config(), lam=lam)
