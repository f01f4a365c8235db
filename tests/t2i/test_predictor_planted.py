"""Priority 2: the token-level predictor learns a planted token -> quality effect from generated rows.

The rows are generated (eval.t2i.synthetic): "hands" lowers only the edge model's anatomy score,
"sign" only its text-rendering score. Nothing here involves real images.
"""

from __future__ import annotations

import numpy as np
import pytest

from eval.t2i.curves import aggregate_quality, curve, random_curve
from eval.t2i.synthetic import planted_rows
from policies.t2i.predictor import QualityPredictor, train_predictor
from policies.t2i.rows import score_arrays
from policies.t2i.superiority import pareto_superiority


@pytest.fixture(scope="module")
def trained():
    rows = planted_rows(320, seed=3)
    train, test = rows[:240], rows[240:]
    return train_predictor(train, epochs=40, seed=0), test


def test_predicted_superiority_tracks_measured_on_held_out_rows(trained):
    predictor, test = trained
    pred = predictor.predict([r.prompt for r in test])
    edge, cloud = score_arrays(test)
    measured = pareto_superiority(cloud, edge, predictor.scale)
    assert np.corrcoef(pred.superiority, measured)[0, 1] > 0.6
    anatomy = predictor.dimensions.index("anatomy")
    assert np.corrcoef(pred.edge[:, anatomy], edge[:, anatomy])[0, 1] > 0.7


def test_token_attribution_finds_the_planted_tokens(trained):
    predictor, _ = trained
    hands = predictor.explain("an old man with folded hands, pastel tones")["anatomy"]
    assert hands["favours_cloud"][0][0] == "hands"
    sign = predictor.explain("a sign above a night market")["text_rendering"]
    assert sign["favours_cloud"][0][0] == "sign"
    # The planted token does not move an unrelated dimension as much as its own.
    gap_anatomy = dict(zip(hands["tokens"], np.subtract(hands["cloud"], hands["edge"])))["hands"]
    colour = predictor.explain("an old man with folded hands, pastel tones")["colour"]
    gap_colour = dict(zip(colour["tokens"], np.subtract(colour["cloud"], colour["edge"])))["hands"]
    assert gap_anatomy > 3 * abs(gap_colour)


def test_routing_by_prediction_beats_random_and_saves_and_loads(trained, tmp_path):
    predictor, test = trained
    edge, cloud = score_arrays(test)
    q_edge, q_cloud = aggregate_quality(edge, cloud)
    prompts = [r.prompt for r in test]
    routed = curve(predictor.predict(prompts).superiority, q_edge, q_cloud)
    rand = random_curve(q_edge, q_cloud)
    k = int(0.3 * len(test))
    assert routed[k] - q_edge.mean() > 1.5 * (rand[k] - q_edge.mean())
    predictor.save(tmp_path / "model")
    again = QualityPredictor.load(tmp_path / "model", encoder=predictor.encoder)
    assert again.predict(prompts).superiority == pytest.approx(predictor.predict(prompts).superiority, abs=1e-6)
    assert again.calibration == pytest.approx(predictor.calibration)
