"""Every error code from real bad requests, in OpenAI's error shape, never a stack trace; every
request (also a refused one) leaves a log row."""

from __future__ import annotations

import httpx
import pytest

from tests.servers import Gateway, ScriptedUpstream, cloud_model, local_model, write_config
from tests.test_gateway import store_of, wait_rows

KEY = "sk-duet-test-key"


@pytest.fixture(scope="module")
def flaky() -> ScriptedUpstream:
    with ScriptedUpstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, flaky: ScriptedUpstream) -> Gateway:
    home = tmp_path_factory.mktemp("errors")
    config = write_config(home / "duet.yaml", [local_model(max_tokens=4), cloud_model("flaky", flaky.url)],
                          server={"api_keys": [KEY], "max_body_bytes": 20_000},
                          dispatch={"timeout": 6, "retries": 0})  # a 500 must not be mistaken for a timeout under load
    with Gateway(config, home) as gw:
        yield gw


def post(gateway: Gateway, body: object = None, content: bytes | None = None, key: str | None = KEY,
         path: str = "/v1/chat/completions") -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if content is not None:
        headers["content-type"] = "application/json"
        return httpx.post(gateway.url + path, content=content, headers=headers, timeout=30)
    return httpx.post(gateway.url + path, json=body, headers=headers, timeout=30)


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"] and error["type"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code:
        assert error["code"] == code
    return error


HELLO = {"model": "smollm2", "messages": [{"role": "user", "content": "hi"}]}


def test_401_without_or_with_a_wrong_key(gateway: Gateway) -> None:
    assert_error(post(gateway, HELLO, key=None), 401, "invalid_api_key")
    assert_error(post(gateway, HELLO, key="sk-wrong"), 401, "invalid_api_key")
    assert post(gateway, HELLO).status_code == 200
    assert httpx.get(gateway.url + "/healthz").status_code == 200  # health needs no key


def test_400_for_invalid_json_and_schema(gateway: Gateway) -> None:
    assert_error(post(gateway, content=b"{not json"), 400, "invalid_request")
    assert_error(post(gateway, content=b"\xff\xfe\x00garbage"), 400, "invalid_request")
    assert_error(post(gateway, content=b""), 400)
    assert_error(post(gateway, [1, 2, 3]), 400)
    assert_error(post(gateway, {"model": "smollm2"}), 400)
    assert_error(post(gateway, {"model": "smollm2", "messages": []}), 400)
    error = assert_error(post(gateway, {"model": "smollm2", "messages": [{"role": "user", "content": "x"}],
                                        "temperature": 9}), 400)
    assert error["param"] == "temperature"
    assert_error(post(gateway, {"model": "smollm2", "messages": [{"role": "robot", "content": "x"}]}), 400)
    nested: object = "x"
    for _ in range(200):
        nested = [nested]
    assert_error(post(gateway, {"model": "smollm2", "messages": [{"role": "user", "content": "x"}],
                                "metadata": nested}), 400)


def test_unknown_fields_are_ignored_like_openai(gateway: Gateway) -> None:
    body = {**HELLO, "some_future_field": {"a": 1}, "max_tokens": 3}
    assert post(gateway, body).status_code == 200


def test_404_unknown_model_and_route(gateway: Gateway) -> None:
    assert_error(post(gateway, {"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]}), 404,
                 "model_not_found")
    assert_error(httpx.get(gateway.url + "/v1/nothing", headers={"Authorization": f"Bearer {KEY}"}), 404)


def test_413_body_too_large(gateway: Gateway) -> None:
    big = {"model": "smollm2", "messages": [{"role": "user", "content": "x" * 50_000}]}
    assert_error(post(gateway, big), 413, "payload_too_large")


def test_502_when_the_upstream_fails_and_504_when_it_hangs(gateway: Gateway, flaky: ScriptedUpstream) -> None:
    body = {"model": "flaky", "messages": [{"role": "user", "content": "hi"}]}
    flaky.mode = "error500"
    error = assert_error(post(gateway, body), 502, "upstream_error")
    assert error["details"][0]["model"] == "flaky"
    flaky.mode = "hang"
    assert_error(post(gateway, body), 504, "upstream_timeout")
    flaky.mode = "ok"
    assert post(gateway, body).json()["choices"][0]["message"]["content"] == "upstream says hi"


def test_stream_dropped_mid_way_ends_with_an_error_event(gateway: Gateway, flaky: ScriptedUpstream) -> None:
    flaky.mode = "drop_stream"
    try:
        body = {"model": "flaky", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        with httpx.stream("POST", gateway.url + "/v1/chat/completions", json=body, timeout=30,
                          headers={"Authorization": f"Bearer {KEY}"}) as response:
            assert response.status_code == 200
            events = [line for line in response.iter_lines() if line.startswith("data: ")]
    finally:
        flaky.mode = "ok"
    assert events[-1] == "data: [DONE]"
    assert '"error"' in events[-2] and "Traceback" not in events[-2]


def test_refused_requests_are_logged(gateway: Gateway) -> None:
    post(gateway, content=b"{broken")
    rows = wait_rows(store_of(gateway), "outcome = ?", ["invalid_request"])
    assert rows[0]["endpoint"] == "chat.completions" and rows[0]["prompt"] is None
    rows = wait_rows(store_of(gateway), "outcome = ?", ["upstream_timeout"])
    assert rows[0]["attempts"][0]["outcome"] == "timeout"
