"""Always the same model: the baseline, and what pinning a model name means."""

from __future__ import annotations

from policies.base import Decision, ModelCard, Policy, RouteRequest, Scored


class FixedPolicy(Policy):
    name = "fixed"

    def __init__(self, model: str) -> None:
        self.model = model

    def decide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        names = [m.name for m in models]
        if self.model not in names:
            return Decision(ranked=[], policy=self.name, reason=f"{self.model} is not available")
        # The pinned model only: falling back to another model would defeat pinning.
        return Decision(ranked=[Scored(self.model, 1.0)], policy=self.name, reason="pinned")
