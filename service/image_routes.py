"""`POST /v1/images/generations` in OpenAI's wire format, over `Router.images` (router/images.py).

Errors are DuetErrors, turned into OpenAI error JSON by the app's handlers; the image router
writes one log row per request, including refused ones.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

IMAGE_REQUEST_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["prompt"],
    "properties": {"prompt": {"type": "string", "minLength": 1, "maxLength": 4000},
                   "model": {"type": "string", "default": "auto"},
                   "n": {"type": "integer", "minimum": 1, "maximum": 4, "default": 1},
                   "size": {"type": "string", "pattern": "^[0-9]{2,4}x[0-9]{2,4}$"},
                   "response_format": {"type": "string", "enum": ["b64_json", "url"]},
                   "user": {"type": "string"}}}}}}}


def image_routes(router: Any) -> APIRouter:
    api = APIRouter()

    @api.post("/v1/images/generations", openapi_extra=IMAGE_REQUEST_SCHEMA)
    async def generations(request: Request) -> Response:
        from service.app import read_json

        try:
            body = await read_json(request, router.config.max_body_bytes)
        except Exception as exc:
            router.log_rejected("images.generations", getattr(exc, "kind", "invalid_request"), str(exc))
            raise
        payload = await router.images.generate(body)
        headers = {"x-duet-request-id": payload["duet"]["id"], "x-duet-model": payload["duet"]["model"],
                   "x-duet-policy": "routet2i"}
        return Response(orjson.dumps(payload), media_type="application/json", headers=headers)

    return api
