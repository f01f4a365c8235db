"""Baselines every learned router must beat: best single model, random mixes, and the oracle (evaluation only)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from policies.base import Decision, ModelCard, RouteRequest
from policies.learned import LearnedPolicy
from policies.table import RoutingTable


class BestSinglePolicy(LearnedPolicy):
    """Ignores the query: each model's mean training quality, traded against cost with λ."""

    name = "best-single"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.quality = np.zeros(0)

    def fit_predictor(self, x: np.ndarray, y: np.ndarray, table: RoutingTable) -> dict[str, float]:
        self.quality = np.nanmean(y, axis=0).astype(np.float64)
        return {}

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.tile(self.quality, (len(x), 1))

    def decide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:  # no embedding needed
        pred = self.quality
        return self.rank(pred, models, self.lam, self.utilities(pred[None, :], self.lam)[0])

    def arrays(self) -> dict[str, np.ndarray]:
        return {"quality": self.quality}

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.quality = arrays["quality"]


class RandomPolicy(LearnedPolicy):
    """Random mixes of neighbouring models on the cost-quality hull of the single models.

    The knob t in [0, 1] walks along that hull from the cheapest to the best model; between two hull
    models a query goes to the dearer one with the interpolated probability, drawn from a hash of the
    query (seeded), so a decision is repeatable. This is the noise floor a learned router must clear.
    """

    name = "random"
    knob_name = "t"

    def __init__(self, t: float = 0.5, **kw: Any) -> None:
        super().__init__(**kw)
        self.lam = float(t)
        self.hull: list[int] = []
        self.quality = np.zeros(0)

    def fit_predictor(self, x: np.ndarray, y: np.ndarray, table: RoutingTable) -> dict[str, float]:
        self.quality = np.nanmean(y, axis=0).astype(np.float64)
        self.hull = hull_models(self.costs, self.quality)
        return {}

    def draw(self, queries: list[str]) -> np.ndarray:
        return np.array([int(hashlib.sha256(f"{self.seed}\0{q}".encode()).hexdigest()[:12], 16) / 16**12
                         for q in queries])

    def predict_rows(self, table: RoutingTable, embeddings: np.ndarray | None) -> np.ndarray:
        """Each row repeats the query's uniform draw (this policy has no quality estimate)."""
        return np.tile(self.draw(table.queries)[:, None], (1, len(self.models)))

    def choose(self, pred: np.ndarray, knob: float) -> np.ndarray:
        u = pred[:, 0]
        pos = float(np.clip(knob, 0, 1)) * (len(self.hull) - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, len(self.hull) - 1)
        frac = pos - lo
        return np.where(u < frac, self.hull[hi], self.hull[lo])

    def knob_grid(self, pred: np.ndarray, size: int = 41) -> list[float]:
        return [float(t) for t in np.linspace(0, 1, size)]

    def decide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        j = int(self.choose(self.draw([request.query])[:, None], self.lam)[0])
        pred = np.zeros(len(self.models))
        pred[j] = 1.0
        return self.rank(pred, models, self.lam, pred)

    def config(self) -> dict[str, Any]:
        return {"t": self.lam, "seed": self.seed}

    def arrays(self) -> dict[str, np.ndarray]:
        return {"quality": self.quality, "hull": np.asarray(self.hull)}

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.quality = arrays["quality"]
        self.hull = [int(i) for i in arrays["hull"]]


class OraclePolicy(LearnedPolicy):
    """Knows every model's true outcome on the evaluated queries: the ceiling, for evaluation only."""

    name = "oracle"

    def fit_predictor(self, x: np.ndarray, y: np.ndarray, table: RoutingTable) -> dict[str, float]:
        return {}

    def predict_rows(self, table: RoutingTable, embeddings: np.ndarray | None) -> np.ndarray:
        return table.scores

    def decide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        raise RuntimeError("the oracle needs the true outcomes: it exists only inside the evaluation harness")


def hull_models(costs: np.ndarray, quality: np.ndarray) -> list[int]:
    """Indices of the models on the upper, non-decreasing convex hull of (cost, quality), by cost."""
    order = sorted(range(len(costs)), key=lambda j: (costs[j], -quality[j]))
    out: list[int] = []
    for j in order:
        if out and quality[j] <= quality[out[-1]]:
            continue
        while len(out) >= 2:
            a, b = out[-2], out[-1]
            cross = (costs[b] - costs[a]) * (quality[j] - quality[a]) - (quality[b] - quality[a]) * (costs[j] - costs[a])
            if cross >= 0:
                out.pop()
            else:
                break
        out.append(j)
    return out
