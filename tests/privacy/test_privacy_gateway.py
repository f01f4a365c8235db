"""Leak tests through the real gateway: canary private values go to a loopback "cloud" upstream that
records every request body; none may arrive there, and the client must get them back restored."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from faker import Faker
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from tests.servers import Gateway, ScriptedUpstream, cloud_model, sse_chat_chunk, write_config


class EchoUpstream(ScriptedUpstream):
    """Answers with the last user message it received (placeholders and all), streamed in 3-character
    chunks so placeholders arrive split across chunks."""

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def chat(request: Request) -> Any:
            body = await request.json()
            self.received.append(body)
            text = "You said: " + str(body["messages"][-1]["content"])
            usage = {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15}
            if not body.get("stream"):
                return {"id": "up", "object": "chat.completion", "created": int(time.time()), "model": "x",
                        "usage": usage, "choices": [{"index": 0, "finish_reason": "stop",
                                                     "message": {"role": "assistant", "content": text}}]}

            async def events() -> Any:
                for i in range(0, len(text), 3):
                    yield sse_chat_chunk(text[i:i + 3])
                    await asyncio.sleep(0)
                yield sse_chat_chunk(None, usage)
                yield "data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")

        return app


def canaries(seed: int) -> tuple[str, list[str]]:
    """A message full of distinct generated private values, and the values themselves."""
    fake = Faker(["en_US", "de_DE", "en_GB"])
    fake.seed_instance(seed)
    name, other = fake["en_US"].name(), fake["en_GB"].name()
    email, card, iban = fake.email(), fake["en_US"].credit_card_number("visa16"), fake["de_DE"].iban()
    phone = "+44 20 7946 " + str(fake.random_int(1000, 9999))
    key = "sk-proj-" + fake.pystr(min_chars=28, max_chars=28)
    project = "Blue Falcon"
    text = (f"My name is {name}. Please email {email} and call {phone}. Pay with card {card} or IBAN {iban}. "
            f"The API key is {key}. Our secret project {project} launches soon; ask {other} for details.")
    return text, [name, other, email, card, iban, phone, key, project]


@pytest.fixture(scope="module")
def upstream() -> EchoUpstream:
    with EchoUpstream() as up:
        yield up


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, upstream: EchoUpstream) -> Gateway:
    home = tmp_path_factory.mktemp("privacy-gw")
    config = write_config(home / "duet.yaml", [cloud_model("cloud", upstream.url)],
                          privacy={"phrases": {"PROJECT": ["Blue Falcon"]}, "allow": ["support@duet.dev"]})
    with Gateway(config, home) as gw:
        yield gw


@pytest.fixture()
def client(gateway: Gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.url + "/v1", api_key="unused", max_retries=0)


def sent(upstream: EchoUpstream, since: int) -> str:
    return json.dumps(upstream.received[since:])


@pytest.mark.parametrize("seed", [1, 2])
def test_canaries_never_reach_the_cloud_and_come_back_restored(client, upstream, seed):
    text, values = canaries(seed)
    before = len(upstream.received)
    reply = client.chat.completions.create(model="cloud", messages=[{"role": "user", "content": text}])
    body = sent(upstream, before)
    assert len(upstream.received) == before + 1
    for value in values:
        assert value not in body, f"{value!r} leaked to the cloud upstream"
    assert "<PERSON_1>" in body and "<EMAIL_1>" in body
    assert reply.choices[0].message.content == "You said: " + text
    meta = reply.model_extra["duet"]["privacy"]
    assert meta["cloud_private_chars"] == 0 and meta["counts"]["CREDIT_CARD"] == 1
    assert not any(v in json.dumps(meta) for v in values)


def test_streaming_restores_placeholders_split_across_chunks(client, upstream):
    text, values = canaries(3)
    before = len(upstream.received)
    stream = client.chat.completions.create(model="cloud", messages=[{"role": "user", "content": text}],
                                            stream=True)
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    body = sent(upstream, before)
    assert not any(v in body for v in values)
    assert "".join(pieces) == "You said: " + text
    assert len(pieces) > 20  # streamed chunk by chunk, not buffered into one


def test_session_keeps_placeholders_across_turns(gateway, upstream):
    fake = Faker()
    fake.seed_instance(11)
    email_a, email_b = fake.email(), fake.email()
    headers = {"x-duet-session": "privacy-session-1"}
    before = len(upstream.received)
    for content in (f"Write to {email_a} and {email_b}", f"Did {email_b} answer before {email_a}?"):
        r = httpx.post(gateway.url + "/v1/chat/completions", headers=headers, timeout=30,
                       json={"model": "cloud", "messages": [{"role": "user", "content": content}]})
        assert r.status_code == 200, r.text
    first, second = (m["messages"][-1]["content"] for m in upstream.received[before:])
    assert first == "Write to <EMAIL_1> and <EMAIL_2>"
    assert second == "Did <EMAIL_2> answer before <EMAIL_1>?"


def test_allow_list_passes_through(client, upstream):
    before = len(upstream.received)
    client.chat.completions.create(model="cloud", messages=[{"role": "user", "content": "Mail support@duet.dev"}])
    assert "support@duet.dev" in sent(upstream, before)


def test_scan_endpoint_calls_no_model(gateway, upstream):
    before = len(upstream.received)
    r = httpx.post(gateway.url + "/v1/privacy/scan", json={"text": "Card 4111 1111 1111 1111, ann@x.org"},
                   timeout=30)
    assert r.status_code == 200, r.text
    assert [s["category"] for s in r.json()["spans"]] == ["CREDIT_CARD", "EMAIL"]
    assert len(upstream.received) == before
    bad = httpx.post(gateway.url + "/v1/privacy/scan", json={"txt": 1}, timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "text"


def test_bad_input_gives_an_answer_or_a_clear_error(gateway, upstream):
    junk = bytes(range(1, 256)).decode("latin-1") * 8
    r = httpx.post(gateway.url + "/v1/chat/completions", timeout=60,
                   json={"model": "cloud", "messages": [{"role": "user", "content": junk + " ann@x.org"}]})
    assert r.status_code == 200, r.text
    assert "ann@x.org" not in sent(upstream, len(upstream.received) - 1)
    nested: Any = "x"
    for _ in range(200):
        nested = {"a": [nested]}
    r = httpx.post(gateway.url + "/v1/chat/completions", timeout=60,
                   json={"model": "cloud", "messages": [{"role": "user", "content": [nested]}]})
    assert r.status_code in (400, 503) and "error" in r.json()


def test_log_has_counts_not_values(gateway, client):
    from router.logstore import LogStore

    text, values = canaries(5)
    reply = client.chat.completions.create(model="cloud", messages=[{"role": "user", "content": text}])
    store = LogStore(Path(gateway.config).parent / "duet.db")
    deadline = time.time() + 10
    while time.time() < deadline:
        rows = store.rows(limit=None, where="id = ?", params=[reply.id])
        if rows:
            break
        time.sleep(0.1)
    row = json.dumps(rows[0], default=str)
    assert rows[0]["privacy"]["counts"]["EMAIL"] == 1
    assert not any(v in row for v in values)
