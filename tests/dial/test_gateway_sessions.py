"""The gateway routes a multi-turn session with a trained DialRouter: the routing state of a session
lives in the log store, so a restarted gateway continues it; action values are logged every turn."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import httpx
import pytest

from policies.dial.sim_factory import make_sim
from policies.dial.train import TrainConfig, train
from router.logstore import LogStore
from tests.servers import Gateway, ScriptedUpstream, cloud_model, local_model, write_config


@pytest.fixture(scope="module")
def artifact(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dial-text") / "policy"
    cfg = TrainConfig(episodes=12, budget=8, features="text", epochs=5, val_episodes=0, seed=1)
    train(functools.partial(make_sim, None, None), {"name": "sim"}, out, cfg, progress=False, log=lambda _: None)
    return out


def session_rows(db: Path, session_id: str, n: int, timeout: float = 15.0) -> list[dict]:
    store = LogStore(db)
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = store.rows(limit=None, where="session_id = ?", params=[session_id])
            if len(rows) >= n and (store.session(session_id) or {}).get("turn", 0) >= n:
                return sorted(rows, key=lambda r: r["ts"])
            time.sleep(0.1)
        raise AssertionError(f"expected {n} logged turns of {session_id}")
    finally:
        store.close()


def chat(gw: Gateway, messages: list[dict], session: str, header: bool = False) -> dict:
    body = {"model": "auto", "messages": messages, "max_tokens": 8}
    headers = {}
    if header:
        headers["x-duet-session"] = session
    else:
        body["duet"] = {"session_id": session}
    response = httpx.post(gw.url + "/v1/chat/completions", json=body, headers=headers, timeout=180)
    assert response.status_code == 200, response.text
    return response.json()


def test_session_state_survives_gateway_restart(artifact, tmp_path):
    with ScriptedUpstream("cloud answer") as upstream:
        models = [local_model(max_tokens=8), cloud_model("cloud-big", upstream.url, price=(5.0, 15.0))]
        config = write_config(tmp_path / "duet.yaml", models, policy={"name": "dialrouter", "artifact": str(artifact)})
        db = tmp_path / "duet.db"
        messages = [{"role": "user", "content": "write a python function that parses ISO dates and test it"}]
        with Gateway(config, tmp_path) as gw:
            first = chat(gw, messages, "conv-1")
        (row1,) = session_rows(db, "conv-1", 1)
        assert row1["policy"] == "dialrouter"
        assert set(row1["candidates"]) == {"smollm2", "cloud-big"}
        assert {"q:smollm2", "q:cloud-big"} <= set(row1["knob"])
        reason1 = json.loads(row1["reason"])
        assert reason1["turn"] == 0 and reason1["prev_model"] is None

        messages += [{"role": "assistant", "content": first["choices"][0]["message"]["content"]},
                     {"role": "user", "content": "now make it handle time zones"}]
        with Gateway(config, tmp_path) as gw:  # a new process: nothing in memory survives
            chat(gw, messages, "conv-1", header=True)
        row1, row2 = session_rows(db, "conv-1", 2)
        reason2 = json.loads(row2["reason"])
        assert reason2["turn"] == 1
        assert reason2["prev_model"] == row1["model"]  # only the session store knows who answered turn 1
        store = LogStore(db)
        session = store.session("conv-1")
        store.close()
        assert session["turn"] == 2 and session["models"] == [row1["model"], row2["model"]]
        assert {"q:smollm2", "q:cloud-big"} <= set(row2["knob"])
