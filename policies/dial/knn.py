"""Retrieval-based future-state approximation: searched states -> their MCTS action values.

At inference a state's action values are the distance-weighted mean over its nearest searched
states, so the look-ahead a search did offline is recalled instead of recomputed.
"""

from __future__ import annotations

import numpy as np


class ActionValueIndex:
    def __init__(self, features: np.ndarray, q: np.ndarray, k: int = 16, max_rows: int = 50000,
                 seed: int = 0) -> None:
        if len(features) > max_rows:
            keep = np.random.default_rng(seed).choice(len(features), max_rows, replace=False)
            features, q = features[keep], q[keep]
        self.mean = features.mean(0)
        self.std = np.maximum(features.std(0), 1e-3)
        self.x = ((features - self.mean) / self.std).astype(np.float32)
        self.sq = (self.x ** 2).sum(1)
        self.q = q.astype(np.float32)
        self.k = min(k, len(self.x))

    def query(self, feature: np.ndarray) -> tuple[np.ndarray, float]:
        """Action values (nan where no neighbour tried the action) and the mean neighbour distance."""
        z = ((np.asarray(feature, np.float32) - self.mean) / self.std).astype(np.float32)
        d2 = np.maximum(self.sq - 2.0 * (self.x @ z) + float(z @ z), 0.0)
        near = np.argpartition(d2, self.k - 1)[:self.k] if self.k < len(d2) else np.arange(len(d2))
        dist = np.sqrt(d2[near])
        weights = 1.0 / (dist + 1e-3)
        q = self.q[near]
        known = ~np.isnan(q)
        total = (weights[:, None] * known).sum(0)
        values = np.where(total > 0, (weights[:, None] * np.nan_to_num(q)).sum(0) / np.maximum(total, 1e-12),
                          np.nan)
        return values, float(dist.mean())

    def save(self, path: str) -> None:
        np.savez_compressed(path, x=self.x, q=self.q, mean=self.mean, std=self.std, k=self.k)

    @classmethod
    def load(cls, path: str) -> "ActionValueIndex":
        blob = np.load(path)
        index = cls.__new__(cls)
        index.x, index.q, index.mean, index.std = blob["x"], blob["q"], blob["mean"], blob["std"]
        index.sq = (index.x ** 2).sum(1)
        index.k = int(blob["k"])
        return index
