"""A near-zero-cost OpenAI chat upstream on raw asyncio: fixed short reply, JSON or SSE (chunked).

Hand-written HTTP/1.1 (keep-alive, Content-Length request bodies) so the upstream costs a few tens of
microseconds per request and the benchmark measures the gateway, not the thing behind it.
Run: python -m eval.bench.upstream --port 9000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

REPLY_WORDS = ["Hello", " from", " the", " bench", " upstream."]
USAGE = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}


def _completion(model: str) -> bytes:
    return json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "".join(REPLY_WORDS)}}],
        "usage": USAGE}).encode()


def _chunk(model: str, delta: dict, finish: str | None = None, usage: dict | None = None) -> bytes:
    body = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if usage:
        body["usage"] = usage
    data = b"data: " + json.dumps(body).encode() + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(data), data)


def _stream_body(model: str) -> bytes:
    parts = [_chunk(model, {"role": "assistant", "content": ""})]
    parts += [_chunk(model, {"content": w}) for w in REPLY_WORDS]
    parts.append(_chunk(model, {}, "stop", USAGE))
    done = b"data: [DONE]\n\n"
    parts.append(b"%x\r\n%s\r\n0\r\n\r\n" % (len(done), done))
    return b"".join(parts)


# Responses depend only on the model name and the stream flag: build each once.
_cache: dict[tuple[str, bool], bytes] = {}


def response_bytes(model: str, stream: bool) -> bytes:
    key = (model, stream)
    if key not in _cache:
        if stream:
            head = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\ncache-control: no-cache\r\n\r\n")
            _cache[key] = head + _stream_body(model)
        else:
            body = _completion(model)
            _cache[key] = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
                           % len(body)) + body
    return _cache[key]


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
MODELS = json.dumps({"object": "list", "data": [{"id": "bench", "object": "model", "owned_by": "bench"}]}).encode()


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            method, path, _ = lines[0].split(b" ", 2)
            length = 0
            for line in lines[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length) if length else b""
            if method == b"POST" and path.endswith(b"/chat/completions"):
                request = json.loads(body or b"{}")
                writer.write(response_bytes(str(request.get("model", "bench")), bool(request.get("stream"))))
            elif method == b"GET" and (path.endswith(b"/models") or path.startswith(b"/health")):
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
                             % len(MODELS) + MODELS)
            else:
                writer.write(NOT_FOUND)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def serve(host: str, port: int) -> None:
    server = await asyncio.start_server(handle, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
