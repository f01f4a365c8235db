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
from contextlib import ExitStack, contextmanager
from typing import Any

import torch

_LOCK = threading.RLock()


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
    """Thread counts are process-wide: the lock keeps concurrent users from restoring them wrongly."""
    with _LOCK, ExitStack() as stack:
        pools = _blas()
        if pools.lib_controllers:
            stack.enter_context(pools.limit(limits=1))
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)
