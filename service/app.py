"""The OpenAI-compatible HTTP gateway: a thin layer that turns HTTP into Router calls and errors into
OpenAI's error JSON. No client input can produce a stack trace or a 500 with internals."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from router import Router
from router.errors import AuthenticationError, DuetError, InvalidRequest, NotFound, PayloadTooLarge
from router.schema import ChatRequest
from service.image_routes import image_routes
from service import privacy_routes

log = logging.getLogger("duet.gateway")

OPEN_PATHS = {"/healthz", "/docs", "/openapi.json"}


def error_response(error: DuetError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error.to_dict(), status_code=error.status, headers=headers)


def json_response(payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json", headers=headers)


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON, refusing more than `limit` bytes (413) and anything that is not JSON (400)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is larger than {limit} bytes")
    body = bytearray()
    async for part in request.stream():
        body.extend(part)
        if len(body) > limit:
            raise PayloadTooLarge(f"request body is larger than {limit} bytes")
    if not body:
        raise InvalidRequest("request body is empty; expected JSON")
    try:
        return orjson.loads(bytes(body))
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"request body is not valid JSON (UTF-8): {exc}") from None


def _schema(model: type) -> dict[str, Any]:
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": model.model_json_schema()}}}}


FEEDBACK_SCHEMA = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["request_id", "score"],
    "properties": {"request_id": {"type": "string"}, "score": {"type": "number", "minimum": 0, "maximum": 1},
                   "source": {"type": "string", "enum": ["user", "judge", "label"]},
                   "comment": {"type": "string"}}}}}}}


class BearerAuth:
    """API-key check as plain ASGI middleware: `@app.middleware("http")` (BaseHTTPMiddleware) runs every
    request through an extra task group and memory streams, which py-spy showed as a visible CPU share."""

    def __init__(self, app: Any, router: Router, keys: list[str]) -> None:
        self.app, self.router, self.keys = app, router, [k.encode() for k in keys]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        token = header[7:].strip() if header[:7].lower() == b"bearer " else b""
        if any(hmac.compare_digest(token, key) for key in self.keys):
            return await self.app(scope, receive, send)
        error = AuthenticationError("missing or invalid API key (send 'Authorization: Bearer <key>')")
        self.router.log_rejected(scope["path"], error.kind, error.message)
        await error_response(error, {"WWW-Authenticate": "Bearer"})(scope, receive, send)


def create_app(router: Router) -> FastAPI:
    config = router.config

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await router.dispatcher.http.aclose()
        router.close()

    app = FastAPI(title="duet gateway", version="0.1.0", lifespan=lifespan)
    app.state.router = router

    if config.api_keys:
        app.add_middleware(BearerAuth, router=router, keys=list(config.api_keys))

    @app.exception_handler(DuetError)
    async def duet_error(request: Request, exc: DuetError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(InvalidRequest(str(exc.errors()[0].get("msg", "invalid request"))))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = NotFound if exc.status_code == 404 else DuetError
        error = kind(str(exc.detail))
        error.status = exc.status_code
        if exc.status_code == 405:
            error.type, error.code = "invalid_request_error", "method_not_allowed"
        return error_response(error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(DuetError("internal error; see the gateway log"))

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "models": sum(1 for m in config.models.values() if m.available)}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        data = [{"id": "auto", "object": "model", "created": 0, "owned_by": "duet",
                 "duet": {"policy": config.policy.get("name"), "available": True}}]
        for m in router.models():
            data.append({"id": m["name"], "object": "model", "created": 0, "owned_by": m["tier"], "duet": m})
        return {"object": "list", "data": data}

    @app.post("/v1/chat/completions", openapi_extra=_schema(ChatRequest))
    async def chat_completions(request: Request) -> Response:
        try:
            body = await read_json(request, config.max_body_bytes)
            ctx = router.context(body)
        except DuetError as exc:
            router.log_rejected("chat.completions", exc.kind, exc.message)
            raise
        session = request.headers.get("x-duet-session")
        if session and not ctx.options.session_id:
            ctx.options.session_id = session[:256]
        if not ctx.stream:
            payload = await router.run(ctx)
            return json_response(payload, _headers(ctx))
        chunks = await router.open_stream(ctx)
        return StreamingResponse(_sse(chunks), media_type="text/event-stream", headers=_headers(ctx))

    app.include_router(privacy_routes.build(router))

    @app.post("/v1/feedback", openapi_extra=FEEDBACK_SCHEMA)
    async def feedback(request: Request) -> dict[str, Any]:
        body = await read_json(request, 64 * 1024)
        if not isinstance(body, dict):
            raise InvalidRequest("body must be a JSON object")
        request_id = body.get("request_id") or body.get("id")
        score = body.get("score")
        if not isinstance(request_id, str) or not isinstance(score, (int, float)) or isinstance(score, bool):
            raise InvalidRequest("need 'request_id' (string) and 'score' (number in [0, 1])")
        comment = body.get("comment")
        try:
            feedback_id = router.feedback(request_id, float(score), str(body.get("source", "user")),
                                          str(comment) if comment is not None else None)
        except KeyError:
            raise NotFound(f"no request with id {request_id!r}", param="request_id") from None
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        return {"object": "feedback", "id": feedback_id, "request_id": request_id, "score": float(score)}

    app.include_router(image_routes(router))
    return app


def _headers(ctx: Any) -> dict[str, str]:
    headers = {"x-duet-request-id": ctx.request_id}
    if ctx.served_by:
        headers["x-duet-model"] = ctx.served_by
    if ctx.decision is not None:
        headers["x-duet-policy"] = ctx.decision.policy
    return headers


async def _sse(chunks: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield b"data: " + orjson.dumps(chunk) + b"\n\n"
    except DuetError as exc:  # the stream had started: tell the client in-band, as OpenAI does
        yield b"data: " + json.dumps(exc.to_dict()).encode() + b"\n\n"
    except Exception:  # noqa: BLE001 - never a stack trace to the client
        log.exception("stream failed")
        yield b"data: " + json.dumps(DuetError("internal error during streaming").to_dict()).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"
