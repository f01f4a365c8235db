"""The in-process local SLM: llama.cpp GGUF models registered with litellm as the `duet-local` provider.

Local and cloud models then share one call path (`litellm.acompletion`, streaming included).
`Llama` is not thread-safe, so each model has one instance guarded by a lock, and generation runs in
a worker thread so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import litellm
from litellm.llms.custom_llm import CustomLLM, CustomLLMError
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from router.config import LOCAL_PROVIDER, ModelSpec

# llama.cpp accepts these OpenAI parameters; everything else litellm hands us is ignored.
_PASSED_PARAMS = ("max_tokens", "temperature", "top_p", "stop", "seed", "presence_penalty",
                  "frequency_penalty", "logprobs", "top_logprobs", "response_format")


class LocalModelError(RuntimeError):
    """The GGUF could not be loaded (corrupt file, unsupported architecture, out of memory)."""


class LocalModel:
    """One GGUF file, loaded on first use, one generation at a time."""

    def __init__(self, path: Path, n_ctx: int = 2048, n_threads: int | None = None,
                 default_max_tokens: int | None = None, logprobs: bool = False) -> None:
        self.path = path
        self.logprobs = logprobs  # llama.cpp returns token log-probabilities only with logits_all
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.default_max_tokens = default_max_tokens
        self.lock = threading.Lock()
        self._llama: Any = None

    def llama(self) -> Any:
        if self._llama is None:  # called under self.lock
            from llama_cpp import Llama

            try:
                self._llama = Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                                    verbose=False, logits_all=self.logprobs)
            except Exception as exc:  # llama.cpp says ValueError for a bad file; that is not a bad request
                raise LocalModelError(f"local model {self.path.name} could not be loaded: {exc}") from exc
        return self._llama

    def _kwargs(self, params: dict[str, Any]) -> dict[str, Any]:
        kwargs = {k: params[k] for k in _PASSED_PARAMS if params.get(k) is not None}
        kwargs.setdefault("max_tokens", self.default_max_tokens)
        if kwargs.get("logprobs") is False:
            kwargs.pop("logprobs")
        return kwargs

    def complete(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return self.llama().create_chat_completion(messages=messages, **self._kwargs(params))

    def stream(self, messages: list[dict[str, Any]], params: dict[str, Any],
               cancelled: threading.Event) -> Iterator[dict[str, Any]]:
        """Yield llama.cpp chunks, then one final {"usage": ...} dict with the real token counts."""
        with self.lock:
            llama = self.llama()
            kwargs = self._kwargs(params)
            prompt_tokens = len(llama.tokenize(_render_for_count(llama, messages).encode(), add_bos=False,
                                               special=True))
            text = []
            for chunk in llama.create_chat_completion(messages=messages, stream=True, **kwargs):
                if cancelled.is_set():
                    break
                if chunk["choices"]:
                    text.append(chunk["choices"][0]["delta"].get("content") or "")
                yield chunk
            completion_tokens = len(llama.tokenize("".join(text).encode(), add_bos=False, special=False))
            yield {"usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                             "total_tokens": prompt_tokens + completion_tokens}}


def _render_for_count(llama: Any, messages: list[dict[str, Any]]) -> str:
    """The prompt as the chat template renders it, for an exact prompt token count while streaming."""
    formatter = getattr(llama, "chat_handler", None) or None
    try:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llama.metadata.get("tokenizer.chat_template")
        if template and formatter is None:
            eos = llama._model.token_get_text(llama.token_eos())
            bos = llama._model.token_get_text(llama.token_bos())
            return Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos)(messages=messages).prompt
    except Exception:  # noqa: BLE001 - counting must never break generation
        pass
    return "\n".join(str(m.get("content") or "") for m in messages)


class LocalProvider(CustomLLM):
    """litellm custom provider serving every `duet-local/<name>` model from its registered GGUF."""

    def __init__(self) -> None:
        super().__init__()
        self.models: dict[str, LocalModel] = {}
        self.settings: dict[str, tuple[Any, ...]] = {}  # per name: what the registered model was built from

    def add(self, spec: ModelSpec) -> None:
        """Register (or re-register) a model. The provider is process-wide, so a second config that reuses a
        name with other settings replaces the entry instead of silently serving the old file or settings."""
        if spec.gguf is None:
            return
        settings = (str(spec.gguf), spec.n_ctx or 2048, spec.n_threads, spec.max_tokens, bool(spec.logprobs))
        if self.settings.get(spec.name) == settings:
            return
        self.models[spec.name] = LocalModel(spec.gguf, n_ctx=spec.n_ctx or 2048, n_threads=spec.n_threads,
                                            default_max_tokens=spec.max_tokens, logprobs=spec.logprobs)
        self.settings[spec.name] = settings

    def _model(self, model: str) -> LocalModel:
        name = model.split("/", 1)[-1]
        if name not in self.models:
            raise CustomLLMError(status_code=404, message=f"local model {name!r} is not registered")
        return self.models[name]

    async def acompletion(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict,
                          model_response: ModelResponse, print_verbose: Any, encoding: Any, api_key: Any,
                          logging_obj: Any, optional_params: dict, *args: Any, **kwargs: Any) -> ModelResponse:
        local = self._model(model)
        try:
            result = await asyncio.to_thread(local.complete, messages, optional_params)
        except LocalModelError as exc:
            raise CustomLLMError(status_code=500, message=str(exc)) from exc
        except ValueError as exc:  # llama.cpp: prompt longer than the context window, bad params
            raise CustomLLMError(status_code=400, message=str(exc)) from exc
        result["model"] = model
        return ModelResponse(**result)

    async def astreaming(self, model: str, messages: list, api_base: str, custom_prompt_dict: dict,
                         model_response: ModelResponse, print_verbose: Any, encoding: Any, api_key: Any,
                         logging_obj: Any, optional_params: dict, *args: Any,
                         **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:
        local = self._model(model)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancelled = threading.Event()
        done = object()

        def produce() -> None:
            try:
                for item in local.stream(messages, optional_params, cancelled):
                    loop.call_soon_threadsafe(queue.put_nowait, item)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, done)

        worker = threading.Thread(target=produce, name="duet-local-stream", daemon=True)
        worker.start()
        finish_reason = "stop"
        try:
            while True:
                item = await queue.get()
                if item is done:
                    break
                if isinstance(item, BaseException):
                    if isinstance(item, LocalModelError):
                        raise CustomLLMError(status_code=500, message=str(item))
                    if isinstance(item, ValueError):
                        raise CustomLLMError(status_code=400, message=str(item))
                    raise item
                if "usage" in item and "choices" not in item:
                    yield GenericStreamingChunk(text="", is_finished=True, finish_reason=finish_reason,
                                                usage=item["usage"], index=0, tool_use=None)
                    continue
                choice = item["choices"][0]
                finish_reason = choice.get("finish_reason") or finish_reason
                text = choice["delta"].get("content") or ""
                if text:
                    yield GenericStreamingChunk(text=text, is_finished=False, finish_reason="",
                                                usage=None, index=0, tool_use=None)
        finally:
            cancelled.set()


_provider = LocalProvider()


@atexit.register
def _close_models() -> None:
    """Free llama.cpp models before interpreter teardown (their finalizers fail once modules are gone)."""
    for model in _provider.models.values():
        if model._llama is not None:
            model._llama.close()
            model._llama = None


def register_local_models(specs: list[ModelSpec]) -> LocalProvider:
    """Register the provider with litellm once per process and add these models to it."""
    for spec in specs:
        if spec.is_local_provider and spec.available:
            _provider.add(spec)
    if not any(item.get("provider") == LOCAL_PROVIDER for item in litellm.custom_provider_map):
        litellm.custom_provider_map = [*litellm.custom_provider_map,
                                       {"provider": LOCAL_PROVIDER, "custom_handler": _provider}]
        litellm._custom_providers = [*getattr(litellm, "_custom_providers", []), LOCAL_PROVIDER]
        from litellm.utils import custom_llm_setup

        custom_llm_setup()
    return _provider


def warm(model: LocalModel) -> float:
    """Load the model now (e.g. at server start) and return the seconds it took."""
    start = time.perf_counter()
    with model.lock:
        model.llama()
    return time.perf_counter() - start
