"""A learned ask/continue policy for the seek-help agent, trained from logged episodes.

Every step on which the SLM asked carries a label: the mentor said the step needed fixing (asking
helped) or that it was fine (asking was wasted). A logistic regression on the step's features
(confidence from token log-probabilities, position, content) predicts P(asking helps); the agent
asks when that exceeds a threshold. Saved as a directory: weights.json + card.json.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

FEATURES = ("mean_logprob", "min_logprob", "low_share", "tokens", "step_index", "has_number", "has_operator",
            "is_final", "asks_so_far", "has_logprobs")


def labelled_steps(episodes: Iterable[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) from episodes' asked steps: y = 1 when the mentor's verdict was 'fix'."""
    rows, labels = [], []
    for episode in episodes:
        for step in episode.get("steps", []):
            if step.get("asked") and step.get("verdict") in ("ok", "fix"):
                rows.append([float(step["features"].get(name, 0.0)) for name in FEATURES])
                labels.append(1.0 if step["verdict"] == "fix" else 0.0)
    return np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES)), np.array(labels)


class AskPolicy:
    """Logistic regression over FEATURES; `__call__(features) -> bool` plugs into SeekHelpConfig."""

    def __init__(self, weights: np.ndarray | None = None, bias: float = 0.0, mean: np.ndarray | None = None,
                 scale: np.ndarray | None = None, threshold: float = 0.5) -> None:
        self.weights = np.zeros(len(FEATURES)) if weights is None else weights
        self.bias = bias
        self.mean = np.zeros(len(FEATURES)) if mean is None else mean
        self.scale = np.ones(len(FEATURES)) if scale is None else scale
        self.threshold = threshold
        self.card: dict[str, Any] = {}

    def fit(self, x: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 2000, lr: float = 0.1) -> AskPolicy:
        if len(y) < 2 or len(set(y.tolist())) < 2:
            raise ValueError(f"need labelled steps of both kinds to train (have {len(y)}: "
                             f"{int(y.sum()) if len(y) else 0} helped)")
        self.mean = x.mean(axis=0)
        self.scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
        z = (x - self.mean) / self.scale
        w, b = np.zeros(z.shape[1]), 0.0
        for _ in range(steps):  # full-batch gradient descent: a few hundred rows at most
            p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
            w -= lr * (z.T @ (p - y) / len(y) + l2 * w)
            b -= lr * float(np.mean(p - y))
        self.weights, self.bias = w, b
        predicted = self.proba(x) >= self.threshold
        self.card = {"trained_at": time.time(), "rows": int(len(y)), "helped_rate": float(y.mean()),
                     "train_accuracy": float(np.mean(predicted == (y == 1))), "features": list(FEATURES),
                     "threshold": self.threshold}
        return self

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(x) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(z @ self.weights + self.bias)))

    def __call__(self, features: dict[str, float]) -> bool:
        row = np.array([[float(features.get(name, 0.0)) for name in FEATURES]])
        return bool(self.proba(row)[0] >= self.threshold)

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "weights.json").write_text(json.dumps({
            "features": list(FEATURES), "weights": self.weights.tolist(), "bias": self.bias,
            "mean": self.mean.tolist(), "scale": self.scale.tolist(), "threshold": self.threshold}, indent=2))
        (directory / "card.json").write_text(json.dumps({"kind": "seek-help-ask-policy", "version": 1,
                                                         **self.card}, indent=2))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> AskPolicy:
        raw = json.loads((Path(directory) / "weights.json").read_text())
        if raw["features"] != list(FEATURES):
            raise ValueError(f"policy in {directory} was trained on other features: {raw['features']}")
        policy = cls(np.array(raw["weights"]), float(raw["bias"]), np.array(raw["mean"]), np.array(raw["scale"]),
                     float(raw["threshold"]))
        card = Path(directory) / "card.json"
        policy.card = json.loads(card.read_text()) if card.exists() else {}
        return policy
