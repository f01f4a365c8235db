"""`POST /v1/privacy/scan`: the private spans in a text, found locally, without calling any model."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from fastapi import APIRouter, Request

from router import Router
from router.errors import InvalidRequest
from router.privacy_stage import Scanner, load_settings

SCAN_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}}}}}


def build(router: Router) -> APIRouter:
    api = APIRouter()
    scanner: list[Scanner] = []  # built on first use: the gateway starts without loading the NER model twice

    @api.post("/v1/privacy/scan", openapi_extra=SCAN_SCHEMA)
    async def scan(request: Request) -> dict[str, Any]:
        from service.app import read_json

        body = await read_json(request, router.config.max_body_bytes)
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise InvalidRequest("body must be a JSON object with a string 'text'", param="text")
        if not scanner:
            scanner.append(Scanner(load_settings(router.config)))
        spans = await asyncio.to_thread(scanner[0].scan, body["text"])
        return {"object": "privacy.scan", "spans": spans,
                "counts": dict(Counter(s["category"] for s in spans)),
                "private_chars": sum(s["end"] - s["start"] for s in spans)}

    return api
