"""Replayed cascades on generated answers: every called model is charged, and the checks find wrong answers."""

import random

import numpy as np

from eval.routing.cascade import agree_cascade, answer_key, arithmetic_checks, verify_cascade
from policies.table import RoutingTable


def test_answer_keys_and_arithmetic_checks():
    assert answer_key("B\n") == "B" and answer_key("(C) because") == "C"
    assert answer_key("She has 9 eggs, so 9 * 2 = 18.\n#### 18") == "18"
    assert answer_key("The answer is 1,200.") == "1200"
    assert arithmetic_checks("16 - 3 = 13 and 13 - 4 = 9, so 9 * $2 = $17") == (3, 1)


def test_agree_cascade_escalates_on_disagreement_and_charges_every_call():
    rng = random.Random(0)
    rows, responses, scores = [], [], []
    for i in range(80):
        truth = rng.choice("ABCD")
        hard = i % 4 == 0  # the two cheap models split on hard questions; the strong one is right
        a = truth if not hard else "A" if truth != "A" else "B"
        b = truth if not hard else "C" if truth != "C" else "D"
        answers = [a, b, truth]
        rows.append(f"question {i}")
        responses.append(answers)
        scores.append([float(x == truth) for x in answers])
    costs = np.tile([1.0, 1.0, 20.0], (80, 1))
    table = RoutingTable(rows, ["c1", "c2", "strong"], np.array(scores), costs, responses=responses)
    run = agree_cascade(table, table, np.zeros((80, 4)), np.zeros((80, 4)))
    both = [i for i, c in enumerate(run.info["configs"]) if c["first"] == ["c1", "c2"] and c["need"] == 2]
    assert both, run.info["configs"]
    k = both[0]
    assert run.quality[k].mean() == 1.0  # disagreement -> the strong model answers
    assert run.cost[k].mean() == 2.0 + 20.0 * 0.25  # both cheap calls always, the strong one on 1 in 4


def test_verify_cascade_learns_to_distrust_broken_arithmetic(tmp_path, monkeypatch):
    monkeypatch.setenv("DUET_HOME", str(tmp_path))
    rng = random.Random(1)
    queries, responses, scores = [], [], []
    for i in range(120):
        a, b = rng.randint(2, 50), rng.randint(2, 50)
        wrong = i % 3 == 0
        c = a * b + (rng.randint(1, 9) if wrong else 0)
        queries.append(f"A crate holds {a} boxes of {b} pens. How many pens? ({i})")
        responses.append([f"{a} * {b} = {c}\n#### {c}", f"{a} * {b} = {a * b}\n#### {a * b}"])
        scores.append([0.0 if wrong else 1.0, 1.0])
    table = RoutingTable(queries, ["weak", "strong"], np.array(scores), np.tile([0.1, 1.0], (120, 1)),
                         responses=responses)
    train, test = table.split(0.5, seed=0)
    from eval.routing.run import cached_encoder

    enc = cached_encoder()
    run = verify_cascade(train, test, enc.encode(train.queries), enc.encode(test.queries))
    assert run.info["first"] == "weak" and run.info["train_cv_auc"] > 0.8
    # some threshold recovers full quality while escalating only about the third that is wrong
    ok = [k for k in range(len(run.knobs)) if run.quality[k].mean() == 1.0]
    assert ok and min(run.cost[k].mean() for k in ok) <= 0.1 + 0.45 * 1.0
    assert run.cost.min() >= 0.1 - 1e-9  # the first model is always charged
