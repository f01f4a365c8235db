"""Loaders for the three public formats, on small fixtures written here."""

import csv
import json

import numpy as np
import pytest

from eval.routing.loaders import guess_format, load_table

SHOTS = ("Which gas do plants absorb?\nA) oxygen\nB) carbon dioxide\nAnswer:\nB\n\n" * 30)


def write_routerbench(path):
    models = ["small", "big"]
    header = ["", "sample_id", "prompt", "eval_name", *models, *(f"{m}|model_response" for m in models),
              *(f"{m}|total_cost" for m in models), "oracle_model_to_route_to"]
    rows = [
        ["0", "arc.1", repr([SHOTS + "What melts ice fastest?\nA) salt\nB) sand\nAnswer:"]), "arc", "1.0", "0.0",
         repr(["A"]), repr(["B\n"]), "0.0001", "0.002", "small"],
        ["1", "arc.2", repr(["Short question?"]), "arc", "0.0", "1.0", repr(["C"]), repr(["D"]), "0.0002",
         "0.003", "big"],
        ["2", "arc.3", repr(["Missing score"]), "arc", "", "1.0", repr([""]), repr(["D"]), "0.0002", "0.003", "big"],
    ]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def test_routerbench_wide_csv(tmp_path):
    path = tmp_path / "rb.csv"
    write_routerbench(path)
    assert guess_format(path) == "routerbench"
    t = load_table(path)
    assert t.models == ["small", "big"]
    assert len(t) == 2 and t.notes["dropped_rows_missing_score"] == "1"
    # the long few-shot prompt is routed on its final question only
    assert t.queries[0] == "What melts ice fastest?\nA) salt\nB) sand\nAnswer:"
    assert t.queries[1] == "Short question?"
    assert np.allclose(t.scores, [[1, 0], [0, 1]])
    assert np.allclose(t.costs, [[0.0001, 0.002], [0.0002, 0.003]])
    assert t.responses[0] == ["A", "B\n"]
    assert t.groups == ["arc", "arc"]


def test_scores_json_prices_from_token_estimate(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps([
        {"question": "x" * 40, "scores": {"a": 1, "b": 0.5}},
        {"question": "y" * 8, "scores": {"a": 0, "b": 1}, "documents": ["doc one"]},
    ]))
    prices = tmp_path / "p.json"
    prices.write_text(json.dumps({"a": {"input_price": 1.0, "output_price": 2.0},
                                  "b": {"input_price": 10.0, "output_price": 20.0}}))
    t = load_table(path, prices_path=prices)
    assert t.models == ["a", "b"]
    assert np.allclose(t.scores, [[1, 0.5], [0, 1]])
    # 40 chars -> 10 tokens, 8 chars -> 2 tokens; 256 answer tokens
    assert t.costs[0, 0] == pytest.approx((10 * 1 + 256 * 2) / 1e6)
    assert t.costs[1, 1] == pytest.approx((2 * 10 + 256 * 20) / 1e6)
    assert t.documents == [[], ["doc one"]]


def test_scores_json_without_price_for_a_model_fails_clearly(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps([{"question": "q", "scores": {"unpriced-model": 1}}]))
    with pytest.raises(ValueError, match="unpriced-model"):
        load_table(path)


def test_routellm_csv_and_directory(tmp_path):
    prices = tmp_path / "p.json"
    prices.write_text(json.dumps({"weak": {"input_price": 0.5, "output_price": 0.5},
                                  "strong": {"input_price": 10, "output_price": 30}}))
    d = tmp_path / "mmlu"
    d.mkdir()
    for name, rows in {"mmlu_a.csv": [["Q1", "True", "False"], ["Q2", "False", "True"]],
                       "mmlu_b.csv": [["Q3", "True", "True"]]}.items():
        with open(d / name, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["prompt", "weak", "strong"])
            w.writerows(rows)
    t = load_table(d, prices_path=prices)
    assert guess_format(d) == "routellm"
    assert t.models == ["weak", "strong"] and t.queries == ["Q1", "Q2", "Q3"]
    assert np.allclose(t.scores, [[1, 0], [0, 1], [1, 1]])
    assert t.groups == ["mmlu_a", "mmlu_a", "mmlu_b"]
    one = tmp_path / "gsm.csv"
    with open(one, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["prompt", "weak", "strong", "weak_response", "strong_response"])
        w.writerow(["2+2?", "False", "True", "5", "4"])
    t = load_table(one, prices_path=prices)
    assert t.responses == [["5", "4"]]
    train, test = load_table(d, prices_path=prices).split(0.5, seed=0)
    assert len(train) + len(test) == 3
