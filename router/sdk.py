"""The Python SDK: `Router(config).complete(messages, **openai_params)`.

Same pipeline as the gateway; returns OpenAI types (`ChatCompletion`, or `ChatCompletionChunk`s when
`stream=True`) with routing metadata in a `duet` field.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from router.config import DuetConfig, load_config
from router.context import RequestContext
from router.dispatch import Dispatcher
from router.logstore import LogStore
from router.pipeline import Pipeline
from router.record import rejected_row
from router.validate import build_context


class Router:
    def __init__(self, config: DuetConfig | str | Path | None = None, *, log_path: str | Path | None = None) -> None:
        self.config = config if isinstance(config, DuetConfig) else load_config(config)
        if log_path is not None:
            self.config.log_path = Path(log_path)
        self.store = LogStore(self.config.log_path)
        self.dispatcher = Dispatcher(self.config)
        self.pipeline = Pipeline(self.config, self.store, self.dispatcher)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()

    # the async API (what the gateway uses) -------------------------------------------------------------
    def context(self, body: dict[str, Any]) -> RequestContext:
        """Validate an OpenAI request body into a context (raises InvalidRequest / ModelNotFound)."""
        return build_context(body, self.config)

    async def run(self, ctx: RequestContext) -> dict[str, Any]:
        return await self.pipeline.run(ctx)

    async def open_stream(self, ctx: RequestContext) -> AsyncIterator[dict[str, Any]]:
        return await self.pipeline.open_stream(ctx)

    def log_rejected(self, endpoint: str, kind: str, message: str) -> None:
        self.store.record(rejected_row(endpoint, kind, message))

    async def acomplete(self, messages: list[dict[str, Any]], model: str = "auto", stream: bool = False,
                        **params: Any) -> ChatCompletion | AsyncIterator[ChatCompletionChunk]:
        ctx = self.context(_body(messages, model, stream, params))
        if not stream:
            return ChatCompletion.model_validate(await self.run(ctx))
        chunks = await self.open_stream(ctx)
        return _typed_chunks(chunks)

    # the sync API -------------------------------------------------------------------------------------
    def complete(self, messages: list[dict[str, Any]], model: str = "auto", stream: bool = False,
                 **params: Any) -> ChatCompletion | Iterator[ChatCompletionChunk]:
        if not stream:
            return self._call(self.acomplete(messages, model, False, **params))
        chunks = self._call(self.acomplete(messages, model, True, **params))
        return self._iterate(chunks)

    # images (router/images.py) ----------------------------------------------------------------------
    @property
    def images(self) -> Any:
        """The image router (edge/cloud image backends, RouteT2I policy, budget), built on first use."""
        if getattr(self, "_images", None) is None:
            from router.images import ImageRouter

            self._images = ImageRouter(self.config, self.store, self.pipeline.privacy)
        return self._images

    async def agenerate_image(self, prompt: str, model: str = "auto", **params: Any) -> Any:
        from openai.types import ImagesResponse

        return ImagesResponse.model_validate(await self.images.generate({"prompt": prompt, "model": model, **params}))

    def generate_image(self, prompt: str, model: str = "auto", **params: Any) -> Any:
        """OpenAI `ImagesResponse` (routing metadata in its `duet` field)."""
        return self._call(self.agenerate_image(prompt, model, **params))

    def feedback(self, request_id: str, score: float, source: str = "user", comment: str | None = None) -> int:
        return self.store.feedback(request_id, score, source, comment)

    def models(self) -> list[dict[str, Any]]:
        """Chat models, then image backends (tier edge or cloud, capability "image")."""
        from router.images import parse_images_config

        chat = [{"name": m.name, "model": m.model, "tier": m.tier, "available": m.available,
                 "unavailable_reason": m.unavailable, "input_price": m.input_price,
                 "output_price": m.output_price, "context_window": m.context_window,
                 "capabilities": list(m.capabilities)} for m in self.config.models.values()]
        images = parse_images_config(self.config)
        return chat + [{"name": b.name, "model": b.model, "tier": b.tier, "available": not b.unavailable,
                        "unavailable_reason": b.unavailable, "cost_per_image": b.cost_per_image,
                        "capabilities": ["image"]} for b in (images.backends.values() if images else [])]

    def close(self) -> None:
        self.store.close()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)

    def __enter__(self) -> Router:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # one private event loop for sync callers: litellm's clients belong to the loop they were made on
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._loop_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="duet-sdk-loop", daemon=True).start()
                self._loop = loop
            return self._loop

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._ensure_loop()).result()

    def _iterate(self, chunks: AsyncIterator[ChatCompletionChunk]) -> Iterator[ChatCompletionChunk]:
        while True:
            try:
                yield self._call(chunks.__anext__())
            except StopAsyncIteration:
                return


def _body(messages: list[dict[str, Any]], model: str, stream: bool, params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params)
    extra = params.pop("extra_body", None) or {}
    body = {"model": model, "messages": messages, "stream": stream, **params, **extra}
    return body


async def _typed_chunks(chunks: AsyncIterator[dict[str, Any]]) -> AsyncIterator[ChatCompletionChunk]:
    async for chunk in chunks:
        yield ChatCompletionChunk.model_validate(chunk)
