"""Run small torch work on one thread.

The predictor's tensors and single-prompt encodes are tiny; on the shared 2-core machine torch's
2-thread pool spinning against other processes made them 10-20x slower (measured under load ~10:
a training step 0.37 s vs 0.017 s; a one-prompt MiniLM token encode 460-570 ms vs 41 ms median).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

_LOCK = threading.RLock()


@contextmanager
def single_thread() -> Iterator[None]:
    """torch's thread count is process-wide: the lock keeps concurrent users from restoring it wrongly."""
    with _LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)
