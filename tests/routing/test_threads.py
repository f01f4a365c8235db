"""single_thread(): torch on one thread while anyone is inside, restored when the last one leaves, and a
caller in one thread never waits for a long caller in another (the gateway's loop vs its batch thread).
(torch's OpenMP thread count behaves per OS thread once a thread has set it, so it is read from the
threads themselves.)"""

from __future__ import annotations

import threading

import torch

from policies.threads import single_thread


def test_overlapping_callers_in_two_threads() -> None:
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
        other_done.set()

    long = threading.Thread(target=long_caller)
    long.start()
    assert inside.wait(30)
    short = threading.Thread(target=short_caller)
    short.start()
    assert other_done.wait(30), "the short caller waited for the long one"
    release.set()
    long.join(30)
    short.join(30)
    assert seen == {"long inside": 1, "short inside": 1, "long after": 2}
