"""Policy names to classes, and building a policy from a config dict.

`{"name": "fixed", "model": "x"}` passes the other keys to the constructor;
`{"name": ..., "artifact": DIR}` loads a trained policy from an artifact directory (other keys, such as
`lam`, override the card's settings).
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


def known_policies() -> dict[str, Callable[..., Policy]]:
    from policies.artifact import trainable_policies

    return {**trainable_policies(), **POLICIES}


def build_policy(spec: dict[str, Any]) -> Policy:
    spec = dict(spec)
    name = spec.pop("name", None)
    artifact = spec.pop("artifact", None)
    if artifact is not None:
        from policies.artifact import load_policy, read_card

        card_name = read_card(artifact)["policy"]
        if name is not None and name != card_name:
            raise ValueError(f"artifact {artifact} holds a {card_name!r} policy, config says {name!r}")
        if card_name == "dialrouter":  # multi-turn policy: its own artifact layout (policies/dial)
            from policies.dial.policy import DialRouterPolicy

            return DialRouterPolicy.load(artifact, **spec)
        return load_policy(artifact, **spec)
    policies = known_policies()
    if name not in policies:
        raise ValueError(f"unknown policy {name!r}; known: {', '.join(sorted(policies))}")
    return policies[name](**spec)
