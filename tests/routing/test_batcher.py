"""The query batcher: concurrent awaits go out in shared batches, each caller gets its own result, a
failing batch fails only its own callers, the loop keeps running meanwhile, and the real encoder's
batched queries equal one-by-one ones (fp32) or come close (the int8 copy)."""

from __future__ import annotations

import asyncio
import time

import numpy as np

from policies.batcher import Batcher


def slow_square(batch: list[int]) -> list[int]:
    time.sleep(0.02)  # long enough that other callers arrive while a batch runs
    return [x * x for x in batch]


async def test_concurrent_awaits_share_batches_and_get_their_own_results() -> None:
    batcher = Batcher(slow_square, max_batch=8)
    results = await asyncio.gather(*(batcher(x) for x in range(100)))
    assert results == [x * x for x in range(100)]
    assert batcher.items == 100 and batcher.batches == 13  # 100 items arrive at once: ceil(100 / 8) batches


async def test_a_lone_call_goes_at_once_and_the_loop_is_free_while_a_batch_runs() -> None:
    batcher = Batcher(slow_square)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    start = time.perf_counter()
    assert await batcher(7) == 49
    elapsed = time.perf_counter() - start
    task.cancel()
    assert (batcher.batches, batcher.items) == (1, 1)
    assert ticks >= 3  # the 20 ms batch ran in the batcher's thread, not on the loop
    assert elapsed < 1.0


async def test_a_failing_batch_raises_in_its_callers_and_the_batcher_keeps_working() -> None:
    def fragile(batch: list[int]) -> list[int]:
        time.sleep(0.01)
        if any(x < 0 for x in batch):
            raise ValueError("negative input")
        return [x + 1 for x in batch]

    batcher = Batcher(fragile, max_batch=4)
    first = asyncio.gather(*(batcher(x) for x in (1, 2, 3, 4)), return_exceptions=True)
    await asyncio.sleep(0)
    second = asyncio.gather(*(batcher(x) for x in (5, -1, 6)), return_exceptions=True)
    assert await first == [2, 3, 4, 5]
    outcomes = await second
    assert all(isinstance(o, ValueError) for o in outcomes)
    assert await batcher(9) == 10


async def test_encoder_queries_match_plain_encodes() -> None:
    from policies.encoder import shared_encoder

    encoder = shared_encoder()
    texts = [f"question number {i}: how do I sort a list of {i} items?" for i in range(24)]
    expected = encoder.encode(texts)
    exact = np.stack(await asyncio.gather(*(encoder.aencode_query(t, quantized=False) for t in texts)))
    int8 = np.stack(await asyncio.gather(*(encoder.aencode_query(t) for t in texts)))
    assert np.allclose(exact, expected, atol=1e-5)
    cosine = (int8 * expected).sum(axis=1)
    assert cosine.min() > 0.95 and not np.allclose(int8, expected, atol=1e-3)  # close, and really the int8 copy
    lone = encoder.encode_query("a question nobody asked before", quantized=False)
    assert np.allclose(lone, encoder.encode(["a question nobody asked before"])[0], atol=1e-5)
    assert np.array_equal(encoder.encode_query(texts[3]), int8[3])  # from the recent-query memory
    assert all(model.traced is not None for model in encoder._query_models.values())  # MiniLM traces


def test_a_pipeline_it_cannot_trace_serves_eagerly() -> None:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Pooling

    from policies.encoder import shared_encoder
    from policies.query_model import QueryModel

    base = shared_encoder()._model
    pipeline = SentenceTransformer(modules=[base[0], Pooling(384, pooling_mode="cls")], device="cpu")
    eager = QueryModel(pipeline, quantized=False)
    assert eager.traced is None
    texts = ["how do I sort a list?", "what is the capital of France"]
    expected = pipeline.encode(texts, normalize_embeddings=True)
    assert np.allclose(eager(texts), expected, atol=1e-5)
