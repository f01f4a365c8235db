"""A trained artifact routes real requests through the Router; `duet label` labels with the real local model."""

import json

import pytest

from eval.routing.label import judge_contains, run_label
from eval.routing.loaders import load_table
from policies.artifact import save_policy
from policies.ragrouter import RAGRouterPolicy
from router import Router
from router.config import parse_config
from tests.routing.gen import two_topic_table
from tests.servers import local_model


def two_local_models() -> list[dict]:
    small = local_model("small", max_tokens=4)
    big = {**local_model("big", max_tokens=4), "tier": "cloud", "price": {"input": 1.0, "output": 2.0}}
    return [small, big]


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    policy = RAGRouterPolicy(seed=0)
    policy.fit(two_topic_table(40))
    return save_policy(policy, tmp_path_factory.mktemp("art") / "ragrouter")


def test_gateway_routes_with_a_trained_artifact(artifact, tmp_path):
    config = parse_config({"models": two_local_models(), "log": {"path": str(tmp_path / "duet.db")},
                           "policy": {"name": "ragrouter", "artifact": str(artifact), "theta": 0.3}})
    with Router(config) as router:
        space = router.complete([{"role": "user", "content": "What is the mass of the dwarf planet in our solar system?"}])
        cooking = router.complete([{"role": "user", "content": "How long should I roast the carrots for lunch tomorrow?"}])
    assert space.model_extra["duet"]["policy"] == "ragrouter" and space.model == "big"
    assert cooking.model == "small"
    assert space.model_extra["duet"]["scores"]["small"] < cooking.model_extra["duet"]["scores"]["small"]


def test_judges():
    assert judge_contains("The capital is Paris.", "paris") == 1.0
    assert judge_contains("It is 14.", "4") == 0.0


def test_label_with_the_local_model_is_resumable(tmp_path):
    questions = tmp_path / "q.jsonl"
    rows = [{"question": "What is the capital of France? Answer in one word.", "answer": "Paris"},
            {"question": "Say the word yes.", "answer": "yes"}]
    questions.write_text("\n".join(json.dumps(r) for r in rows))
    out = tmp_path / "labels.json"
    config = parse_config({"models": [local_model("smollm2", max_tokens=8)], "log": {"path": str(tmp_path / "d.db")}})
    with Router(config) as router:
        assert run_label(questions, ["smollm2"], "contains", out, router=router, log=lambda s: None) == 2
        rows.append({"question": "Name a colour of the sky on a clear day.", "answer": "blue"})
        questions.write_text("\n".join(json.dumps(r) for r in rows))
        run_label(questions, ["smollm2"], "contains", out, router=router, log=lambda s: None)
        router.store.flush()
        assert router.store.count() == 3  # the two labelled questions were not asked again
    items = json.loads(out.read_text())
    assert [i["question"] for i in items] == [r["question"] for r in rows]
    assert all(set(i["scores"]) == {"smollm2"} and i["responses"]["smollm2"] for i in items)
    table = load_table(out)  # the scores-JSON format, with measured costs (0 for the local model)
    assert table.models == ["smollm2"] and len(table) == 3 and table.costs.sum() == 0.0
