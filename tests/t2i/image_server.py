"""A real OpenAI-compatible images server on loopback, returning generated PNGs.

Images are deterministic pictures derived from the prompt (colour blobs); `blur` makes a
crude "weaker model" variant. `mode` = ok | error500. Every request body is kept in `received`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.servers import free_port
from tests.t2i.tiny_clip import generated_image


class LoopbackImageServer:
    def __init__(self, blur: int = 0) -> None:
        self.blur = blur
        self.mode = "ok"
        self.received: list[dict[str, Any]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._server = uvicorn.Server(uvicorn.Config(self._app(), host="127.0.0.1", port=self.port,
                                                     log_level="error", access_log=False))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/images/generations")
        async def generations(request: Request) -> Any:
            body = await request.json()
            self.received.append(body)
            if self.mode == "error500":
                return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, status_code=500)
            prompt = str(body.get("prompt", ""))
            seed = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16)
            data = []
            for i in range(int(body.get("n") or 1)):
                buf = io.BytesIO()
                generated_image(seed + i, blur=self.blur).save(buf, format="PNG")
                data.append({"b64_json": base64.b64encode(buf.getvalue()).decode(), "revised_prompt": prompt})
            return {"created": int(time.time()), "data": data}

        return app

    def start(self) -> "LoopbackImageServer":
        self._thread.start()
        deadline = time.time() + 10
        while not self._server.started and time.time() < deadline:
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def __enter__(self) -> "LoopbackImageServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
