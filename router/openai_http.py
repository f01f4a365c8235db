"""The lean transport: OpenAI-compatible upstreams (`openai/<model>` with an `api_base`: local servers, vLLM,
another gateway) called over one shared aiohttp connection pool, the JSON passed through as dicts.

Why: `litellm.acompletion` costs about 4 ms of CPU per call (parameter mapping, pydantic response objects,
logging and cost callbacks in a thread pool, a stream wrapper per chunk); on a 2-core box that caps a gateway
at a few hundred requests per second. For a server that already speaks OpenAI's wire format none of it is
needed. Why aiohttp rather than httpx: measured on this machine against the same loopback upstream,
httpx.AsyncClient costs ~0.7 ms of CPU per request and aiohttp ~0.1 ms. litellm stays for every other
provider and for the local SLM. Switch: `dispatch.transport` in the config.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
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
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):  # aiohttp's timeouts are TimeoutErrors too
        return "timeout"
    return "connection_error"


def _failure(exc: BaseException) -> UpstreamHTTPError:
    return UpstreamHTTPError(_kind_for_exception(exc), f"{type(exc).__name__}: {exc}".rstrip(": "))


RETRYABLE = ("connection_error", "upstream_error", "rate_limited")
NETWORK_ERRORS = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


class OpenAIHTTP:
    """One aiohttp session per event loop (connections belong to the loop that opened them)."""

    def __init__(self, max_connections: int = 1000) -> None:
        self.max_connections = max_connections
        self._sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = \
            weakref.WeakKeyDictionary()

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=self.max_connections, keepalive_timeout=30, ttl_dns_cache=300)
            session = aiohttp.ClientSession(connector=connector, json_serialize=lambda o: orjson.dumps(o).decode(),
                                            auto_decompress=True, trust_env=False)
            self._sessions[loop] = session
        return session

    async def aclose(self) -> None:
        """Close this loop's pool (the gateway calls it on shutdown)."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()

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
    def _timeout(seconds: float) -> aiohttp.ClientTimeout:
        """sock_read bounds every wait for bytes, so a stream that stalls mid-way ends too."""
        return aiohttp.ClientTimeout(total=None, sock_connect=min(seconds, 10.0), sock_read=seconds)

    async def complete(self, api_base: str, api_key: str | None, model: str, messages: list[dict[str, Any]],
                       params: dict[str, Any], timeout: float, retries: int) -> dict[str, Any]:
        url, body, headers = self._request(api_base, api_key, model, messages, params, stream=False)
        for attempt in range(retries + 1):
            try:
                async with asyncio.timeout(timeout):
                    async with self.session().post(url, data=body, headers=headers,
                                                   timeout=self._timeout(timeout)) as response:
                        status, content = response.status, await response.read()
            except NETWORK_ERRORS as exc:
                error = _failure(exc)
            else:
                if status == 200:
                    try:
                        return orjson.loads(content)
                    except orjson.JSONDecodeError:
                        error = UpstreamHTTPError("upstream_error", "upstream answered 200 with a body that "
                                                                    "is not JSON")
                else:
                    error = _status_error(status, content)
            if error.kind not in RETRYABLE or attempt == retries:
                raise error
        raise AssertionError("unreachable")

    async def stream(self, api_base: str, api_key: str | None, model: str, messages: list[dict[str, Any]],
                     params: dict[str, Any], timeout: float, retries: int) -> AsyncIterator[dict[str, Any]]:
        """OpenAI chunks as dicts. The socket read timeout bounds the wait for every piece of the stream."""
        url, body, headers = self._request(api_base, api_key, model, messages, params, stream=True)
        session = self.session()
        for attempt in range(retries + 1):
            try:
                async with asyncio.timeout(timeout):
                    response = await session.post(url, data=body, headers=headers, timeout=self._timeout(timeout))
            except NETWORK_ERRORS as exc:
                error = _failure(exc)
            else:
                if response.status == 200:
                    break
                try:
                    content = await response.read()
                except NETWORK_ERRORS:
                    content = b""
                response.release()
                error = _status_error(response.status, content)
            if error.kind not in RETRYABLE or attempt == retries:
                raise error
        done = False
        buffer = b""
        try:
            # Our own line splitting: aiohttp's line iterator refuses lines over 128 kB (one big chunk can be).
            async for data in response.content.iter_any():  # to the end, so the connection returns to the pool
                if done:
                    continue
                buffer += data
                if b"\n" not in data:
                    continue
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if done or not line.startswith(b"data:"):
                        continue
                    payload = line[5:].strip()
                    if payload == b"[DONE]":
                        done = True
                        continue
                    yield _chunk(payload)
            if not done and buffer.startswith(b"data:") and buffer[5:].strip() not in (b"", b"[DONE]"):
                yield _chunk(buffer[5:].strip())
        except NETWORK_ERRORS as exc:
            raise _failure(exc) from exc
        except orjson.JSONDecodeError as exc:
            raise UpstreamHTTPError("upstream_error", "upstream sent a stream event that is not JSON") from exc
        finally:
            response.release()


def _chunk(payload: bytes) -> dict[str, Any]:
    chunk = orjson.loads(payload)
    if isinstance(chunk, dict) and "error" in chunk and not chunk.get("choices"):
        error = chunk["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise UpstreamHTTPError("upstream_error", f"upstream error in stream: {message}")
    return chunk


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
