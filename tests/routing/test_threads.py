"""single_thread(): one thread for torch and BLAS while anyone is inside, restored when the last one leaves,
and a caller in one thread never waits for a long caller in another (the gateway's loop vs its batch thread).
(torch's OpenMP thread count behaves per OS thread once a thread has set it, so torch is checked from the
threads themselves; OpenBLAS's count is process-wide.)"""

from __future__ import annotations

import threading

import numpy as np  # noqa: F401 - loads OpenBLAS, which single_thread() limits
import torch
from threadpoolctl import threadpool_info

from policies.threads import single_thread


def blas_threads() -> int:
    return min(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


def test_overlapping_callers_in_two_threads() -> None:
    blas_before = blas_threads()
    inside, release, other_done = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def long_caller() -> None:
        torch.set_num_threads(2)
        with single_thread():
            seen["long inside"] = torch.get_num_threads()
            inside.set()
            release.wait(30)
        seen["long after"] = torch.get_num_threads()

    def short_caller() -> None:
        with single_thread():
            seen["short inside"] = torch.get_num_threads()
            seen["blas inside"] = blas_threads()
        other_done.set()

    long = threading.Thread(target=long_caller)
    long.start()
    assert inside.wait(30)
    short = threading.Thread(target=short_caller)
    short.start()
    assert other_done.wait(30), "the short caller waited for the long one"
    assert blas_threads() == 1  # the long caller is still inside
    release.set()
    long.join(30)
    short.join(30)
    assert seen == {"long inside": 1, "short inside": 1, "blas inside": 1, "long after": 2}
    assert blas_threads() == blas_before
