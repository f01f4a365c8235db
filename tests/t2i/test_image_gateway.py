"""Priority 4: `POST /v1/images/generations` routes by the trained predictor within the budget.

Real parts: `duet serve` in a subprocess, two loopback OpenAI-compatible image servers returning
generated PNGs (cloud through litellm, edge through plain HTTP), a SQLite log. The predictor is
trained here on generated rows with a planted effect (eval.t2i.synthetic), so "hard" prompts are
the ones that should go to the cloud; the CLIP model is a seeded random CLIP-architecture model.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import io
from pathlib import Path

import httpx
import openai
import pytest
from PIL import Image

from eval.t2i.synthetic import HARD, planted_rows
from policies.t2i.predictor import train_predictor
from router import Router
from router.logstore import LogStore
from tests.servers import Gateway, write_config
from tests.test_gateway import wait_rows
from tests.t2i.image_server import LoopbackImageServer
from policies.t2i.rows import read_rows
from tests.t2i.test_cli_end_to_end import duet, images_section
from tests.t2i.tiny_clip import build_tiny_clip

HARD_WORDS = tuple(HARD)


def is_hard(prompt: str) -> bool:
    return any(w in prompt for w in HARD_WORDS)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    home = tmp_path_factory.mktemp("t2i-gateway")
    predictor = train_predictor(planted_rows(200, seed=11), epochs=30, seed=0)
    predictor.save(home / "model")
    clip = build_tiny_clip(home / "clip", extra_words=[r.prompt for r in planted_rows(50, seed=12)])
    edge, cloud = LoopbackImageServer(blur=3).start(), LoopbackImageServer().start()
    yield {"home": home, "model": str(home / "model"), "clip": clip, "edge": edge, "cloud": cloud,
           "encoder": predictor.encoder}
    edge.stop()
    cloud.stop()


@pytest.fixture(scope="module")
def gateway(setup):
    home = setup["home"] / "gw"
    home.mkdir()
    images = images_section(setup["clip"], setup["edge"].url, setup["cloud"].url, predictor=setup["model"],
                            score_served=True,
                            budget={"max_cloud_fraction": 0.3, "max_cloud_spend": 100, "window_seconds": 3600})
    config = write_config(home / "duet.yaml", [{"name": "unused", "model": "openai/x", "tier": "cloud"}],
                          images=images)
    with Gateway(config, home) as gw:
        yield gw


@pytest.mark.parametrize("body, status, param", [
    ({}, 400, "prompt"), ({"prompt": "  "}, 400, "prompt"), ({"prompt": "a cat", "n": 0}, 400, "n"),
    ({"prompt": "a cat", "n": 9}, 400, "n"), ({"prompt": "a cat", "n": "2"}, 400, "n"),
    ({"prompt": "a cat", "size": "big"}, 400, "size"), ({"prompt": "a cat", "response_format": "xml"}, 400,
                                                         "response_format"),
    ({"prompt": "a cat", "model": "dall-e-9"}, 404, "model"), (["a cat"], 400, None),
])
def test_image_endpoint_validates_input(gateway, body, status, param):
    resp = httpx.post(gateway.url + "/v1/images/generations", json=body, timeout=30)
    assert resp.status_code == status
    error = resp.json()["error"]
    assert error["param"] == param and error["message"] and error["type"]


def test_image_endpoint_rejects_non_json(gateway):
    resp = httpx.post(gateway.url + "/v1/images/generations", content=b"{not json", timeout=30,
                      headers={"content-type": "application/json"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_request"


def test_openai_client_gets_an_openai_shaped_image(gateway, setup):
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key="unused", max_retries=0)
    raw = client.images.with_raw_response.generate(model="edge-gen", prompt="a teacup", n=2,
                                                   response_format="b64_json")
    result = raw.parse()
    assert raw.headers["x-duet-model"] == "edge-gen"
    assert len(result.data) == 2
    image = Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json)))
    assert image.format == "PNG" and image.size == (48, 48)
    assert setup["edge"].received[-1]["prompt"] == "a teacup"


def test_routing_by_trained_predictor_stays_within_budget_under_concurrent_requests(gateway, setup):
    prompts = [r.prompt for r in planted_rows(60, seed=21, hard_share=0.5)]
    cloud_before = len(setup["cloud"].received)

    def send(prompt):
        resp = httpx.post(gateway.url + "/v1/images/generations", json={"prompt": prompt, "model": "auto"},
                          timeout=120)
        assert resp.status_code == 200, resp.text
        return prompt, resp.json()["duet"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(send, prompts))
    cloud_served = [p for p, meta in results if meta["tier"] == "cloud"]
    assert len(setup["cloud"].received) - cloud_before == len(cloud_served)  # the budget decided real calls

    # The gateway writes its log in batches: wait until every request of this test has its row.
    ids = [meta["id"] for _, meta in results]
    wait_rows(LogStore(Path(gateway.config).parent / "duet.db"), f"id IN ({','.join('?' * len(ids))})", ids,
              n=len(ids), timeout=30)
    store = LogStore(Path(gateway.config).parent / "duet.db")
    rows = [r for r in store.rows(limit=None, where="endpoint = ? AND outcome = ?",
                                  params=["images.generations", "ok"])]
    total_cloud = sum(r["tier"] == "cloud" for r in rows)
    assert total_cloud <= 0.3 * len(rows) + 1e-9  # at most 30% over the (one-hour) window
    assert total_cloud >= 5  # the cloud was used
    # The predictor sends the planted hard prompts, not arbitrary ones, to the cloud.
    assert sum(is_hard(p) for p in cloud_served) >= 0.8 * len(cloud_served)
    auto_rows = [r for r in rows if r["requested_model"] == "auto"]
    t2i = auto_rows[0]["extra"]["t2i"]
    assert len(t2i["predicted"]["edge"]) == 10 and "superiority" in t2i and "threshold" in t2i
    assert len(t2i["measured"]["scores"]) == 10  # served image scored with CLIP, for retraining


def test_sdk_generate_image_spend_budget_and_fallback(setup, tmp_path):
    images = images_section(setup["clip"], setup["edge"].url, setup["cloud"].url, predictor=setup["model"],
                            threshold=-1.0, budget={"max_cloud_spend": 0.08, "window_seconds": 3600})
    config = write_config(tmp_path / "duet.yaml", [{"name": "unused", "model": "openai/x", "tier": "cloud"}],
                          images=images, log={"path": str(tmp_path / "duet.db"), "content": True})
    router = Router(config)
    try:
        async def many():
            return await asyncio.gather(*(router.agenerate_image(p) for p in
                                          ["a cat", "a teacup", "a red apple", "a forest path", "a vintage car"]))

        results = router._call(many())
        tiers = [r.model_extra["duet"]["tier"] for r in results]
        assert tiers.count("cloud") == 2 and tiers.count("edge") == 3  # $0.08 / $0.04 per image
        assert router.images.budget.snapshot()["spend"] == pytest.approx(0.08)

        from policies.t2i.shared_budget import SharedCloudBudget

        assert isinstance(router.images.budget, SharedCloudBudget)  # by default shared beside the log
        assert router.images.budget.path == tmp_path / "t2i-budget.sqlite"
        router.images.budget = SharedCloudBudget(router.images.budget.config, tmp_path / "fresh.sqlite")  # a fresh window
        setup["cloud"].mode = "error500"
        result = router.generate_image("a pianist's hands on the keys")
        assert result.model_extra["duet"]["tier"] == "edge"  # fell back to the edge
        assert router.images.budget.snapshot()["spend"] == 0  # the failed cloud call was refunded
        router.store.flush()
        row = router.store.rows(limit=1)[0]
        assert row["fallback"] == 1 and [a["outcome"] for a in row["attempts"]][-1] == "ok"
    finally:
        setup["cloud"].mode = "ok"
        router.close()

    # Retraining from traffic: the logged prompts are labelled with both backends.
    out = duet("label-images", "--from-log", str(tmp_path / "duet.db"), "--out", str(tmp_path / "relabel.jsonl"),
               "--config", str(config), home=tmp_path)
    assert "labelled 6 prompts" in out.stdout_text
    relabelled = read_rows(tmp_path / "relabel.jsonl")
    assert {r.prompt for r in relabelled[:5]} == {"a cat", "a teacup", "a red apple", "a forest path", "a vintage car"}
    assert relabelled[-1].prompt == "a pianist's hands on the keys"


def test_models_lists_the_image_backends(gateway):
    data = httpx.get(gateway.url + "/v1/models", timeout=30).json()["data"]
    images = {m["id"]: m["duet"] for m in data if "image" in m["duet"].get("capabilities", [])}
    assert set(images) == {"edge-gen", "cloud-gen"}
    assert images["cloud-gen"]["tier"] == "cloud" and images["cloud-gen"]["cost_per_image"] == 0.04
    assert images["edge-gen"]["tier"] == "edge" and images["edge-gen"]["available"]
