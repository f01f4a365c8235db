"""Cold-start rule: short, simple requests stay on the cheapest local model; the rest go to the cheapest cloud one.

No training needed; the one knob is the prompt size (in tokens) above which a request counts as hard.
"""

from __future__ import annotations

from policies.base import Decision, ModelCard, Policy, RouteRequest, Scored


class CostThresholdPolicy(Policy):
    name = "cost-threshold"

    def __init__(self, max_prompt_tokens: int = 256, max_turns: int = 8) -> None:
        self.max_prompt_tokens = max_prompt_tokens
        self.max_turns = max_turns

    def is_simple(self, request: RouteRequest) -> bool:
        turns = sum(1 for m in request.messages if m.get("role") == "user")
        return (request.prompt_tokens <= self.max_prompt_tokens and not request.documents
                and turns <= self.max_turns)

    def decide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        def by_price(tier: str) -> list[ModelCard]:
            return sorted((m for m in models if m.tier == tier),
                          key=lambda m: (m.input_price + m.output_price, m.name))

        simple = self.is_simple(request)
        order = by_price("local") + by_price("cloud") if simple else by_price("cloud") + by_price("local")
        # A local model must also fit the prompt; if it does not, it drops to the end of the ranking.
        fits = [m for m in order if m.context_window >= request.prompt_tokens]
        order = fits + [m for m in order if m not in fits]
        # Scores: 1.0 for the preferred choice, decreasing down the fallback ranking.
        ranked = [Scored(m.name, round(1.0 - i / max(len(order), 1), 4)) for i, m in enumerate(order)]
        return Decision(ranked=ranked, policy=self.name,
                        knob={"max_prompt_tokens": float(self.max_prompt_tokens)},
                        reason=f"{'simple' if simple else 'hard'} request ({request.prompt_tokens} prompt tokens)")
