"""The only place that talks to models, with a timeout per call, retries per model, and fallback down the
decision's ranking. Two transports: litellm for every provider (local models via the duet-local provider), and
a lean httpx path for OpenAI-compatible upstreams (`openai/<model>` with `api_base`), which costs a fraction of
litellm's CPU per call. `dispatch.transport` in the config: `auto` (default: lean where it applies) or
`litellm` (everything through litellm).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import litellm

from router.config import ConfigError, DuetConfig, ModelSpec
from router.context import Attempt, RequestContext
from router.errors import DuetError, NoModelAvailable, UpstreamError, UpstreamTimeout
from router.local_provider import register_local_models
from router.openai_http import OpenAIHTTP, uses_lean_transport

litellm.suppress_debug_info = True
litellm.drop_params = True  # a parameter one provider lacks is dropped, not an error


def error_kind(exc: BaseException) -> str:
    """A short, stable name for why a call failed (the log's outcome and the fallback path)."""
    if isinstance(exc, (asyncio.TimeoutError, litellm.exceptions.Timeout)):
        return "timeout"
    if isinstance(exc, litellm.exceptions.ContextWindowExceededError):
        return "context_window_exceeded"
    if isinstance(exc, (litellm.exceptions.APIConnectionError, ConnectionError)) or "Connection error" in str(exc):
        return "connection_error"  # litellm reports a refused connection as an InternalServerError
    if isinstance(exc, litellm.exceptions.RateLimitError):
        return "rate_limited"
    if isinstance(exc, litellm.exceptions.AuthenticationError):
        return "upstream_auth_error"
    if isinstance(exc, litellm.exceptions.BadRequestError):
        return "upstream_bad_request"
    if isinstance(exc, DuetError):
        return exc.kind
    return "upstream_error"


def _short(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return text.splitlines()[0][:300] if text else type(exc).__name__


class Dispatcher:
    """Calls one model (`acomplete` / `astream`), or walks a ranking with fallback (`run` / `run_stream`)."""

    def __init__(self, config: DuetConfig) -> None:
        self.config = config
        self.transport = str((config.raw.get("dispatch") or {}).get("transport", "auto"))
        if self.transport not in ("auto", "litellm"):
            raise ConfigError(f"dispatch.transport must be 'auto' or 'litellm', not {self.transport!r}")
        self.http = OpenAIHTTP()
        register_local_models(list(config.models.values()))

    def lean(self, spec: ModelSpec) -> bool:
        """True when this model is called through the lean OpenAI-compatible transport."""
        return uses_lean_transport(spec.model, spec.api_base, self.transport)

    def _lean_params(self, spec: ModelSpec, params: dict[str, Any]) -> dict[str, Any]:
        if spec.max_tokens and "max_tokens" not in params:
            return {**params, "max_tokens": spec.max_tokens}
        return params

    def _call_kwargs(self, spec: ModelSpec, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"model": spec.model, "messages": messages, **params}
        if spec.max_tokens and "max_tokens" not in params:
            kwargs["max_tokens"] = spec.max_tokens
        if spec.api_base:
            kwargs["api_base"] = spec.api_base
        if spec.api_key:
            kwargs["api_key"] = spec.api_key
        if not spec.is_local_provider:
            kwargs["timeout"] = self.timeout(spec)
            kwargs["num_retries"] = self.config.retries
        return kwargs

    def timeout(self, spec: ModelSpec) -> float:
        return spec.timeout or self.config.timeout

    async def acomplete(self, spec: ModelSpec, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        if self.lean(spec):
            assert spec.api_base is not None
            return await self.http.complete(spec.api_base, spec.api_key, spec.model, messages,
                                            self._lean_params(spec, params), self.timeout(spec), self.config.retries)
        call = litellm.acompletion(**self._call_kwargs(spec, messages, params))
        response = await asyncio.wait_for(call, timeout=self.timeout(spec) * (1 + self.config.retries))
        return response.model_dump(exclude_none=False)

    async def astream(self, spec: ModelSpec, messages: list[dict[str, Any]],
                      **params: Any) -> AsyncIterator[dict[str, Any]]:
        if self.lean(spec):
            assert spec.api_base is not None
            async for chunk in self.http.stream(spec.api_base, spec.api_key, spec.model, messages,
                                                self._lean_params(spec, params), self.timeout(spec),
                                                self.config.retries):
                yield chunk
            return
        kwargs = self._call_kwargs(spec, messages, params)
        kwargs["stream"] = True
        kwargs["stream_options"] = {"include_usage": True}
        stream = await asyncio.wait_for(litellm.acompletion(**kwargs), timeout=self.timeout(spec))
        iterator = stream.__aiter__()
        while True:
            try:
                chunk = await asyncio.wait_for(iterator.__anext__(), timeout=self.timeout(spec))
            except StopAsyncIteration:
                return
            yield chunk.model_dump(exclude_none=True)

    # fallback over a ranking -------------------------------------------------------------------------
    def candidates(self, ctx: RequestContext) -> list[ModelSpec]:
        if ctx.decision is None or not ctx.decision.ranked:
            raise NoModelAvailable(ctx.decision.reason if ctx.decision and ctx.decision.reason
                                   else "no available model can serve this request")
        return [self.config.models[name] for name in ctx.decision.models if name in self.config.models]

    def _allowed(self, ctx: RequestContext) -> Iterator[tuple[ModelSpec, list[dict[str, Any]]]]:
        """Candidates in rank order with the messages their tier may see; the others are recorded as skipped."""
        for spec in self.candidates(ctx):
            messages = None if ctx.options.local_only and spec.tier != "local" else ctx.messages_by_tier.get(spec.tier)
            if messages is None:  # local_only, or the privacy stage did not clear this tier (fail closed)
                ctx.attempts.append(Attempt(spec.name, spec.tier, "not_allowed", "tier not cleared for this request"))
                continue
            yield spec, messages

    async def run(self, ctx: RequestContext) -> None:
        """Fill ctx.response from the first candidate that answers."""
        for spec, messages in self._allowed(ctx):
            start = time.perf_counter()
            try:
                response = await self.acomplete(spec, messages, **ctx.params)
            except Exception as exc:  # noqa: BLE001 - every failure moves on to the next candidate
                ctx.attempts.append(Attempt(spec.name, spec.tier, error_kind(exc), _short(exc),
                                            (time.perf_counter() - start) * 1000))
                continue
            ctx.attempts.append(Attempt(spec.name, spec.tier, "ok", ms=(time.perf_counter() - start) * 1000))
            self._served(ctx, spec, response.get("usage") or {})
            ctx.response = response
            return
        raise self._all_failed(ctx)

    async def open_stream(self, ctx: RequestContext) -> None:
        """Start streaming from the first candidate that yields a first chunk; set ctx.chunks."""
        for spec, messages in self._allowed(ctx):
            start = time.perf_counter()
            stream = self.astream(spec, messages, **ctx.params)
            try:
                first = await stream.__anext__()
            except StopAsyncIteration:
                first = None
            except Exception as exc:  # noqa: BLE001
                ctx.attempts.append(Attempt(spec.name, spec.tier, error_kind(exc), _short(exc),
                                            (time.perf_counter() - start) * 1000))
                await stream.aclose()
                continue
            ctx.ttft_ms = ctx.elapsed_ms()
            ctx.attempts.append(Attempt(spec.name, spec.tier, "ok", ms=(time.perf_counter() - start) * 1000))
            self._served(ctx, spec, {})
            ctx.chunks = self._follow(ctx, spec, first, stream)
            return
        raise self._all_failed(ctx)

    async def _follow(self, ctx: RequestContext, spec: ModelSpec, first: dict[str, Any] | None,
                      stream: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        try:
            if first is not None:
                self._count(ctx, spec, first)
                yield first
            async for chunk in stream:
                self._count(ctx, spec, chunk)
                yield chunk
        except Exception as exc:  # noqa: BLE001 - mid-stream failure: recorded, then surfaced to the client
            ctx.attempts[-1] = Attempt(spec.name, spec.tier, error_kind(exc), _short(exc), ctx.attempts[-1].ms)
            raise UpstreamError(f"{spec.name} failed mid-stream: {_short(exc)}") from exc
        finally:
            await stream.aclose()

    def _count(self, ctx: RequestContext, spec: ModelSpec, chunk: dict[str, Any]) -> None:
        usage = chunk.get("usage")
        if usage:
            self._served(ctx, spec, usage)

    def _served(self, ctx: RequestContext, spec: ModelSpec, usage: dict[str, Any]) -> None:
        ctx.served_by, ctx.served_tier = spec.name, spec.tier
        ctx.prompt_tokens = int(usage.get("prompt_tokens") or ctx.prompt_tokens or 0)
        ctx.completion_tokens = int(usage.get("completion_tokens") or ctx.completion_tokens or 0)
        ctx.cost_usd = spec.cost(ctx.prompt_tokens, ctx.completion_tokens)

    @staticmethod
    def _all_failed(ctx: RequestContext) -> DuetError:
        tried = [a for a in ctx.attempts if a.outcome != "not_allowed"]
        reasons = [{"model": a.model, "error": a.outcome, "detail": a.detail} for a in ctx.attempts]
        if not tried:
            return NoModelAvailable("no candidate model may serve this request", details=reasons)
        summary = "; ".join(f"{a.model}: {a.outcome}" for a in ctx.attempts)
        if all(a.outcome == "timeout" for a in tried):
            return UpstreamTimeout(f"every model timed out ({summary})", details=reasons)
        return UpstreamError(f"every model failed ({summary})", details=reasons)
