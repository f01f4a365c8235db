"""`duet eval routing` and `duet train router` end to end on generated scores-JSON data."""

import json

from typer.testing import CliRunner

from policies.artifact import read_card
from policies.registry import build_policy
from service.cli import app
from tests.routing.gen import two_topic_table


def write_scores_json(path, n=30):
    table = two_topic_table(n)
    items = [{"question": q, "scores": dict(zip(table.models, map(float, s))),
              "costs": dict(zip(table.models, map(float, c)))}
             for q, s, c in zip(table.queries, table.scores, table.costs)]
    path.write_text(json.dumps(items))
    return path


def test_eval_routing_writes_the_output_contract_and_a_plot(tmp_path, monkeypatch):
    monkeypatch.setenv("DUET_HOME", str(tmp_path))
    data = write_scores_json(tmp_path / "s.json")
    out, plot = tmp_path / "r.json", tmp_path / "r.png"
    result = CliRunner().invoke(app, ["eval", "routing", "--train", str(data), "--routers",
                                      "random,best-single,knn,oracle", "--json", str(out), "--plot", str(plot),
                                      "--samples", "50"])
    assert result.exit_code == 0, result.output
    r = json.loads(out.read_text())
    assert set(r["routers"]) == {"random", "best-single", "knn", "oracle"}
    for entry in r["routers"].values():
        assert {"aiq", "apgr", "cpt50", "cpt80", "curve"} <= set(entry) and len(entry["aiq_ci"]) == 2
    assert r["best_single"]["model"] == "big" and r["oracle"]["quality"] == 1.0
    # (a perfect router reaches APGR 0.75 here: half the queries need the big model)
    # knowing the topic lets kNN keep the quality at a fraction of the cost: clearly above the zero router
    assert r["routers"]["knn"]["aiq"] > r["zero_aiq"] + 0.1
    assert r["routers"]["knn"]["apgr"] > 0.7 and r["best_router"] == "knn"
    assert plot.stat().st_size > 10_000 and "knn" in result.output


def test_train_router_writes_a_loadable_artifact(tmp_path, monkeypatch):
    monkeypatch.setenv("DUET_HOME", str(tmp_path))
    data = write_scores_json(tmp_path / "s.json")
    out = tmp_path / "art"
    result = CliRunner().invoke(app, ["train", "router", "--policy", "mlp", "--data", str(data), "--out", str(out),
                                      "--knob", "0.3"])
    assert result.exit_code == 0, result.output
    card = read_card(out)
    assert card["policy"] == "mlp" and card["knob"] == {"name": "lambda", "value": 0.3}
    assert card["data"]["rows"] == 60 and "val_loss" in card["metrics"]
    assert build_policy({"artifact": str(out)}).lam == 0.3
    again = CliRunner().invoke(app, ["train", "router", "--policy", "mlp", "--data", str(data), "--out",
                                     str(tmp_path / "art2"), "--knob", "0.3"])
    assert again.exit_code == 0
    import numpy as np

    with np.load(out / "weights.npz") as a, np.load(tmp_path / "art2" / "weights.npz") as b:
        assert all(np.array_equal(a[k], b[k]) for k in a.files)  # seeded: the same data gives the same weights
    bad = CliRunner().invoke(app, ["train", "router", "--policy", "nope", "--data", str(data), "--out", str(out)])
    assert bad.exit_code == 2


def test_duet_models_shows_the_artifact_behind_the_policy(tmp_path, monkeypatch):
    from tests.servers import write_config

    monkeypatch.setenv("DUET_HOME", str(tmp_path))
    data = write_scores_json(tmp_path / "s.json")
    out = tmp_path / "art"
    assert CliRunner().invoke(app, ["train", "router", "--policy", "knn", "--data", str(data),
                                    "--out", str(out)]).exit_code == 0
    upstream = {"model": "openai/x", "api_base": "http://127.0.0.1:9/v1", "api_key": "sk-x", "tier": "cloud"}
    config = write_config(tmp_path / "c.yaml", [{"name": "big", **upstream}, {"name": "other", **upstream}],
                          policy={"artifact": str(out)})
    shown = CliRunner().invoke(app, ["models", "--config", str(config)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert f"artifact: {out}" in shown.output and "knn trained" in shown.output and "60 rows" in shown.output
    assert "configured and available: 1/2 (big)" in shown.output


def test_train_router_from_the_request_log_joined_with_feedback(tmp_path, monkeypatch):
    from router.logstore import LogStore

    monkeypatch.setenv("DUET_HOME", str(tmp_path))
    table = two_topic_table(10)
    store = LogStore(tmp_path / "duet.db")
    n = 0
    for q, scores, costs in zip(table.queries, table.scores, table.costs):
        for model, score, cost in zip(table.models, scores, costs):
            n += 1
            rid = f"req-{n}"
            store.record({"id": rid, "ts": float(n), "model": model, "outcome": "ok", "cost_usd": float(cost),
                          "prompt": json.dumps([{"role": "user", "content": q}])})
            store.flush()
            store.feedback(rid, float(score), "label")
    store.record({"id": "no-feedback", "ts": 0.0, "model": "small", "outcome": "ok",
                  "prompt": json.dumps([{"role": "user", "content": "unrated"}])})
    store.close()
    out = tmp_path / "art"
    result = CliRunner().invoke(app, ["train", "router", "--policy", "knn", "--from-logs", str(tmp_path / "duet.db"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    card = read_card(out)
    assert card["data"]["rows"] == 20 and card["data"]["format"] == "logs" and card["models"] == ["big", "small"]
    policy = build_policy({"artifact": str(out)})
    assert policy.costs[0] > policy.costs[1]  # costs come from the log: big is dearer


def test_from_logs_rows_where_a_model_was_never_tried_are_masked_not_guessed(tmp_path, monkeypatch):
    """The big model was tried on every space prompt but only two cooking ones: its untried cells stay NaN
    (no guessed score), every router trains and predicts finite values, and routing still sends cooking to
    the small model and space to the big one."""
    import numpy as np

    from policies.base import ModelCard, RouteRequest
    from router.logstore import LogStore

    monkeypatch.setenv("DUET_HOME", str(tmp_path))
    table = two_topic_table(12)
    store = LogStore(tmp_path / "duet.db")
    n, topic_a_tried = 0, 0
    for q, scores, costs in zip(table.queries, table.scores, table.costs):
        small_is_enough = scores[0] >= scores[1]  # models are [small, big]
        for model, score, cost in zip(table.models, scores, costs):
            if model == "big" and small_is_enough:
                if topic_a_tried >= 2:
                    continue  # big never tried on the rest of the cooking prompts
                topic_a_tried += 1
            n += 1
            store.record({"id": f"r{n}", "ts": float(n), "model": model, "outcome": "ok", "cost_usd": float(cost),
                          "prompt": json.dumps([{"role": "user", "content": q}])})
            store.flush()
            store.feedback(f"r{n}", float(score), "label")
    store.close()
    for name in ("mlp", "knn", "ensemble", "ragrouter"):
        out = tmp_path / name
        result = CliRunner().invoke(app, ["train", "router", "--policy", name, "--from-logs",
                                          str(tmp_path / "duet.db"), "--out", str(out)])
        assert result.exit_code == 0, result.output
        card = read_card(out)
        assert "NaN" in card["data"]["scores"] and all(np.isfinite(v) for v in card["metrics"].values())
        policy = build_policy({"artifact": str(out)})
        pred = policy.predict(policy.embed([table.queries[0], table.queries[-1]]))
        assert np.isfinite(pred).all(), name
    mlp = build_policy({"artifact": str(tmp_path / "mlp")})
    cards = [ModelCard("big", "cloud", 10.0, 30.0), ModelCard("small", "local")]
    decisions = {q: mlp.decide(RouteRequest([{"role": "user", "content": q}]), cards).models[0]
                 for q in table.queries}
    agree = np.mean([decisions[q] == ("small" if s[0] >= s[1] else "big") for q, s in zip(table.queries, table.scores)])
    assert agree >= 0.8
