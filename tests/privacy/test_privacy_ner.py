"""Our CRF NER: training runs end to end on generated text, and the packaged model finds names,
places, organisations and addresses in held-out generated text (a seed training never used)."""

from __future__ import annotations

import pytest

from privacy.ner import CrfNerLayer, _refine, bio_to_spans, tokenize
from privacy.ner_train import Generator, bio_tags, train
from privacy.spans import Span


def test_bio_round_trip_recovers_the_generated_spans():
    gen = Generator(seed=123)
    for _ in range(50):
        text, spans = gen.sample()
        tokens, tags = bio_tags(text, spans)
        found = {(s.start, s.end, s.category) for s in bio_to_spans(text, tokens, tags)}
        expected = {(a, b, label) for a, b, label in spans}
        # a span may lose surrounding punctuation when trimmed, never its words
        assert len(found) == len(expected), (text, found, expected)


def test_refine_trims_prose_and_keeps_connectors():
    text = "as regular commenter Ludwig van Beethoven points out"
    pieces = _refine(text, Span(0, len(text), "PERSON", text), mixed_case=True)
    assert [p.text for p in pieces] == ["Ludwig van Beethoven"]
    assert _refine("they were singing", Span(0, 17, "PERSON", "they were singing"), mixed_case=True) == []


def test_training_writes_a_loadable_model(tmp_path):
    card = train(tmp_path / "tiny.bin", n=300, seed=5, iterations=15)
    assert card["tokens"] > 3000 and (tmp_path / "tiny.card.json").exists()
    layer = CrfNerLayer.load(tmp_path / "tiny.bin")
    assert isinstance(layer.scan("Hello, my name is Anna Berg and I live in Oslo."), list)


@pytest.fixture(scope="module")
def packaged() -> CrfNerLayer:
    return CrfNerLayer.load()


def test_packaged_model_on_held_out_generated_text(packaged):
    gen = Generator(seed=987654)  # training used seed 0
    caught = total = false = 0
    for _ in range(150):
        text, spans = gen.sample()
        found = packaged.scan(text)
        for a, b, _label in spans:
            total += 1
            caught += any(s.start < b and a < s.end for s in found)
        false += sum(1 for s in found if not any(s.start < b and a < s.end for a, b, _ in spans))
    assert total > 100
    assert caught / total >= 0.9, caught / total
    assert false <= 0.1 * total


def test_packaged_model_handles_long_and_odd_text(packaged):
    assert packaged.scan("") == []
    long = "Anna Berg met Tom Lee in Paris. " * 400
    spans = packaged.scan(long)
    assert sum(s.text == "Anna Berg" for s in spans) >= 350
    assert isinstance(packaged.scan("\x00\x01 ☃ " * 100), list)
