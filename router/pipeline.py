"""The request pipeline, readable in one place:

    validate -> privacy -> route -> expose -> dispatch -> restore -> log

`validate` builds the RequestContext (router.validate); the middle stages are async callables that
read and write the context; dispatch fills a response or a chunk stream; restore undoes redaction
(chunk by chunk when streaming); log writes one row whatever happened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from router.config import DuetConfig
from router.context import RequestContext
from router.dispatch import Dispatcher
from router.errors import DuetError
from router.expose_stage import ExposeStage
from router.logstore import LogStore
from router.privacy_stage import PrivacyStage
from router.record import RecordStage
from router.route_stage import RouteStage


class Stage(Protocol):
    async def __call__(self, ctx: RequestContext) -> None: ...


class Pipeline:
    def __init__(self, config: DuetConfig, store: LogStore, dispatcher: Dispatcher) -> None:
        self.config = config
        self.dispatcher = dispatcher
        self.privacy = PrivacyStage(config)  # also clears image prompts (router.images)
        self.stages: list[Stage] = [
            self.privacy,
            RouteStage(config, store),
            ExposeStage(config),
        ]
        self.record = RecordStage(store, config.log_content)

    async def _prepare(self, ctx: RequestContext) -> None:
        for stage in self.stages:
            await stage(ctx)

    async def run(self, ctx: RequestContext) -> dict[str, Any]:
        """Non-streaming: the finished ChatCompletion dict (with `duet` metadata)."""
        try:
            await self._prepare(ctx)
            if ctx.response is None:  # an agent stage may already have answered
                await self.dispatcher.run(ctx)
            assert ctx.response is not None
            response = restore_response(ctx, ctx.response)
            ctx.completion_text = _message_text(response)
            ctx.outcome = "ok"
            return finish_response(ctx, response)
        except BaseException as exc:
            _fail(ctx, exc)
            raise
        finally:
            ctx.total_ms = ctx.elapsed_ms()
            self.record(ctx)

    async def open_stream(self, ctx: RequestContext) -> AsyncIterator[dict[str, Any]]:
        """Streaming: prepares and opens the upstream stream (errors raise here, before any byte is sent),
        then returns the chunk iterator, which restores text chunk by chunk and logs when it ends."""
        try:
            await self._prepare(ctx)
            if ctx.response is not None:  # an agent stage answered whole: stream its finished answer
                ctx.chunks = _replay(ctx.response)
            else:
                await self.dispatcher.open_stream(ctx)
        except BaseException as exc:
            _fail(ctx, exc)
            ctx.total_ms = ctx.elapsed_ms()
            self.record(ctx)
            raise
        return self._stream(ctx)

    async def _stream(self, ctx: RequestContext) -> AsyncIterator[dict[str, Any]]:
        assert ctx.chunks is not None
        restorer = ctx.restore_stream() if ctx.restore_stream and ctx.served_tier == "cloud" else None
        text: list[str] = []
        last: dict[str, Any] | None = None
        usage: dict[str, Any] | None = None
        try:
            async for chunk in ctx.chunks:
                if chunk.get("usage"):
                    usage = chunk["usage"]
                if not chunk.get("choices"):
                    continue
                chunk = _stamp(ctx, chunk)
                choice = chunk["choices"][0]
                delta = choice.setdefault("delta", {})
                if restorer and delta.get("content"):
                    delta["content"] = restorer.feed(delta["content"])
                text.append(delta.get("content") or "")
                if last is not None:
                    yield last
                last = chunk
            if restorer:
                tail = restorer.flush()
                if tail:
                    if last is not None:
                        yield last
                    last = _stamp(ctx, {"choices": [{"index": 0, "delta": {"content": tail}}]})
                    text.append(tail)
            ctx.completion_text = "".join(text)
            ctx.outcome = "ok"
            ctx.total_ms = ctx.elapsed_ms()
            if last is None:
                last = _stamp(ctx, {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            last["choices"][0].setdefault("finish_reason", "stop")
            last["choices"][0]["finish_reason"] = last["choices"][0].get("finish_reason") or "stop"
            last["duet"] = metadata(ctx)
            yield last
            if usage is not None and ctx.include_usage:
                yield _stamp(ctx, {"choices": [], "usage": usage})
        except Exception as exc:
            _fail(ctx, exc)
            if last is not None and ctx.outcome != "ok":  # the upstream failed mid-stream: pass on what came
                pending, last = last, None
                yield pending
            raise
        except BaseException as exc:  # cancelled or closed by the client
            _fail(ctx, exc)
            raise
        finally:
            ctx.total_ms = ctx.total_ms or ctx.elapsed_ms()
            self.record(ctx)


async def _replay(response: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """A finished ChatCompletion as stream chunks: the answer, then the finish reason and usage."""
    choice = (response.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    yield {"choices": [{"index": 0, "delta": {"role": "assistant", "content": message.get("content") or ""}}]}
    yield {"choices": [{"index": 0, "delta": {}, "finish_reason": choice.get("finish_reason") or "stop"}],
           "usage": response.get("usage")}


def _fail(ctx: RequestContext, exc: BaseException) -> None:
    ctx.error = exc
    if isinstance(exc, DuetError):
        ctx.outcome = exc.kind
    elif isinstance(exc, (GeneratorExit,)) or type(exc).__name__ == "CancelledError":
        ctx.outcome = "client_disconnected"
    else:
        ctx.outcome = "internal_error"


def restore_response(ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
    if ctx.restore_text is None or ctx.served_tier != "cloud":
        return response
    for choice in response.get("choices") or []:
        message = choice.get("message") or {}
        if isinstance(message.get("content"), str):
            message["content"] = ctx.restore_text(message["content"])
    return response


def metadata(ctx: RequestContext) -> dict[str, Any]:
    """What the client is told about routing: the `duet` field of every response."""
    decision = ctx.decision
    return {
        "request_id": ctx.request_id,
        "model": ctx.served_by,
        "tier": ctx.served_tier,
        "policy": decision.policy if decision else None,
        "scores": decision.scores() if decision else {},
        "reason": decision.reason if decision else "",
        "cost_usd": ctx.cost_usd,
        "latency_ms": {"route": round(ctx.route_ms, 3),
                       "ttft": round(ctx.ttft_ms, 3) if ctx.ttft_ms is not None else None,
                       "total": round(ctx.total_ms or ctx.elapsed_ms(), 3)},
        "fallback": [{"model": a.model, "outcome": a.outcome} for a in ctx.attempts if a.outcome != "ok"],
        "privacy": ctx.privacy,
        "exposure": ctx.exposure,
    }


def finish_response(ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
    response = _stamp(ctx, response, "chat.completion")
    ctx.total_ms = ctx.elapsed_ms()
    response["duet"] = metadata(ctx)
    return response


def _stamp(ctx: RequestContext, payload: dict[str, Any], obj: str = "chat.completion.chunk") -> dict[str, Any]:
    """Our id (the one feedback refers to) and the configured model name on every response and chunk."""
    payload["id"] = ctx.request_id
    payload["model"] = ctx.served_by
    payload["object"] = obj
    payload.setdefault("created", int(ctx.created))
    payload.pop("provider_specific_fields", None)
    return payload


def _message_text(response: dict[str, Any]) -> str:
    choices = response.get("choices") or []
    if not choices:
        return ""
    return str((choices[0].get("message") or {}).get("content") or "")

