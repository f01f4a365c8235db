"""Image prompts get the chat pipeline's privacy treatment: a cloud image model sees placeholders, never the
raw values (the answer's revised prompt is restored); route_local and a failed detector keep the prompt at
the edge; block refuses. Real parts: two loopback OpenAI-compatible image servers that record every request
(cloud through litellm, edge over plain HTTP), the real detector, a SQLite log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from router import Router
from router.errors import PrivacyBlocked
from tests.servers import write_config
from tests.t2i.image_server import LoopbackImageServer

EMAIL = "jane.doe@example.com"
PROMPT = f"a watercolour portrait for {EMAIL}, soft light"


class Exploding:
    name = "exploding"

    def scan(self, text: str) -> list:
        raise RuntimeError("detector crashed")


@pytest.fixture(scope="module")
def servers():
    with LoopbackImageServer(blur=3) as edge, LoopbackImageServer() as cloud:
        yield edge, cloud


def make_router(tmp_path: Path, edge: LoopbackImageServer, cloud: LoopbackImageServer) -> Router:
    images = {"backends": [
        {"name": "edge-gen", "tier": "edge", "model": "tiny-edge", "api_base": edge.url},
        {"name": "cloud-gen", "tier": "cloud", "model": "openai/tiny-cloud", "api_base": cloud.url,
         "api_key": "sk-test", "cost_per_image": 0.04}]}
    models = [{"name": "unused", "model": "openai/x", "api_base": "http://127.0.0.1:9/v1", "tier": "cloud"}]
    return Router(write_config(tmp_path / "duet.yaml", models, images=images))


def test_the_cloud_sees_placeholders_and_the_answer_is_restored(tmp_path, servers):
    edge, cloud = servers
    with make_router(tmp_path, edge, cloud) as router:
        before = len(cloud.received)
        result = router.generate_image(PROMPT, model="cloud-gen")
        sent = cloud.received[before:]
        assert len(sent) == 1 and EMAIL not in json.dumps(sent) and "<EMAIL_1>" in sent[0]["prompt"]
        assert result.data[0].revised_prompt == PROMPT  # the cloud echoed placeholders; the user reads the value
        meta = result.model_extra["duet"]
        assert meta["tier"] == "cloud"
        assert router.store.flush()
        row = router.store.rows(limit=1)[0]
        assert row["extra"]["t2i"]["privacy"]["status"] == "checked"
        assert EMAIL not in json.dumps(row, default=str)


def test_route_local_and_a_failed_detector_keep_the_prompt_at_the_edge(tmp_path, servers):
    edge, cloud = servers
    with make_router(tmp_path, edge, cloud) as router:
        before_cloud, before_edge = len(cloud.received), len(edge.received)
        kept = router.generate_image(PROMPT, model="cloud-gen", duet={"privacy": "route_local"})
        assert kept.model_extra["duet"]["tier"] == "edge"
        router.pipeline.privacy.redactor.detector.layers.append(Exploding())
        failed = router.generate_image(PROMPT, model="auto")
        assert failed.model_extra["duet"]["tier"] == "edge"
        assert len(cloud.received) == before_cloud and len(edge.received) == before_edge + 2
        assert edge.received[-1]["prompt"] == PROMPT  # the edge is local: it gets the prompt as sent
        assert router.store.flush()
        statuses = [r["extra"]["t2i"]["privacy"]["status"] for r in router.store.rows(limit=2)]
        assert sorted(statuses) == ["failed_closed", "routed_local"]


def test_block_refuses_and_logs(tmp_path, servers):
    edge, cloud = servers
    with make_router(tmp_path, edge, cloud) as router:
        before = len(cloud.received) + len(edge.received)
        with pytest.raises(PrivacyBlocked):
            router.generate_image(PROMPT, model="cloud-gen", duet={"privacy": "block"})
        assert len(cloud.received) + len(edge.received) == before
        assert router.store.flush()
        row = router.store.rows(limit=1)[0]
        assert row["outcome"] == "privacy_blocked" and EMAIL not in json.dumps(row, default=str)
