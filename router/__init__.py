"""duet's request pipeline and SDK. `from router import Router`."""

import os

# Before litellm is imported anywhere: use its bundled price table, never fetch one; no hub downloads.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__all__ = ["Router"]


def __getattr__(name: str):  # lazy: importing router.config alone should not load litellm
    if name == "Router":
        from router.sdk import Router

        return Router
    raise AttributeError(name)
