"""Run small numeric work on one thread: torch's intra-op pool and the BLAS library's (numpy's OpenBLAS).

The predictor's tensors and single-prompt encodes are tiny; on the shared 2-core machine torch's
2-thread pool spinning against other processes made them 10-20x slower (measured under load ~10:
a training step 0.37 s vs 0.017 s; a one-prompt MiniLM token encode 460-570 ms vs 41 ms median).
And right after a torch call, a one-query kNN similarity through 2-thread OpenBLAS waited for a
scheduler tick behind torch's spinning OpenMP thread: 4 ms instead of 0.05 ms, every decision.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch

_LOCK = threading.Lock()
_users = 0  # callers inside single_thread(), any thread
_restore: tuple[int, Any] = (1, None)
_BLAS: list[Any] = []


def _blas() -> Any:
    """The process's BLAS thread pools, found once (the scan walks every loaded library; numpy loads first)."""
    if not _BLAS:
        import numpy  # noqa: F401 - its OpenBLAS must be loaded for the scan to find it
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController().select(user_api="blas"))
    return _BLAS[0]


@contextmanager
def single_thread() -> Iterator[None]:
    """Thread counts are process-wide: the first caller in sets them to 1, the last one out restores them.
    The lock covers only that bookkeeping, so a long batch in one thread never blocks a short call in another
    (the gateway's event loop predicts while the embedding thread computes)."""
    global _users, _restore
    with _LOCK:
        if _users == 0:
            pools = _blas()
            limiter = pools.limit(limits=1) if pools.lib_controllers else None
            _restore = (torch.get_num_threads(), limiter)
            torch.set_num_threads(1)
        _users += 1
    try:
        yield
    finally:
        with _LOCK:
            _users -= 1
            if _users == 0:
                threads, limiter = _restore
                torch.set_num_threads(threads)
                if limiter is not None:
                    limiter.restore_original_limits()
