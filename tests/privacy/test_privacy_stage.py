"""The privacy stage through the SDK: fail closed, block, route_local, per-request modes.
The cloud tier is a real recording HTTP server on loopback; the local tier is SmolLM2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from router import Router
from router.config import ConfigError, load_config
from router.errors import DuetError, InvalidRequest, PrivacyBlocked
from tests.servers import ScriptedUpstream, cloud_model, local_model, write_config

CARD = "4111 1111 1111 1111"


class Exploding:
    name = "exploding"

    def scan(self, text):
        raise RuntimeError("detector crashed")


@pytest.fixture(scope="module")
def upstream() -> ScriptedUpstream:
    with ScriptedUpstream("cloud answer") as up:
        yield up


def make_router(tmp_path: Path, upstream: ScriptedUpstream, local: bool = True, **privacy) -> Router:
    models = ([local_model(max_tokens=4)] if local else []) + [cloud_model("cloud", upstream.url)]
    privacy.setdefault("ner", None)  # the pattern layer is enough here; the NER has its own tests
    return Router(write_config(tmp_path / "duet.yaml", models, privacy=privacy,
                               policy={"name": "cost-threshold", "max_prompt_tokens": 1}))


def ask(router: Router, text: str, model: str = "cloud", **duet):
    return router.complete([{"role": "user", "content": text}], model=model,
                           extra_body={"duet": duet} if duet else None)


def test_detector_error_fails_closed(tmp_path, upstream):
    with make_router(tmp_path, upstream) as router:
        router.pipeline.stages[0].redactor.detector.layers.append(Exploding())
        before = len(upstream.received)
        with pytest.raises(DuetError):
            ask(router, f"card {CARD}")  # pinned to the cloud: nothing may be sent, so no model can serve
        with pytest.raises(DuetError):
            list(router.complete([{"role": "user", "content": f"card {CARD}"}], model="cloud", stream=True))
        reply = ask(router, f"card {CARD}", model="auto")  # auto: served by the local model instead
        assert len(upstream.received) == before
        meta = reply.model_extra["duet"]
        assert meta["tier"] == "local" and meta["privacy"]["status"] == "failed_closed"
        rows = router.store.rows(limit=2)
        assert all(r["privacy"]["status"] == "failed_closed" for r in rows)
        assert CARD not in json.dumps(rows, default=str)


def test_time_budget_fails_closed(tmp_path, upstream):
    with make_router(tmp_path, upstream, local=False, budget_ms=0.001, budget_ms_per_kb=0.0) as router:
        before = len(upstream.received)
        with pytest.raises(DuetError):
            ask(router, "hello " * 2000)
        assert len(upstream.received) == before


def test_block_mode_refuses_and_names_the_category(tmp_path, upstream):
    with make_router(tmp_path, upstream, modes={"CREDIT_CARD": "block"}) as router:
        before = len(upstream.received)
        with pytest.raises(PrivacyBlocked, match="CREDIT_CARD"):
            ask(router, f"charge {CARD}")
        assert len(upstream.received) == before
        ok = ask(router, "mail ann@x.org")  # other categories are still redacted and sent
        assert "<EMAIL_1>" in json.dumps(upstream.received[-1])
        assert ok.choices[0].message.content == "cloud answer"


def test_documents_get_the_same_treatment_as_messages(tmp_path, upstream):
    with make_router(tmp_path, upstream, modes={"CREDIT_CARD": "block"}) as router:
        before = len(upstream.received)
        with pytest.raises(PrivacyBlocked, match="CREDIT_CARD"):
            ask(router, "What does the receipt say?", documents=[f"Receipt: paid with {CARD}."])
        assert len(upstream.received) == before
        reply = ask(router, "Who wrote the note?", documents=["Note from ann@x.org: see you at noon."])
        privacy = reply.model_extra["duet"]["privacy"]
        assert privacy["counts"] == {"EMAIL": 1} and privacy["placeholders"] == ["<EMAIL_1>"]


def test_route_local_sends_to_the_local_model(tmp_path, upstream):
    with make_router(tmp_path, upstream, modes={"PHRASE": "route_local"}, phrases=["my diagnosis"]) as router:
        before = len(upstream.received)
        reply = ask(router, "What does my diagnosis mean?")
        assert len(upstream.received) == before
        assert reply.model_extra["duet"]["tier"] == "local"
        assert reply.model_extra["duet"]["privacy"]["status"] == "routed_local"


def test_per_request_mode_and_off(tmp_path, upstream):
    with make_router(tmp_path, upstream) as router:
        before = len(upstream.received)
        with pytest.raises(PrivacyBlocked):
            ask(router, f"card {CARD}", privacy="block")
        with pytest.raises(InvalidRequest):
            ask(router, f"card {CARD}", privacy="off")  # not allowed unless the config says so
        assert len(upstream.received) == before
    with make_router(tmp_path, upstream, allow_off=True) as router:
        ask(router, f"card {CARD}", privacy="off")
        assert CARD in json.dumps(upstream.received[-1])


def test_a_request_cannot_loosen_the_config(tmp_path, upstream):
    with make_router(tmp_path, upstream, modes={"CREDIT_CARD": "block"}) as router:
        before = len(upstream.received)
        with pytest.raises(PrivacyBlocked):
            ask(router, f"charge {CARD}", privacy="redact")
        assert len(upstream.received) == before


def test_bad_privacy_config_is_a_config_error(tmp_path, upstream):
    path = write_config(tmp_path / "bad.yaml", [cloud_model("cloud", upstream.url)], privacy={"modes": {"EMAIL": "x"}})
    with pytest.raises(ConfigError, match="privacy"):
        Router(load_config(path))
