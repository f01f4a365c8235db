"""The lean transport: OpenAI-compatible upstreams (`openai/<model>` with an `api_base`: local servers, vLLM,
another gateway) called with one shared httpx pool, the JSON passed through as dicts.

Why: `litellm.acompletion` costs about 4 ms of CPU per call (parameter mapping, pydantic response objects,
logging and cost callbacks in a thread pool, a stream wrapper per chunk); on a 2-core box that caps a gateway
at a few hundred requests per second. For a server that already speaks OpenAI's wire format none of it is
needed. litellm stays for every other provider and for the local SLM. Switch: `dispatch.transport`.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from router.errors import DuetError

OPENAI_PREFIX = "openai/"


class UpstreamHTTPError(DuetError):
    """A failed call to an OpenAI-compatible upstream; `code` is the dispatch error kind."""

    status, type = 502, "upstream_error"

    def __init__(self, kind: str, message: str, http_status: int | None = None) -> None:
        super().__init__(message, code=kind)
        self.http_status = http_status


def uses_lean_transport(model: str, api_base: str | None, transport: str) -> bool:
    return transport == "auto" and model.startswith(OPENAI_PREFIX) and bool(api_base)


def _kind_for_status(status: int) -> str:
    if status in (401, 403):
        return "upstream_auth_error"
    if status == 429:
        return "rate_limited"
    if status in (400, 404, 413, 422):
        return "upstream_bad_request"
    return "upstream_error"


def _kind_for_exception(exc: BaseException) -> str:
    if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError, TimeoutError)):
        return "timeout"
    return "connection_error"


RETRYABLE = ("connection_error", "upstream_error", "rate_limited")


class OpenAIHTTP:
    """One httpx.AsyncClient per event loop (connections belong to the loop that opened them)."""

    def __init__(self, max_connections: int = 1000) -> None:
        self.limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                                   keepalive_expiry=30)
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = \
            weakref.WeakKeyDictionary()

    def client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = httpx.AsyncClient(limits=self.limits, timeout=60.0)
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    @staticmethod
    def _request(api_base: str, api_key: str | None, model: str, messages: list[dict[str, Any]],
                 params: dict[str, Any], stream: bool) -> tuple[str, bytes, dict[str, str]]:
        body: dict[str, Any] = {**params, "model": model[len(OPENAI_PREFIX):], "messages": messages}
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        headers = {"content-type": "application/json", "accept": "application/json"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        return api_base.rstrip("/") + "/chat/completions", orjson.dumps(body), headers

    @staticmethod
    def _timeout(seconds: float) -> httpx.Timeout:
        return httpx.Timeout(seconds, connect=min(seconds, 10.0))

    async def complete(self, api_base: str, api_key: str | None, model: str, messages: list[dict[str, Any]],
                       params: dict[str, Any], timeout: float, retries: int) -> dict[str, Any]:
        url, body, headers = self._request(api_base, api_key, model, messages, params, stream=False)
        for attempt in range(retries + 1):
            try:
                async with asyncio.timeout(timeout):
                    response = await self.client().post(url, content=body, headers=headers,
                                                         timeout=self._timeout(timeout))
            except (httpx.HTTPError, OSError, TimeoutError) as exc:
                error = UpstreamHTTPError(_kind_for_exception(exc), f"{type(exc).__name__}: {exc}")
            else:
                if response.status_code == 200:
                    try:
                        return orjson.loads(response.content)
                    except orjson.JSONDecodeError:
                        error = UpstreamHTTPError("upstream_error", "upstream answered 200 with a body that "
                                                                    "is not JSON")
                else:
                    error = _status_error(response.status_code, response.content)
            if error.kind not in RETRYABLE or attempt == retries:
                raise error
        raise AssertionError("unreachable")

    async def stream(self, api_base: str, api_key: str | None, model: str, messages: list[dict[str, Any]],
                     params: dict[str, Any], timeout: float, retries: int) -> AsyncIterator[dict[str, Any]]:
        """OpenAI chunks as dicts. httpx's read timeout bounds the wait for every piece of the stream."""
        url, body, headers = self._request(api_base, api_key, model, messages, params, stream=True)
        client = self.client()
        for attempt in range(retries + 1):
            request = client.build_request("POST", url, content=body, headers=headers,
                                           timeout=self._timeout(timeout))
            try:
                async with asyncio.timeout(timeout):
                    response = await client.send(request, stream=True)
            except (httpx.HTTPError, OSError, TimeoutError) as exc:
                error = UpstreamHTTPError(_kind_for_exception(exc), f"{type(exc).__name__}: {exc}")
            else:
                if response.status_code == 200:
                    break
                content = await response.aread()
                await response.aclose()
                error = _status_error(response.status_code, content)
            if error.kind not in RETRYABLE or attempt == retries:
                raise error
        done = False
        try:
            async for line in response.aiter_lines():  # read to the end, so the connection goes back to the pool
                if done or not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    done = True
                    continue
                chunk = orjson.loads(data)
                if isinstance(chunk, dict) and "error" in chunk and not chunk.get("choices"):
                    message = (chunk["error"] or {}).get("message") if isinstance(chunk["error"], dict) else None
                    raise UpstreamHTTPError("upstream_error", f"upstream error in stream: {message or chunk['error']}")
                yield chunk
        except httpx.HTTPError as exc:
            raise UpstreamHTTPError(_kind_for_exception(exc), f"{type(exc).__name__}: {exc}") from exc
        except orjson.JSONDecodeError as exc:
            raise UpstreamHTTPError("upstream_error", "upstream sent a stream event that is not JSON") from exc
        finally:
            await response.aclose()


def _status_error(status: int, content: bytes) -> UpstreamHTTPError:
    message = ""
    try:
        payload = orjson.loads(content)
        if isinstance(payload, dict):
            error = payload.get("error")
            message = (error.get("message") if isinstance(error, dict) else str(error or "")) or ""
    except orjson.JSONDecodeError:
        message = content[:200].decode(errors="replace")
    return UpstreamHTTPError(_kind_for_status(status), f"upstream answered HTTP {status}: {message}"[:300], status)
