"""Run small torch work on one thread.

The predictor's tensors and single-prompt encodes are tiny; on the shared 2-core machine torch's
2-thread pool spinning against other processes made them 10-20x slower (measured under load ~10:
a training step 0.37 s vs 0.017 s; a one-prompt MiniLM token encode 460-570 ms vs 41 ms median).
And right after a torch call, a one-query kNN similarity through numpy's 2-thread OpenBLAS waited for a
scheduler tick behind torch's spinning OpenMP thread: 4 ms instead of 0.05 ms, every decision. So serving
predictions do their matrix work in torch, inside single_thread(). (numpy's OpenBLAS pool is process-wide
and threadpoolctl lets only one Python thread at a time change it, so it cannot be limited per call.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

_LOCK = threading.Lock()
_users = 0  # callers inside single_thread(), any thread
_restore = 1


@contextmanager
def single_thread() -> Iterator[None]:
    """The first caller in sets torch to one thread, the last one out restores it. The lock covers only that
    bookkeeping, so a long batch in one thread never blocks a short call in another (the gateway's event
    loop predicts while the embedding thread computes)."""
    global _users, _restore
    with _LOCK:
        if _users == 0:
            _restore = torch.get_num_threads()
            torch.set_num_threads(1)
        _users += 1
    try:
        yield
    finally:
        with _LOCK:
            _users -= 1
            if _users == 0:
                torch.set_num_threads(_restore)
