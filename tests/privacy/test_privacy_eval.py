"""Benchmark plumbing on small fixtures written here: loaders for both formats and the metrics."""

import json

from eval.privacy.loaders import load_annotation, load_presidio
from eval.privacy.metrics import Pred, SpanScorer, phrase_scores


def test_presidio_loader(tmp_path):
    f = tmp_path / "p.json"
    f.write_text(json.dumps([{"full_text": "Call Ann Lee at 555-0100", "masked": "",
                              "spans": [{"entity_type": "PERSON", "entity_value": "Ann Lee", "start_position": 5,
                                         "end_position": 12}], "template_id": 1}]))
    [sample] = load_presidio(f)
    assert sample.gold[0].text == "Ann Lee" and sample.gold[0].category == "PERSON"


def test_annotation_loader_finds_every_phrase_occurrence(tmp_path):
    f = tmp_path / "a.json"
    f.write_text(json.dumps([{"id": 1, "conversation": [
        {"user": "I earn $8000 a month, yes $8000 a month.", "assistant": "ok",
         "privacy": [{"phrase": "$8000 a month", "privacy information": "income"},
                     {"phrase": "not in text", "privacy information": "x"}]}]}]))
    [sample] = load_annotation(f)
    assert len(sample.gold) == 2 and len(sample.phrases) == 2


def test_span_metrics_exact_typed_caught_and_chars():
    text = "Ann Lee lives at 12 High St"
    gold = load_like([(0, 7, "PERSON"), (17, 27, "STREET_ADDRESS")])
    scorer = SpanScorer()
    scorer.add(text, gold, [Pred(0, 7, "PERSON"), Pred(17, 22, "LOCATION"), Pred(8, 13, "PERSON")])
    r = scorer.result()
    assert r["exact_recall"] == 0.5 and r["typed_recall"] == 0.5 and r["caught_recall"] == 1.0
    assert r["caught_precision"] == round(2 / 3, 4)
    assert r["char_recall"] == round(12 / 17, 4) and r["char_precision"] == round(12 / 17, 4)
    assert r["per_gold_category"]["STREET_ADDRESS"]["caught_recall"] == 1.0


def test_phrase_scores():
    r = phrase_scores([(["$8000 a month", "my divorce"], ["8000 a month", "the weather"])])
    assert r["phrase_recall"] == 0.5 and r["phrase_precision"] == 0.5


def load_like(rows):
    from eval.privacy.loaders import Gold

    return [Gold(a, b, c, "") for a, b, c in rows]
