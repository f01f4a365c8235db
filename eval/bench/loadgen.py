"""The load generator: C keep-alive HTTP/1.1 connections on raw asyncio sockets (uvloop when present),
each sending a pre-encoded request back to back. One process, no HTTP library, no JSON parsing on
the hot path, so on 2 cores it costs tens of microseconds per request and does not distort the result.
If the body contains the marker @@@@@@@@ (eight @), every request replaces it with its own zero-padded
number, so no two prompts are equal and no cache on the path (ours or anyone's) answers from memory.

Run: python -m eval.bench.loadgen --url http://127.0.0.1:8000/v1/chat/completions --body-file body.json \
         --concurrency 10 --requests 500 [--warmup 50] [--duration 60] [--header 'authorization: Bearer x']
Prints one JSON object: per-request (total_ms, ttfb_ms) of the measured phase, errors, wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

MARKER = b"@" * 8


@dataclass
class Result:
    total_ms: list[float] = field(default_factory=list)
    ttfb_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    served: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def build_request(url: str, body: bytes, headers: list[str]) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head = [f"POST {parts.path or '/'} HTTP/1.1", f"host: {host}:{port}", "content-type: application/json",
            f"content-length: {len(body)}", "accept: */*", *headers]
    return host, port, ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader, start: float) -> tuple[int, float, bytes, bool]:
    """(status, ttfb seconds after start, body, keep_alive). TTFB is the first body byte's arrival."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, keep_alive = None, False, True
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            keep_alive = False
    ttfb = None
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            data = (await reader.readexactly(size + 2))[:-2]
            if ttfb is None and data.strip():
                ttfb = time.perf_counter() - start
            parts.append(data)
        body = b"".join(parts)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body, keep_alive = await reader.read(), False
    return status, (ttfb if ttfb is not None else time.perf_counter() - start), body, keep_alive


def body_ok(body: bytes, stream: bool) -> bool:
    if stream:
        return b"[DONE]" in body and b'"error"' not in body
    return b'"choices"' in body


class Requests:
    """The request bytes, numbered when the body carries the marker (same length, so content-length holds)."""

    def __init__(self, request: bytes) -> None:
        head, found, tail = request.partition(MARKER)
        self.parts = (head, tail) if found else None
        self.request = request
        self.counter = itertools.count(random.randrange(10**8))  # runs do not repeat each other's numbers

    def next(self) -> bytes:
        if self.parts is None:
            return self.request
        return b"%s%08d%s" % (self.parts[0], next(self.counter) % 10**8, self.parts[1])


class Worker:
    def __init__(self, host: str, port: int, requests: Requests, stream: bool, timeout: float) -> None:
        self.host, self.port, self.requests, self.stream, self.timeout = host, port, requests, stream, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def _drop(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def one(self, result: Result | None) -> None:
        start = time.perf_counter()
        try:
            if self.writer is None:
                await self._connect()
            assert self.reader is not None and self.writer is not None
            self.writer.write(self.requests.next())
            status, ttfb, body, keep_alive = await asyncio.wait_for(read_response(self.reader, start), self.timeout)
        except asyncio.TimeoutError:
            self._drop()
            if result is not None:
                result.error("timeout")
            return
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            self._drop()
            if result is not None:
                result.error(type(exc).__name__)
            return
        total = time.perf_counter() - start
        if not keep_alive:
            self._drop()
        if result is None:
            return
        if status != 200:
            result.error(f"http_{status}")
        elif not body_ok(body, self.stream):
            result.error("bad_body")
        else:
            result.served += 1
            result.total_ms.append(total * 1000)
            result.ttfb_ms.append(ttfb * 1000)


async def run(url: str, body: bytes, concurrency: int, requests: int, warmup: int, duration: float | None,
              headers: list[str], timeout: float) -> dict[str, Any]:
    host, port, request = build_request(url, body, headers)
    stream = bool(json.loads(body).get("stream"))
    numbered = Requests(request)
    workers = [Worker(host, port, numbered, stream, timeout) for _ in range(concurrency)]
    warm = iter(range(warmup))

    async def warm_one(worker: Worker) -> None:
        for _ in warm:
            await worker.one(None)

    await asyncio.gather(*(warm_one(w) for w in workers))
    result = Result()
    todo = iter(range(requests))
    start = time.perf_counter()
    deadline = start + duration if duration else None

    async def measure(worker: Worker) -> None:
        if deadline is not None:
            while time.perf_counter() < deadline:
                await worker.one(result)
            return
        for _ in todo:
            await worker.one(result)

    await asyncio.gather(*(measure(w) for w in workers))
    wall = time.perf_counter() - start
    for worker in workers:
        worker._drop()
    return {"concurrency": concurrency, "wall_s": wall, "served": result.served, "errors": result.errors,
            "total_ms": result.total_ms, "ttfb_ms": result.ttfb_ms, "stream": stream}


def run_loop(coro: Any) -> Any:
    """uvloop when installed (lighter per request), else asyncio's default loop."""
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--body-file", required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--duration", type=float, default=None, help="seconds; overrides --requests")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    with open(args.body_file, "rb") as fh:
        body = fh.read()
    out = run_loop(run(args.url, body, args.concurrency, args.requests, args.warmup, args.duration,
                       args.header, args.timeout))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
