"""kNN router: a query's predicted quality per model is the mean outcome of its nearest training queries."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from policies.learned import LearnedPolicy, validation_split
from policies.table import RoutingTable


class KNNPolicy(LearnedPolicy):
    name = "knn"

    def __init__(self, k: int | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.k = k
        self.x = np.zeros((0, 0), np.float32)
        self.y = np.zeros((0, 0), np.float32)

    def fit_predictor(self, x: np.ndarray, y: np.ndarray, table: RoutingTable) -> dict[str, float]:
        metrics: dict[str, float] = {}
        if self.k is None:  # pick k on a validation split: lowest squared error of predicted quality
            tr, va = validation_split(len(x), self.seed)
            self.x, self.y = x[tr], y[tr]
            errors = {k: float(np.nanmean((self._predict(x[va], k) - y[va]) ** 2))
                      for k in (5, 10, 20, 40, 80) if k <= len(tr)}
            self.k = min(errors, key=errors.get) if errors else 1
            metrics["val_mse"] = errors.get(self.k, float("nan"))
        self.x, self.y = x, y
        metrics["k"] = float(self.k)
        return metrics

    def _predict(self, q: np.ndarray, k: int) -> np.ndarray:
        # torch, not numpy: under policies.threads.single_thread() it stays on the calling thread
        sims = (torch.from_numpy(np.ascontiguousarray(q, np.float32)) @ torch.from_numpy(self.x).T).numpy()
        k = min(k, self.x.shape[0])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        neighbours = self.y[top]  # (n, k, m); NaN where a neighbour never tried the model
        if not np.isnan(neighbours).any():
            return neighbours.mean(axis=1)
        tried = (~np.isnan(neighbours)).sum(axis=1)
        mean = np.where(tried > 0, np.nansum(neighbours, axis=1) / np.maximum(tried, 1), np.nan)
        return np.where(np.isnan(mean), np.nanmean(self.y, axis=0), mean)  # no neighbour tried it: model mean

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self._predict(np.asarray(x, np.float32), int(self.k or 1))

    def config(self) -> dict[str, Any]:
        return {**super().config(), "k": self.k}

    def arrays(self) -> dict[str, np.ndarray]:
        return {"x": self.x, "y": self.y}

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.x, self.y = arrays["x"].astype(np.float32), arrays["y"].astype(np.float32)
