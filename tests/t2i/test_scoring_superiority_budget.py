"""Priority 1: scoring, Pareto relative superiority and budget allocation on hand-computed cases."""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest

from policies.t2i.budget import BudgetConfig, CloudBudget, threshold_for_fraction
from policies.t2i.clip_scorer import QualityScorer, TransformersClip
from policies.t2i.dimensions import DEFAULT_DIMENSIONS, Dimension, load_dimensions
from policies.t2i.superiority import dominates, pareto_superiority
from tests.t2i.tiny_clip import build_tiny_clip, generated_image


class HandVectorClip:
    """Embeddings written out by hand so the expected scores can be computed on paper."""

    texts = {"sharp": [1.0, 0.0, 0.0], "blurry": [0.0, 1.0, 0.0], "a cat": [0.0, 0.0, 1.0]}

    def encode_texts(self, texts):
        return np.array([self.texts[t] for t in texts], dtype=np.float64)

    def encode_images(self, images):
        return np.array([im for im in images], dtype=np.float64)


def test_score_is_similarity_to_positive_minus_negative_hand_computed():
    dims = [Dimension("sharpness", "sharp", "blurry"), Dimension("alignment", "{prompt}", None)]
    scorer = QualityScorer(HandVectorClip(), dims)
    s = 1 / np.sqrt(2)
    images = [np.array([0.6, 0.8, 0.0]), np.array([s, 0.0, s])]
    scores = scorer.score(images, ["a cat", "a cat"])
    # image 1: cos(sharp)=0.6, cos(blurry)=0.8 -> -0.2 ; alignment cos(a cat)=0
    # image 2: cos(sharp)=0.7071, cos(blurry)=0 -> 0.7071 ; alignment 0.7071
    assert scores == pytest.approx(np.array([[-0.2, 0.0], [s, s]]), abs=1e-6)


def test_dimensions_default_and_config():
    assert len(DEFAULT_DIMENSIONS) == 10
    assert load_dimensions("default") == DEFAULT_DIMENSIONS
    dims = load_dimensions([{"name": "sharp", "positive": "sharp photo", "negative": "blurry photo"}])
    assert dims[0].texts("x") == ("sharp photo", "blurry photo")
    with pytest.raises(ValueError):
        load_dimensions([{"name": "a", "positive": "p"}, {"name": "a", "positive": "q"}])
    with pytest.raises(ValueError):
        load_dimensions([{"name": "a"}])


def test_tiny_random_clip_checkpoint_scores_generated_images(tmp_path):
    """Mechanics only: a seeded, randomly initialised CLIP-architecture model loaded from disk."""
    path = build_tiny_clip(tmp_path / "clip", extra_words=["a cat on a sofa"])
    clip = TransformersClip(path)
    scorer = QualityScorer(clip, DEFAULT_DIMENSIONS)
    images = [generated_image(1), generated_image(1, blur=3), generated_image(2)]
    prompts = ["a cat on a sofa"] * 3
    scores = scorer.score(images, prompts)
    assert scores.shape == (3, len(DEFAULT_DIMENSIONS))
    assert np.all(np.abs(scores) <= 2.0)
    # Independent recomputation of one dimension from the model's own embeddings.
    img = clip.encode_images(images)
    pos, neg = clip.encode_texts([DEFAULT_DIMENSIONS[0].positive, DEFAULT_DIMENSIONS[0].negative])
    assert scores[:, 0] == pytest.approx(img @ pos - img @ neg, abs=1e-5)
    assert not np.allclose(scores[0], scores[1])  # blurring changes the scores
    # Loading the same directory again gives the same scores: nothing random at load time.
    again = QualityScorer(TransformersClip(path), DEFAULT_DIMENSIONS).score(images, prompts)
    assert again == pytest.approx(scores, abs=1e-6)


def test_missing_checkpoint_fails_instead_of_downloading(tmp_path):
    with pytest.raises(FileNotFoundError):
        TransformersClip(str(tmp_path / "nope"))


@pytest.mark.parametrize("cloud, edge, scale, expected", [
    ([0.3, 0.2], [0.1, 0.1], None, 0.15),  # cloud dominates: mean gain (0.2 + 0.1) / 2
    ([0.3, 0.0], [0.1, 0.1], None, (0.1 / 2) * (0.1 / 0.3)),  # trade-off: G=.2, L=.1
    ([0.0, 0.0], [0.1, 0.3], None, -0.2),  # edge dominates: -(0.1 + 0.3) / 2
    ([0.5, 0.5], [0.5, 0.5], None, 0.0),
    ([1.0, 1.0], [0.0, 0.0], [1.0, 2.0], 0.75),  # scaled: d = [1, 0.5]
])
def test_pareto_relative_superiority_hand_computed(cloud, edge, scale, expected):
    assert float(pareto_superiority(np.array(cloud), np.array(edge), scale)) == pytest.approx(expected)


def test_superiority_ranks_dominance_above_tradeoff_with_same_net_gain():
    edge = np.zeros((2, 3))
    cloud = np.array([[0.1, 0.1, 0.1], [0.5, -0.1, -0.1]])  # both net +0.3
    prs = pareto_superiority(cloud, edge)
    assert prs[0] == pytest.approx(0.1) and prs[1] == pytest.approx(0.1 * 0.3 / 0.7)
    assert prs[0] > prs[1]
    assert dominates(cloud[0], edge[0]) and not dominates(cloud[1], edge[1])


def test_threshold_for_fraction_hand_computed():
    values = list(range(10))
    t = threshold_for_fraction(values, 0.3)
    assert t == pytest.approx(6.3)
    assert sum(v > t for v in values) == 3
    assert threshold_for_fraction(values, 0.0) == float("inf")
    assert threshold_for_fraction(values, 1.0) == float("-inf")


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_fraction_budget_hand_computed():
    clock = FakeClock()
    budget = CloudBudget(BudgetConfig(max_cloud_fraction=0.5, window_seconds=10), clock)
    got = []
    for _ in range(6):
        got.append(budget.admit(True))
        clock.now += 1
    # 1st: 1 cloud of 1 > 50% -> no; 2nd: 1 of 2 -> yes; 3rd: 2 of 3 -> no; 4th: 2 of 4 -> yes ...
    assert got == [False, True, False, True, False, True]
    assert budget.snapshot()["cloud"] == 3
    clock.now = 100  # window passed: everything expired
    assert budget.snapshot() == {"requests": 0, "cloud": 0, "spend": 0, "cloud_fraction": 0.0}


def test_spend_budget_hand_computed_and_window_expiry():
    clock = FakeClock()
    budget = CloudBudget(BudgetConfig(max_cloud_spend=0.10, window_seconds=60), clock)
    assert budget.admit(True, 0.04) and budget.admit(True, 0.04)
    assert not budget.admit(True, 0.04)  # 0.12 > 0.10
    assert budget.admit(True, 0.02)  # exactly 0.10
    assert not budget.admit(False, 0.0)  # an edge request never gets cloud
    clock.now = 61
    assert budget.admit(True, 0.04)  # the first entries left the window
    budget.refund(0.04)
    assert budget.snapshot()["spend"] == 0


def test_budget_holds_under_concurrent_requests():
    """Many threads ask for the cloud at once; every admission must respect the trailing window."""
    config = BudgetConfig(max_cloud_fraction=0.25, max_cloud_spend=0.5, window_seconds=0.2)
    budget = CloudBudget(config, keep_audit=True)
    rng = random.Random(7)

    def worker(seed):
        r = random.Random(seed)
        for _ in range(60):
            budget.admit(r.random() < 0.8, 0.03)
            time.sleep(r.random() * 0.004)

    threads = [threading.Thread(target=worker, args=(rng.random(),)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    audit = budget.audit
    assert len(audit) == 480
    admitted = 0
    for i, entry in enumerate(audit):
        if not entry.cloud:
            continue
        admitted += 1
        window = [e for e in audit[: i + 1] if e.at > entry.at - config.window_seconds]
        cloud = sum(e.cloud for e in window)
        assert cloud <= 0.25 * len(window) + 1e-9
        assert sum(e.cost for e in window) <= 0.5 + 1e-9
    assert admitted >= 10  # the budget was used, not just refused
