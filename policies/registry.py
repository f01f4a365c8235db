"""Policy names to classes, and building a policy from a config dict.

`{"name": "fixed", "model": "x"}` passes the other keys to the constructor;
`{"name": ..., "artifact": DIR}` loads a trained policy from an artifact directory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from policies.base import Policy
from policies.cost_threshold import CostThresholdPolicy
from policies.fixed import FixedPolicy

POLICIES: dict[str, Callable[..., Policy]] = {
    FixedPolicy.name: FixedPolicy,
    CostThresholdPolicy.name: CostThresholdPolicy,
}


def register_policy(name: str, factory: Callable[..., Policy]) -> None:
    POLICIES[name] = factory


def build_policy(spec: dict[str, Any]) -> Policy:
    spec = dict(spec)
    name = spec.pop("name", None)
    if name not in POLICIES:
        raise ValueError(f"unknown policy {name!r}; known: {', '.join(sorted(POLICIES))}")
    return POLICIES[name](**spec)
