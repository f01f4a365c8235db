"""Faults, end to end on loopback: an upstream that answers 500, hangs, drops the stream or is down; a local
SLM whose file is broken; the gateway SIGKILLed under load. Every case ends in a fallback or a clear
502/504 within a bounded time (never a hang), and the SQLite log survives a kill intact."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import Gateway, ScriptedUpstream, cloud_model, free_port, write_config

TIMEOUT = 2  # the gateway's per-call upstream timeout in these tests
BOUND = 30  # no request may take longer than this (a hang fails the test)


@pytest.fixture(scope="module")
def primary() -> ScriptedUpstream:
    with ScriptedUpstream("primary says hi") as upstream:
        yield upstream


@pytest.fixture(scope="module")
def backup() -> ScriptedUpstream:
    with ScriptedUpstream("backup says hi") as upstream:
        yield upstream


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, primary: ScriptedUpstream, backup: ScriptedUpstream) -> Gateway:
    home = tmp_path_factory.mktemp("faults")
    broken = home / "broken.gguf"
    broken.write_bytes(b"GGUF" + os.urandom(4096))  # exists, so the config accepts it; llama.cpp cannot load it
    models = [cloud_model("primary", primary.url, price=(1, 2)), cloud_model("backup", backup.url, price=(3, 4)),
              cloud_model("down", f"http://127.0.0.1:{free_port()}/v1", price=(9, 9)),
              {"name": "broken", "model": "duet-local/broken", "gguf": str(broken), "tier": "local",
               "price": {"input": 0, "output": 0}}]
    # max_prompt_tokens 0: every request is "hard", so the ranking is primary, backup, down, broken
    config = write_config(home / "duet.yaml", models, policy={"name": "cost-threshold", "max_prompt_tokens": 0},
                          dispatch={"timeout": TIMEOUT, "retries": 0})
    with Gateway(config, home) as gw:
        yield gw


@pytest.fixture(autouse=True)
def healthy(primary: ScriptedUpstream) -> None:
    primary.mode = "ok"
    yield
    primary.mode = "ok"


def chat(gateway: Gateway, model: str = "auto", stream: bool = False) -> tuple[httpx.Response, float, list[str]]:
    """One request; returns the response, its duration and (when streaming) the SSE data lines."""
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": stream}
    start = time.monotonic()
    with httpx.stream("POST", gateway.url + "/v1/chat/completions", json=body, timeout=BOUND) as response:
        lines: list[str] = []
        if stream and response.status_code == 200:
            lines = [line for line in response.iter_lines() if line.startswith("data: ")]
        else:
            response.read()
    return response, time.monotonic() - start, lines


def text_of(lines: list[str]) -> str:
    import json

    out = []
    for line in lines:
        if line != "data: [DONE]":
            chunk = json.loads(line[6:])
            out += [c.get("delta", {}).get("content") or "" for c in chunk.get("choices", [])]
    return "".join(out)


def test_upstream_500_falls_back_to_the_next_model(gateway: Gateway, primary: ScriptedUpstream) -> None:
    primary.mode = "error500"
    response, _, _ = chat(gateway)
    assert response.status_code == 200
    meta = response.json()["duet"]
    assert meta["model"] == "backup" and meta["fallback"] == [{"model": "primary", "outcome": "upstream_error"}]
    response, _, lines = chat(gateway, stream=True)
    assert response.status_code == 200 and text_of(lines) == "backup says hi" and lines[-1] == "data: [DONE]"


def test_upstream_500_on_a_pinned_model_is_a_clear_502(gateway: Gateway, primary: ScriptedUpstream) -> None:
    primary.mode = "error500"
    for stream in (False, True):
        response, _, _ = chat(gateway, "primary", stream=stream)
        assert response.status_code == 502
        error = response.json()["error"]
        assert error["code"] == "upstream_error" and "HTTP 500" in error["details"][0]["detail"]


def test_upstream_timeout_falls_back_or_is_a_504(gateway: Gateway, primary: ScriptedUpstream) -> None:
    primary.mode = "hang"
    response, took, _ = chat(gateway)
    assert response.status_code == 200 and response.json()["duet"]["model"] == "backup"
    assert response.json()["duet"]["fallback"][0]["outcome"] == "timeout"
    assert took < TIMEOUT + 10
    for stream in (False, True):
        response, took, _ = chat(gateway, "primary", stream=stream)
        assert response.status_code == 504 and response.json()["error"]["code"] == "upstream_timeout"
        assert took < TIMEOUT + 10


def test_stream_dropped_mid_way_ends_with_an_error_event(gateway: Gateway, primary: ScriptedUpstream) -> None:
    primary.mode = "drop_stream"
    response, took, lines = chat(gateway, stream=True)
    assert response.status_code == 200 and took < BOUND
    assert text_of(lines[:-2]).startswith("primary")  # what arrived before the drop was passed on
    assert '"error"' in lines[-2] and "mid-stream" in lines[-2] and lines[-1] == "data: [DONE]"


def test_upstream_down_is_a_clear_502(gateway: Gateway) -> None:
    for stream in (False, True):
        response, took, _ = chat(gateway, "down", stream=stream)
        assert response.status_code == 502 and took < BOUND
        assert response.json()["error"]["details"][0]["error"] == "connection_error"


def test_local_model_that_raises_is_a_clear_error(gateway: Gateway) -> None:
    for stream in (False, True):
        response, took, _ = chat(gateway, "broken", stream=stream)
        assert response.status_code == 502 and took < BOUND
        detail = response.json()["error"]["details"][0]["detail"]
        assert "could not be loaded" in detail and "Traceback" not in response.text


def test_stopped_upstream_falls_back(gateway: Gateway, primary: ScriptedUpstream) -> None:
    primary.stop()  # last test of the module: the primary upstream is gone for good
    response, took, _ = chat(gateway)
    assert response.status_code == 200 and took < BOUND
    assert response.json()["duet"]["fallback"] == [{"model": "primary", "outcome": "connection_error"}]


# the gateway killed under load ------------------------------------------------------------------------------
REQUIRED = ("id", "ts", "endpoint", "outcome", "total_ms", "stream", "prompt_hash", "attempts")


async def _load(url: str, clients: int, seconds: float) -> int:
    """Streaming and plain requests from `clients` tasks until `seconds` pass or the gateway dies."""
    served = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=10, limits=limits) as client:
        async def worker(i: int) -> None:
            nonlocal served
            body = {"model": "auto", "messages": [{"role": "user", "content": f"load {i}"}], "stream": i % 2 == 0}
            while time.monotonic() < deadline:
                try:
                    response = await client.post("/v1/chat/completions", json=body)
                    served += response.status_code == 200
                except httpx.HTTPError:
                    await asyncio.sleep(0.05)

        await asyncio.gather(*(worker(i) for i in range(clients)))
    return served


def test_sigkill_under_load_leaves_an_intact_log(tmp_path: Path, backup: ScriptedUpstream) -> None:
    config = write_config(tmp_path / "duet.yaml", [cloud_model("backup", backup.url)],
                          dispatch={"timeout": 10, "retries": 0})
    db = tmp_path / "duet.db"
    gateway = Gateway(config, tmp_path).start()
    try:
        async def load_then_kill() -> int:
            load = asyncio.create_task(_load(gateway.url, 64, 6.0))
            await asyncio.sleep(2.5)
            assert gateway.proc is not None
            os.kill(gateway.proc.pid, signal.SIGKILL)  # mid-load: requests in flight, rows queued
            return await load

        served = asyncio.run(load_then_kill())
        gateway.proc.wait()
    finally:
        gateway.stop()
    assert served > 0

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("SELECT * FROM requests")]
    assert rows, "some rows were written before the kill"
    for row in rows:
        assert all(row[c] is not None for c in REQUIRED), row
        if row["outcome"] == "ok":
            assert row["model"] == "backup" and row["tier"] == "cloud" and row["prompt_tokens"] == 11, row

    with Gateway(config, tmp_path) as restarted:  # opens the same log and keeps writing to it
        assert chat(restarted)[0].status_code == 200
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0] == len(rows) + 1
