"""Per-query outcomes of several models: what learned routers train on and what they are scored on.

One row per query: the text a router embeds, each model's quality in [0, 1] and dollar cost, and
optionally each model's answer (to replay cascades) and the documents retrieved for the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class RoutingTable:
    queries: list[str]
    models: list[str]
    scores: np.ndarray  # (n, m) quality of model j on query i, in [0, 1]; NaN: never tried
    costs: np.ndarray  # (n, m) USD to answer query i with model j
    responses: list[list[str]] | None = None  # (n, m) answers, when the source has them
    documents: list[list[str]] | None = None  # retrieved documents per query (RAG)
    groups: list[str] | None = None  # task or subject per query
    notes: dict[str, str] = field(default_factory=dict)  # how costs were obtained, etc.

    def __post_init__(self) -> None:
        self.scores = np.asarray(self.scores, dtype=np.float64)
        self.costs = np.asarray(self.costs, dtype=np.float64)
        n, m = len(self.queries), len(self.models)
        if self.scores.shape != (n, m) or self.costs.shape != (n, m):
            raise ValueError(f"scores {self.scores.shape} and costs {self.costs.shape} must be ({n}, {m})")

    def __len__(self) -> int:
        return len(self.queries)

    def subset(self, index: np.ndarray | list[int]) -> RoutingTable:
        idx = np.asarray(index, dtype=int)

        def pick(values: list | None) -> list | None:
            return None if values is None else [values[i] for i in idx]

        return RoutingTable([self.queries[i] for i in idx], list(self.models), self.scores[idx],
                            self.costs[idx], pick(self.responses), pick(self.documents), pick(self.groups),
                            dict(self.notes))

    def split(self, test_fraction: float = 0.5, seed: int = 0) -> tuple[RoutingTable, RoutingTable]:
        """Seeded random split into (train, test)."""
        order = np.random.default_rng(seed).permutation(len(self))
        n_test = int(round(len(self) * test_fraction))
        return self.subset(np.sort(order[n_test:])), self.subset(np.sort(order[:n_test]))

    def mean_quality(self) -> np.ndarray:
        """Per model, over the queries it was tried on (NaN marks an untried cell)."""
        return np.nanmean(self.scores, axis=0)

    def mean_cost(self) -> np.ndarray:
        return self.costs.mean(axis=0)
