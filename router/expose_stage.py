"""Expose stage: how much context a cloud-tier model gets, and the SLM–LLM collaboration mode.

- `duet.exposure = "minimal"` (or, with `exposure.min_context_tokens` in the config, any request whose
  context is larger): when the route goes to a cloud model, the exposure controller (agents.exposure)
  answers it from the fewest context blocks it can, and the request carries the exposure accounting.
  The context is `duet.documents` (a block per document), the conversation before the last user turn,
  or the body of a long last user turn (everything before its final paragraph, which is the question).
  Only the cloud tier's messages and documents (already redacted by the privacy stage) are partitioned,
  so redaction applies to everything sent.
- `duet.mode = "collaborate"`: the local SLM solves the task step by step and consults a cloud model
  with focused questions (agents.seek_help); the answer is the SLM's.
Either way the stage fills `ctx.response`, so dispatch is skipped. If the agent fails, the cloud tier is
closed for the request (fail closed: the full context never goes out as a fallback).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from agents.blocks import Block, approx_tokens
from agents.completions import usage_of
from agents.exposure import ExposureConfig, ExposureController
from agents.partition import detect_kind, partition
from agents.partition.conversation import message_text
from agents.seek_help import SeekHelpAgent, SeekHelpConfig, confidence_rule, never
from agents.seek_help_policy import AskPolicy
from router.config import DuetConfig, ModelSpec
from router.context import Attempt, RequestContext
from router.dispatch import Dispatcher
from router.errors import InvalidRequest

log = logging.getLogger("duet.expose")
_EXPOSURE_KEYS = ("budget_tokens", "max_rounds", "blocks_per_round", "reveal", "coplan", "slm_rescore",
                  "rescore_top", "use_tool", "order")


def split_context(messages: list[dict[str, Any]], min_tokens: int = 64) -> tuple[list[dict[str, Any]], list[Block]]:
    """(messages without the context, context blocks). History turns before the last user message are the
    context; failing that, a long last user message is split into its body (context) and final paragraph."""
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    if last_user is None:
        return messages, []
    system = [m for m in messages[:last_user] if m.get("role") == "system"]
    history = [m for m in messages[:last_user] if m.get("role") != "system"]
    if history:
        return [*system, *messages[last_user:]], partition(history, "conversation")
    text = message_text(messages[last_user])
    body, _, question = text.strip().rpartition("\n\n")
    if not body or approx_tokens(body) < min_tokens:
        return messages, []
    kind = detect_kind(body)
    blocks = partition(body, kind if kind != "text" else "documents")
    return [*system, {"role": "user", "content": question.strip()}, *messages[last_user + 1:]], blocks


def cloud_context(ctx: RequestContext) -> tuple[list[dict[str, Any]], list[Block]]:
    """The cloud tier's view split into (messages without the context, context blocks): a block per
    `duet.documents` entry (ids d0, d1, …; long documents split on headings and paragraphs) followed
    by the blocks `split_context` finds in the messages. Both come redacted from the privacy stage."""
    messages, blocks = split_context(ctx.messages_by_tier["cloud"])
    documents = ctx.documents_by_tier.get("cloud") or []
    if documents:
        blocks = partition(documents, "documents", prefix="d") + blocks
    return messages, blocks


def has_logprobs(spec: ModelSpec) -> bool:
    """Whether asking this model for token log-probabilities can work: the in-process llama.cpp provider
    returns them only for models configured with `logprobs: true`; other providers are asked."""
    return spec.logprobs or not spec.is_local_provider


class ExposeStage:
    def __init__(self, config: DuetConfig) -> None:
        self.config = config
        self.settings = dict(config.exposure or {})
        self.collaborate = dict(self.settings.get("collaborate") or {})
        self.dispatcher = Dispatcher(config)  # local models are shared with the pipeline's dispatcher
        policy_dir = self.collaborate.get("policy")
        self.ask_policy = AskPolicy.load(Path(policy_dir).expanduser()) if policy_dir else None
        self._embed: Any = None

    def embed(self, texts: list[str]) -> Any:
        if self._embed is None:
            from policies.encoder import shared_encoder

            self._embed = shared_encoder().encode
        return self._embed(texts)

    async def __call__(self, ctx: RequestContext) -> None:
        if ctx.options.mode == "collaborate":
            await self._collaborate(ctx)
        elif self._wants_minimal(ctx):
            await self._minimal(ctx)

    # ---- partial context exposure -------------------------------------------------------------
    def _wants_minimal(self, ctx: RequestContext) -> bool:
        if ctx.options.exposure == "full":
            return False
        if ctx.options.exposure == "minimal":
            return True
        threshold = int(self.settings.get("min_context_tokens") or 0)
        if not threshold or "cloud" not in ctx.messages_by_tier:
            return False
        _, blocks = cloud_context(ctx)
        return sum(b.tokens for b in blocks) >= threshold

    def _cloud_target(self, ctx: RequestContext) -> ModelSpec | None:
        """The top-ranked model, when it is a cloud model the privacy stage cleared; else None."""
        if ctx.decision is None or not ctx.decision.ranked or "cloud" not in ctx.messages_by_tier:
            return None
        top = self.config.models.get(ctx.decision.ranked[0].model)
        return top if top is not None and top.tier == "cloud" else None

    def _local_model(self) -> ModelSpec | None:
        return next((m for m in self.config.available() if m.tier == "local"), None)

    def _stepping_model(self) -> ModelSpec | None:
        """The SLM for collaborate mode: a local model that returns token log-probabilities (the
        confidence rule's signal) when one is configured, else the first local model."""
        local = [m for m in self.config.available() if m.tier == "local"]
        return next((m for m in local if has_logprobs(m)), local[0] if local else None)

    def _call(self, ctx: RequestContext, roles: dict[str, ModelSpec]):
        """`call(role, messages, **params)` over the dispatcher; every call is an attempt in the log."""
        async def call(role: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
            spec = roles[role]
            start = time.perf_counter()
            try:
                response = await self.dispatcher.acomplete(spec, messages, **params)
            except Exception as exc:
                ctx.attempts.append(Attempt(spec.name, spec.tier, "upstream_error", str(exc)[:300],
                                            (time.perf_counter() - start) * 1000))
                raise
            ctx.attempts.append(Attempt(spec.name, spec.tier, "ok", ms=(time.perf_counter() - start) * 1000))
            prompt_tokens, completion_tokens = usage_of(response)
            ctx.extra.setdefault("agent_calls", []).append(
                {"model": spec.name, "tier": spec.tier, "prompt_tokens": prompt_tokens,
                 "completion_tokens": completion_tokens})
            ctx.cost_usd += spec.cost(prompt_tokens, completion_tokens)
            return response
        return call

    async def _minimal(self, ctx: RequestContext) -> None:
        cloud = self._cloud_target(ctx)
        if cloud is None:
            ctx.exposure = {"mode": "minimal", "applied": False, "reason": "not routed to a cleared cloud model"}
            return
        messages, blocks = cloud_context(ctx)
        if not blocks:
            ctx.exposure = {"mode": "minimal", "applied": False, "reason": "no context to partition"}
            return
        config = ExposureConfig(**{k: self.settings[k] for k in _EXPOSURE_KEYS if k in self.settings})
        config.answer_params = {k: v for k, v in ctx.params.items() if k in ("max_tokens", "temperature", "top_p",
                                                                              "stop", "seed")} or config.answer_params
        roles = {"cloud": cloud}
        local = self._local_model()
        if local is not None:
            roles["local"] = local
        if ctx.stream:  # streaming: one round, the dispatcher streams the answer from the selected blocks only
            await self._minimal_stream(ctx, messages, blocks, config)
            return
        try:
            result = await ExposureController(self._call(ctx, roles), self.embed, config).run(messages, blocks)
        except Exception as exc:  # noqa: BLE001 - never fall back to sending the whole context
            ctx.messages_by_tier.pop("cloud", None)
            ctx.exposure = {"mode": "minimal", "applied": False, "reason": f"exposure controller failed: {exc}"[:300],
                            "cloud_closed": True}
            log.warning("exposure controller failed for %s: %s; cloud tier closed", ctx.request_id, exc)
            return
        ctx.response = result.response
        ctx.served_by, ctx.served_tier = cloud.name, "cloud"
        calls = ctx.extra.get("agent_calls", [])
        ctx.prompt_tokens = sum(c["prompt_tokens"] for c in calls)
        ctx.completion_tokens = sum(c["completion_tokens"] for c in calls)
        ctx.exposure = {**result.exposure, "applied": True, "model": cloud.name}

    async def _minimal_stream(self, ctx: RequestContext, messages: list[dict[str, Any]], blocks: list[Block],
                              config: ExposureConfig) -> None:
        single = ExposureConfig(**{**config.__dict__, "coplan": False, "max_rounds": 1})
        ctx.messages_by_tier["cloud"], exposure = await ExposureController(
            self._call(ctx, {}), self.embed, single).single_round(messages, blocks)
        ctx.exposure = {**exposure, "applied": True, "stream": True}

    # ---- SLM–LLM collaboration ----------------------------------------------------------------
    async def _collaborate(self, ctx: RequestContext) -> None:
        local = self._stepping_model()
        if local is None:
            raise InvalidRequest("duet.mode=collaborate needs a local model in the config", param="duet.mode")
        cloud = next((self.config.models[s.model] for s in (ctx.decision.ranked if ctx.decision else [])
                      if self.config.models[s.model].tier == "cloud"), None)
        cloud = cloud or next((m for m in self.config.available() if m.tier == "cloud"), None)
        task = message_text(next(m for m in reversed(ctx.messages) if m.get("role") == "user"))
        rule, reason = self._ask_rule(ctx, cloud)
        config = SeekHelpConfig(max_steps=int(self.collaborate.get("max_steps", 5)),
                                max_asks=int(self.collaborate.get("max_asks", 3)), should_ask=rule,
                                logprobs=has_logprobs(local))
        roles = {"local": local, **({"cloud": cloud} if cloud else {})}
        result = await SeekHelpAgent(self._call(ctx, roles), config).run(task)
        episode = result.episode()
        ctx.response = {"id": ctx.request_id, "object": "chat.completion", "created": int(ctx.created),
                        "model": local.name,
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": result.answer}}]}
        calls = ctx.extra.get("agent_calls", [])
        local_calls = [c for c in calls if c["tier"] == "local"]
        ctx.response["usage"] = {"prompt_tokens": sum(c["prompt_tokens"] for c in local_calls),
                                 "completion_tokens": sum(c["completion_tokens"] for c in local_calls)}
        ctx.response["usage"]["total_tokens"] = sum(ctx.response["usage"].values())
        ctx.served_by, ctx.served_tier = local.name, "local"
        ctx.prompt_tokens = ctx.response["usage"]["prompt_tokens"]
        ctx.completion_tokens = ctx.response["usage"]["completion_tokens"]
        ctx.extra["seek_help"] = episode
        ctx.exposure = {"mode": "collaborate", "slm_model": local.name, "slm_logprobs": config.logprobs,
                        "llm_model": cloud.name if cloud else None, "asks_allowed": reason,
                        "steps": len(result.steps), "llm_calls": episode["llm_calls"],
                        "llm_prompt_tokens": episode["llm_prompt_tokens"],
                        "question_chars": episode["question_chars"]}

    def _ask_rule(self, ctx: RequestContext, cloud: ModelSpec | None):
        """Who may be asked: nobody without a cleared cloud model or when the privacy stage redacted the
        request (the SLM's steps would quote the raw text); else the learned policy or the confidence rule."""
        if cloud is None or "cloud" not in ctx.messages_by_tier:
            return never, "no cloud model cleared for this request"
        if ctx.messages_by_tier["cloud"] != ctx.messages:
            return never, "request had private spans redacted: steps stay local"
        if self.ask_policy is not None:
            return self.ask_policy, "learned policy"
        return confidence_rule(float(self.collaborate.get("threshold", -0.6))), "confidence rule"
