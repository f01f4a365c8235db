"""Route stage: the active policy ranks the available models; a pinned model name skips the policy."""

from __future__ import annotations

import time

from policies.base import Decision, Policy, RouteRequest, Scored, message_text
from policies.registry import build_policy
from router.config import DuetConfig
from router.context import RequestContext
from router.logstore import LogStore
from router.validate import AUTO


def estimate_tokens(messages: list[dict]) -> int:
    """Cheap prompt size estimate (about 4 characters a token) for routing; exact counts come from the model."""
    return sum(len(message_text(m)) for m in messages) // 4 + 4 * len(messages)


class RouteStage:
    def __init__(self, config: DuetConfig, store: LogStore | None) -> None:
        self.config = config
        self.store = store
        self.default = build_policy(config.policy)
        self.named: dict[str, Policy] = {name: build_policy(spec)
                                         for name, spec in (config.raw.get("policies") or {}).items()}

    def policy_for(self, ctx: RequestContext) -> Policy:
        if ctx.options.policy and ctx.options.policy != "default":
            return self.named[ctx.options.policy]
        return self.default

    async def __call__(self, ctx: RequestContext) -> None:
        start = time.perf_counter()
        ctx.decision = await self.decide(ctx)
        ctx.route_ms = (time.perf_counter() - start) * 1000

    async def decide(self, ctx: RequestContext) -> Decision:
        if ctx.model != AUTO:
            spec = self.config.models[ctx.model]
            if not spec.available:
                return Decision(ranked=[], policy="pinned", reason=f"{spec.name} is unavailable: {spec.unavailable}")
            if ctx.options.local_only and spec.tier != "local":
                return Decision(ranked=[], policy="pinned", reason=f"{spec.name} is not local and local_only is set")
            return Decision(ranked=[Scored(spec.name, 1.0)], policy="pinned", reason="model named in the request")
        models = [m.card() for m in self.config.available() if "chat" in m.capabilities]
        if ctx.options.local_only:
            models = [m for m in models if m.tier == "local"]
        session = {}
        if ctx.options.session_id and self.store is not None:
            session = self.store.session(ctx.options.session_id) or {}
        request = RouteRequest(messages=ctx.messages_by_tier.get("local", ctx.messages),
                               documents=ctx.options.documents, session_id=ctx.options.session_id,
                               session=session, prompt_tokens=estimate_tokens(ctx.messages),
                               local_only=ctx.options.local_only)
        decision = await self.policy_for(ctx).adecide(request, models)
        if ctx.options.local_only:  # a policy can never route a local-only request to the cloud
            tiers = {m.name: m.tier for m in models}
            decision.ranked = [s for s in decision.ranked if tiers.get(s.model) == "local"]
        return decision
