"""Router.complete() as a library, no gateway: real SmolLM2, real SQLite log."""

from pathlib import Path

import pytest

from router import Router
from router.config import parse_config
from router.errors import InvalidRequest, ModelNotFound
from tests.servers import local_model


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Router:
    home = tmp_path_factory.mktemp("sdk")
    config = parse_config({"models": [local_model(max_tokens=8)], "log": {"path": str(home / "duet.db")}})
    with Router(config) as r:
        yield r


def test_complete_answers_with_real_tokens_and_logs_the_decision(router: Router) -> None:
    response = router.complete([{"role": "user", "content": "Say hello."}])
    assert response.object == "chat.completion"
    assert response.choices[0].message.content
    assert response.usage.prompt_tokens > 5 and 0 < response.usage.completion_tokens <= 8
    meta = response.model_extra["duet"]
    assert meta["model"] == "smollm2" and meta["tier"] == "local" and meta["policy"] == "cost-threshold"
    router.store.flush()
    row = router.store.rows(where="id = ?", params=[response.id])[0]
    assert row["model"] == "smollm2" and row["outcome"] == "ok"
    assert row["prompt_tokens"] == response.usage.prompt_tokens
    assert row["completion_tokens"] == response.usage.completion_tokens
    assert row["cost_usd"] == 0.0 and row["total_ms"] > 0 and row["candidates"] == {"smollm2": 1.0}
    assert row["prompt"] is None and row["completion"] is None  # no content unless log_content
    assert len(row["prompt_hash"]) == 32


def test_stream_yields_chunks_and_real_usage(router: Router) -> None:
    chunks = list(router.complete([{"role": "user", "content": "Count to three."}], stream=True,
                                  stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finals and finals[-1].model_extra["duet"]["model"] == "smollm2"
    router.store.flush()
    row = router.store.rows(where="id = ?", params=[chunks[0].id])[0]
    assert row["stream"] == 1 and row["ttft_ms"] is not None and row["ttft_ms"] <= row["total_ms"]
    assert row["completion_tokens"] == chunks[-1].usage.completion_tokens


async def test_async_complete(router: Router) -> None:
    response = await router.acomplete([{"role": "user", "content": "Hi"}], model="smollm2")
    assert response.model_extra["duet"]["policy"] == "pinned"


def test_feedback_is_stored_and_checked(router: Router) -> None:
    response = router.complete([{"role": "user", "content": "Hello"}])
    router.feedback(response.id, 0.75, "judge")
    rows = list(router.store.db.query("SELECT * FROM feedback WHERE request_id = ?", [response.id]))
    assert rows[0]["score"] == 0.75 and rows[0]["source"] == "judge"
    with pytest.raises(KeyError):
        router.feedback("no-such-request", 0.5)
    with pytest.raises(ValueError):
        router.feedback(response.id, 1.5)


def test_bad_input_is_a_clear_error_and_still_logged(router: Router) -> None:
    with pytest.raises(InvalidRequest):
        router.complete([{"role": "wizard", "content": "x"}])
    with pytest.raises(ModelNotFound):
        router.complete([{"role": "user", "content": "x"}], model="gpt-9")


def test_log_survives_reopen(router: Router, tmp_path: Path) -> None:
    router.store.flush()
    from router.logstore import LogStore

    again = LogStore(router.config.log_path)
    assert again.count() == router.store.count()
    again.close()


def test_prompt_hash_is_keyed_and_stable(router: Router) -> None:
    messages = [{"role": "user", "content": "my salary is 8000"}]
    import hashlib
    import json
    import stat

    digest = router.store.prompt_hash(messages)
    assert digest == router.store.prompt_hash(messages)
    plain = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:32]
    assert digest != plain
    key_file = router.config.log_path.with_name(router.config.log_path.name + ".key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_local_model_returns_logprobs_when_configured(tmp_path: Path) -> None:
    config = parse_config({"models": [{**local_model(name="smol-lp", max_tokens=4), "logprobs": True}],
                           "log": {"path": str(tmp_path / "duet.db")}})
    with Router(config) as router:
        response = router.complete([{"role": "user", "content": "Hi"}], logprobs=True, top_logprobs=2)
    tokens = response.choices[0].logprobs.content
    assert tokens and all(t.logprob <= 0.0 for t in tokens)


def test_a_second_router_with_new_settings_for_a_local_name_gets_them(tmp_path: Path) -> None:
    """The local provider is process-wide: a later config that reuses a name with other settings must not be
    served by the model registered first (found by the issue-6 helper)."""
    from router.local_provider import register_local_models

    name = "smol-reconfigured"
    first = Router(parse_config({"models": [local_model(name=name, max_tokens=3)],
                                 "log": {"path": str(tmp_path / "a.db")}}))
    provider = register_local_models([])
    assert provider.models[name].default_max_tokens == 3
    second = Router(parse_config({"models": [{**local_model(name=name, max_tokens=7), "logprobs": True}],
                                  "log": {"path": str(tmp_path / "b.db")}}))
    assert provider.models[name].default_max_tokens == 7 and provider.models[name].logprobs
    kept = provider.models[name]
    Router(parse_config({"models": [{**local_model(name=name, max_tokens=7), "logprobs": True}],
                         "log": {"path": str(tmp_path / "c.db")}})).close()
    assert provider.models[name] is kept  # the same settings keep the loaded model
    first.close()
    second.close()
