"""Quality-vs-cloud-fraction curves for image routing methods.

Every method is reduced to a ranking of prompts (highest first goes to the cloud); sending the
top k of n prompts to the cloud gives one point (k/n, quality). Quality of one image is the mean
over dimensions of its score z-standardised with the pooled edge+cloud scores of that dimension,
so dimensions with large spreads do not dominate. Gain is reported relative to always-edge and
normalised by the always-cloud gain (1.0 = as good as sending everything to the cloud).
"""

from __future__ import annotations

import numpy as np


def aggregate_quality(edge: np.ndarray, cloud: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pooled = np.concatenate([edge, cloud])
    mu = pooled.mean(axis=0)
    sd = pooled.std(axis=0) + 1e-12
    return ((edge - mu) / sd).mean(axis=1), ((cloud - mu) / sd).mean(axis=1)


def curve(order_scores: np.ndarray, q_edge: np.ndarray, q_cloud: np.ndarray) -> np.ndarray:
    """Mean quality after sending the top-k prompts to the cloud, for k = 0..n (length n+1)."""
    order = np.argsort(-np.asarray(order_scores, dtype=np.float64), kind="stable")
    delta = (q_cloud - q_edge)[order]
    return (q_edge.sum() + np.concatenate([[0.0], np.cumsum(delta)])) / len(q_edge)


def random_curve(q_edge: np.ndarray, q_cloud: np.ndarray, seeds: int = 50) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.mean([curve(rng.random(len(q_edge)), q_edge, q_cloud) for _ in range(seeds)], axis=0)


def summarise(curves: dict[str, np.ndarray], fractions: list[float]) -> dict[str, dict]:
    """Normalised gain at fixed cloud fractions, area under the normalised-gain curve, and the
    smallest cloud fraction reaching 90% of the always-cloud gain."""
    any_curve = next(iter(curves.values()))
    n = len(any_curve) - 1
    q_edge, q_cloud = any_curve[0], any_curve[-1]
    span = q_cloud - q_edge
    out = {}
    xs = np.arange(n + 1) / n
    for name, c in curves.items():
        gain = (c - q_edge) / span if abs(span) > 1e-12 else np.zeros_like(c)
        reach = np.nonzero(gain >= 0.9)[0]
        out[name] = {
            "gain_at": {f"{f:.2f}": round(float(np.interp(f, xs, gain)), 4) for f in fractions},
            "quality_at": {f"{f:.2f}": round(float(np.interp(f, xs, c)), 4) for f in fractions},
            "auc": round(float(np.trapezoid(gain, xs)), 4),
            "fraction_for_90pct_gain": round(float(xs[reach[0]]), 4) if reach.size else None,
        }
    return out
