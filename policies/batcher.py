"""Gather concurrent single-item awaits into batched calls in one worker thread, without a timer.

A gateway routes many requests at once, each needing one query embedding. Items that arrive while a
batch is being computed wait and go out together in the next batch; a lone request on an idle batcher
goes at once, so one client sees no added latency. The event loop never blocks: the batch function
runs in the batcher's own thread (one: the model behind it is used serially anyway).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class _Queue:
    """Per event loop: what waits for the next batch, and whether a drain task is running."""

    def __init__(self) -> None:
        self.pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self.draining = False


class Batcher(Generic[In, Out]):
    """`await batcher(item)` returns `batch_fn([..., item, ...])[i]`; batches of at most `max_batch`."""

    def __init__(self, batch_fn: Callable[[list[In]], Sequence[Out]], max_batch: int = 32,
                 name: str = "duet-batch") -> None:
        self._batch_fn = batch_fn
        self._max_batch = max_batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()
        self.batches = 0  # counters for benchmarks and tests
        self.items = 0

    async def __call__(self, item: In) -> Out:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue()
        future: asyncio.Future[Out] = loop.create_future()
        queue.pending.append((item, future))
        if not queue.draining:
            queue.draining = True
            loop.create_task(self._drain(loop, queue))
        return await future

    async def _drain(self, loop: asyncio.AbstractEventLoop, queue: _Queue) -> None:
        try:
            while queue.pending:
                batch = queue.pending[:self._max_batch]
                del queue.pending[:self._max_batch]
                try:
                    results = await loop.run_in_executor(self._executor, self._run, [item for item, _ in batch])
                except Exception as exc:  # every caller of the failed batch sees the error, nobody else
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results):
                    if not future.done():  # the caller may have been cancelled meanwhile
                        future.set_result(result)
        finally:
            queue.draining = False

    def _run(self, items: list[In]) -> list[Out]:
        results = list(self._batch_fn(items))
        if len(results) != len(items):
            raise RuntimeError(f"batch function returned {len(results)} results for {len(items)} items")
        self.batches += 1
        self.items += len(items)
        return results
