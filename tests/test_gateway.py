"""End to end: `duet serve` on loopback, talked to with the official openai client, answered by SmolLM2;
a cloud-tier model behind a second duet gateway (a real OpenAI-compatible server) through litellm."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

import httpx
import openai
import pytest

from router.logstore import LogStore
from tests.servers import Gateway, cloud_model, local_model, write_config


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Gateway:
    home = tmp_path_factory.mktemp("upstream")
    config = write_config(home / "duet.yaml", [local_model(max_tokens=8)], log={"path": str(home / "up.db"), "content": True})
    with Gateway(config, home) as gw:
        yield gw


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, upstream: Gateway) -> Gateway:
    home = tmp_path_factory.mktemp("gateway")
    models = [local_model(max_tokens=8), cloud_model("cloud-smol", upstream.url + "/v1"),
              {"name": "gpt-4o-mini", "model": "openai/gpt-4o-mini", "tier": "cloud",
               "api_key": "os.environ/DUET_TEST_MISSING_KEY"}]
    config = write_config(home / "duet.yaml", models, policy={"name": "cost-threshold", "max_prompt_tokens": 40})
    with Gateway(config, home) as gw:
        yield gw


@pytest.fixture()
def client(gateway: Gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.url + "/v1", api_key="unused", max_retries=0)


def store_of(gateway: Gateway) -> LogStore:
    return LogStore(Path(gateway.config).parent / "duet.db")


def wait_rows(store: LogStore, where: str, params: list, n: int = 1, timeout: float = 10.0) -> list[dict]:
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = store.rows(limit=None, where=where, params=params)
        if len(rows) >= n:
            return rows
        time.sleep(0.1)
    raise AssertionError(f"expected {n} rows where {where} {params}")


def test_openai_client_non_streaming(client: openai.OpenAI, gateway: Gateway) -> None:
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": "Hi!"}])
    response = raw.parse()
    assert raw.headers["x-duet-model"] == "smollm2" and raw.headers["x-duet-policy"] == "cost-threshold"
    assert response.choices[0].message.content and response.usage.completion_tokens > 0
    row = wait_rows(store_of(gateway), "id = ?", [response.id])[0]
    assert row["tier"] == "local" and row["prompt_tokens"] == response.usage.prompt_tokens
    assert row["route_ms"] >= 0 and row["total_ms"] > 0 and row["candidates"]


def test_openai_client_streaming(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Say yes."}],
                                            stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    assert chunks[-1].usage and chunks[-1].usage.completion_tokens > 0


def test_long_prompt_goes_to_the_cloud_tier_with_cost(client: openai.OpenAI, gateway: Gateway) -> None:
    long = "Please summarise this text. " + "The quick brown fox jumps over the lazy dog. " * 20
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": long}])
    response = raw.parse()
    assert raw.headers["x-duet-model"] == "cloud-smol"
    meta = response.model_extra["duet"]
    assert meta["tier"] == "cloud" and meta["cost_usd"] > 0
    row = wait_rows(store_of(gateway), "id = ?", [response.id])[0]
    expected = (row["prompt_tokens"] * 1.0 + row["completion_tokens"] * 2.0) / 1e6
    assert row["cost_usd"] == pytest.approx(expected) and row["prompt_tokens"] > 100


def test_streaming_through_the_cloud_tier(client: openai.OpenAI) -> None:
    chunks = list(client.chat.completions.create(model="cloud-smol", messages=[{"role": "user", "content": "Hello"}],
                                                 stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()


def test_models_lists_availability(gateway: Gateway) -> None:
    data = httpx.get(gateway.url + "/v1/models").json()["data"]
    by_id = {m["id"]: m for m in data}
    assert by_id["smollm2"]["duet"]["available"] is True
    assert by_id["gpt-4o-mini"]["duet"]["available"] is False
    assert "DUET_TEST_MISSING_KEY" in by_id["gpt-4o-mini"]["duet"]["unavailable_reason"]


def test_feedback_endpoint(client: openai.OpenAI, gateway: Gateway) -> None:
    response = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Hi"}])
    ok = httpx.post(gateway.url + "/v1/feedback", json={"request_id": response.id, "score": 1.0})
    assert ok.status_code == 200 and ok.json()["request_id"] == response.id
    missing = httpx.post(gateway.url + "/v1/feedback", json={"request_id": "nope", "score": 1.0})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = httpx.post(gateway.url + "/v1/feedback", json={"request_id": response.id, "score": 7})
    assert bad.status_code == 400


def test_twenty_concurrent_requests_all_answered_and_logged(gateway: Gateway) -> None:
    marker = "concurrency-check"

    def one(i: int) -> httpx.Response:
        return httpx.post(gateway.url + "/v1/chat/completions", timeout=120,
                          json={"model": "auto", "messages": [{"role": "user", "content": f"Hi {i}"}],
                                "max_tokens": 4, "user": marker})

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(one, range(20)))
    assert [r.status_code for r in responses] == [200] * 20
    ids = [r.json()["id"] for r in responses]
    assert len(set(ids)) == 20
    marks = ",".join("?" * 20)
    rows = wait_rows(store_of(gateway), f"id IN ({marks})", ids, n=20)
    assert len(rows) == 20 and all(r["outcome"] == "ok" and r["completion_tokens"] > 0 for r in rows)
