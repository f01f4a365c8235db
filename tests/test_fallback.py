"""Fallback: the cloud upstream (a real duet gateway) is stopped mid-test; the next model in the decision
serves the request and the log row records the failure and the fallback path."""

from __future__ import annotations

import openai
import pytest

from tests.servers import Gateway, cloud_model, local_model, write_config
from tests.test_gateway import store_of, wait_rows

LONG = "Summarise: " + "Rivers carry water from the hills down to the sea. " * 15


def test_stopped_cloud_upstream_falls_back_to_the_next_model(tmp_path_factory: pytest.TempPathFactory) -> None:
    up_home = tmp_path_factory.mktemp("fb-up")
    upstream = Gateway(write_config(up_home / "duet.yaml", [local_model(max_tokens=6)]), up_home).start()
    home = tmp_path_factory.mktemp("fb")
    config = write_config(home / "duet.yaml", [local_model(max_tokens=6), cloud_model("cloud-smol", upstream.url + "/v1")],
                          policy={"name": "cost-threshold", "max_prompt_tokens": 40})
    with Gateway(config, home) as gateway:
        client = openai.OpenAI(base_url=gateway.url + "/v1", api_key="x", max_retries=0)
        first = client.chat.completions.create(model="auto", messages=[{"role": "user", "content": LONG}])
        assert first.model_extra["duet"]["model"] == "cloud-smol", first.model_extra["duet"]["fallback"]

        upstream.stop()  # the cloud goes away
        second = client.chat.completions.create(model="auto", messages=[{"role": "user", "content": LONG}])
        meta = second.model_extra["duet"]
        assert meta["model"] == "smollm2"
        assert meta["fallback"][0]["model"] == "cloud-smol"
        assert meta["fallback"][0]["outcome"] == "connection_error"

        stream = list(client.chat.completions.create(model="auto", stream=True,
                                                     messages=[{"role": "user", "content": LONG}]))
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices).strip()

        row = wait_rows(store_of(gateway), "id = ?", [second.id])[0]
        assert row["outcome"] == "ok" and row["fallback"] == 1 and row["model"] == "smollm2"
        assert [a["outcome"] for a in row["attempts"]] == ["connection_error", "ok"]
        row = wait_rows(store_of(gateway), "id = ?", [stream[0].id])[0]
        assert row["fallback"] == 1 and row["stream"] == 1


def test_local_only_never_goes_to_the_cloud(tmp_path_factory: pytest.TempPathFactory) -> None:
    from router import Router
    from router.config import parse_config
    from router.errors import NoModelAvailable

    home = tmp_path_factory.mktemp("lo")
    config = parse_config({"models": [cloud_model("cloud-only", "http://127.0.0.1:9/v1")],
                           "log": {"path": str(home / "duet.db")}})
    with Router(config) as router:
        with pytest.raises(NoModelAvailable):
            router.complete([{"role": "user", "content": "secret"}], extra_body={"duet": {"local_only": True}})
        router.store.flush()
        assert router.store.rows(1)[0]["outcome"] == "no_model_available"
