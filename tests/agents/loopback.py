"""A real OpenAI-compatible HTTP upstream on loopback that records every request it receives.

The cloud side of the agents is played by this server, so tests can check what actually crossed
the wire (not what the agent believes it sent). It answers with a `responder` given by the test:
the real SmolLM2, or a fixed behaviour such as "always ask for more context".
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request

Responder = Callable[[dict[str, Any]], dict[str, Any]]


def completion(content: str | None = None, tool_call: tuple[str, str] | None = None,
               prompt_tokens: int = 0, completion_tokens: int = 0) -> dict[str, Any]:
    """An OpenAI chat.completion dict with text or one tool call."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_call:
        message["tool_calls"] = [{"id": "call_0", "type": "function",
                                  "function": {"name": tool_call[0], "arguments": tool_call[1]}}]
    return {"id": "chatcmpl-loopback", "object": "chat.completion", "created": int(time.time()), "model": "loopback",
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tool_call else "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


class RecordingUpstream:
    """Run with `with RecordingUpstream(responder) as upstream:`; `upstream.requests` holds the bodies."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(request: Request) -> dict[str, Any]:
            body = await request.json()
            self.requests.append(body)
            return self.responder(body)

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> RecordingUpstream:
        self._thread.start()
        deadline = time.time() + 10
        while not self._server.started:
            if time.time() > deadline:
                raise RuntimeError("loopback upstream did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


def http_call(base_url: str):
    """`call(role, messages, **params)` that posts to an OpenAI-compatible server, model = role."""

    async def call(role: str, messages: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=120) as client:
            response = await client.post(f"{base_url}/chat/completions",
                                         json={"model": role, "messages": messages, **params})
            response.raise_for_status()
            return response.json()

    return call
