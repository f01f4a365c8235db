"""A real OpenAI-compatible images server on loopback, returning generated PNGs.

Images are deterministic pictures derived from the prompt (colour blobs); `blur` makes a
crude "weaker model" variant. `mode` = ok | error500. Every request body is kept in `received`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.servers import LoopbackServer
from tests.t2i.tiny_clip import generated_image


class LoopbackImageServer(LoopbackServer):
    def __init__(self, blur: int = 0) -> None:
        self.blur = blur
        super().__init__()

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
