"""The floor for a Python gateway: FastAPI + one shared httpx.AsyncClient that forwards the body as is.

The pool is sized for the benchmark's concurrency (httpx's default of 100 connections / 20 keep-alive
degrades badly at 50 clients). Run: python -m eval.bench.forwarder --port 9001 --upstream http://127.0.0.1:9000
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse


def create_app(upstream: str) -> FastAPI:
    client: httpx.AsyncClient | None = None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal client
        limits = httpx.Limits(max_connections=512, max_keepalive_connections=512, keepalive_expiry=60)
        client = httpx.AsyncClient(base_url=upstream, limits=limits, timeout=60)
        yield
        await client.aclose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        assert client is not None
        body = await request.body()
        upstream_request = client.build_request("POST", "/v1/chat/completions", content=body,
                                                headers={"content-type": "application/json"})
        response = await client.send(upstream_request, stream=True)
        if b'"stream":true' in body.replace(b" ", b""):
            async def relay() -> AsyncIterator[bytes]:
                try:
                    async for part in response.aiter_raw():
                        yield part
                finally:
                    await response.aclose()

            return StreamingResponse(relay(), status_code=response.status_code, media_type="text/event-stream")
        content = await response.aread()
        return Response(content, status_code=response.status_code, media_type="application/json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(args.upstream), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
