"""Learned routers on generated data with the real MiniLM encoder: they learn, save, load, and serve."""

import numpy as np
import pytest

from policies.artifact import load_policy, read_card, save_policy
from policies.base import ModelCard, RouteRequest
from policies.ensemble import EnsemblePolicy
from policies.knn import KNNPolicy
from policies.mf import MFPolicy
from policies.mlp import MLPPolicy
from policies.ragrouter import RAGRouterPolicy
from policies.registry import build_policy
from tests.routing.gen import flip_table, split_by_query, two_topic_table

CARDS = [ModelCard("small", "local"), ModelCard("big", "cloud", 1.0, 2.0)]


@pytest.fixture(scope="module")
def data():
    table = two_topic_table(40)
    train, test = table.split(0.3, seed=1)
    return train, test


@pytest.mark.parametrize("cls", [KNNPolicy, MLPPolicy, MFPolicy, EnsemblePolicy, RAGRouterPolicy])
def test_router_learns_which_topic_needs_the_big_model(cls, data, tmp_path):
    train, test = data
    policy = cls(seed=0)
    policy.fit(train)
    pred = policy.predict_rows(test, None)
    small_is_enough = test.scores[:, 0] == 1.0
    # the small model's predicted quality separates the two topics
    assert pred[small_is_enough, 0].mean() > pred[~small_is_enough, 0].mean() + 0.3
    # at a middle knob, it buys the big model only where the small one fails
    knob = 0.3 if cls is not RAGRouterPolicy else 0.3
    chosen = policy.choose(pred, knob)
    quality = test.scores[np.arange(len(test)), chosen].mean()
    assert quality >= 0.9 and (chosen == 0).mean() >= 0.3

    # artifact round trip: same predictions, the card says what it is
    out = save_policy(policy, tmp_path / cls.name, data={"rows": len(train)}, metrics={"x": 1.0})
    again = load_policy(out)
    assert np.allclose(again.predict_rows(test, None), pred, atol=1e-5)
    card = read_card(out)
    assert card["policy"] == cls.name and card["models"] == ["small", "big"] and card["format"] == 1
    assert card["encoder"] and card["data"] == {"rows": len(train)}

    # served through the registry; a configured model the artifact never saw goes last
    served = build_policy({"name": cls.name, "artifact": str(out)})
    cards = CARDS + [ModelCard("unseen", "cloud")]
    space = served.decide(RouteRequest([{"role": "user", "content": "What is the mass of the comet in our solar system?"}]), cards)
    assert space.models[-1] == "unseen" and set(space.models) == {"small", "big", "unseen"}
    only_small = served.decide(RouteRequest([{"role": "user", "content": "How long should I bake the bread?"}]), CARDS[:1])
    assert only_small.models == ["small"]  # models in the artifact but not available are skipped


def test_knob_trades_quality_for_cost(data):
    train, test = data
    policy = KNNPolicy(seed=0)
    policy.fit(train)
    pred = policy.predict_rows(test, None)
    grid = policy.knob_grid(pred)
    big_share = [(policy.choose(pred, k) == 1).mean() for k in grid]
    assert big_share[0] >= 0.45 and big_share[-1] == 0.0  # λ=0: big wherever small is predicted worse
    assert all(a >= b for a, b in zip(big_share, big_share[1:]))


def test_ragrouter_learns_that_documents_flip_the_best_model():
    table = flip_table(40)
    train, test = split_by_query(table, 0.3, seed=0)
    rag = RAGRouterPolicy(seed=0, epochs=200, patience=30)
    rag.fit(train)
    blind = KNNPolicy(seed=0)
    blind.fit(train)
    rows = np.arange(len(test))

    def accuracy(pred):
        return test.scores[rows, pred.argmax(axis=1)].mean()

    rag_acc = accuracy(rag.predict_rows(test, None))
    blind_acc = accuracy(blind.predict_rows(test, None))
    assert blind_acc <= 0.65  # the same query carries opposite labels: a document-blind router guesses
    assert rag_acc >= 0.85 and rag_acc >= blind_acc + 0.25
    # the decision API sees documents too
    q = test.queries[0]
    topic_a_without = rag.decide(RouteRequest([{"role": "user", "content": q}]), [ModelCard("a", "cloud"), ModelCard("b", "cloud")])
    with_doc = rag.decide(RouteRequest([{"role": "user", "content": q}], documents=[test.documents[1][0]]),
                          [ModelCard("a", "cloud"), ModelCard("b", "cloud")])
    assert topic_a_without.models[0] != with_doc.models[0]


def test_marked_context_blocks_count_as_documents():
    from policies.text import marked_documents

    messages = [{"role": "system", "content": "Use the context."},
                {"role": "user", "content": "<document>Paris is the capital.</document>\nQ: capital?"},
                {"role": "user", "content": [{"type": "text", "text": "<context id=2>More</context>"}]}]
    assert marked_documents(messages) == ["Paris is the capital.", "More"]
