"""Shared machinery of routers that predict each model's quality from the query embedding.

A subclass implements `fit_predictor` and `predict`; this class turns predictions into a choice with
one knob, λ: pick argmax_j predicted_quality_j − λ · cost_j / max_cost. λ = 0 buys the best predicted
model; a large λ buys the cheapest. The same `choose` serves the gateway (one request) and the
benchmark (a whole test split at once, vectorised).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from policies.base import Decision, ModelCard, Policy, RouteRequest, Scored
from policies.table import RoutingTable
from policies.text import routing_text


class LearnedPolicy(Policy):
    name = "learned"
    knob_name: ClassVar[str] = "lambda"
    blocking = True  # embeds the query (the gateway batches that through adecide)

    def __init__(self, lam: float = 0.0, encoder_path: str | None = None, seed: int = 0,
                 quantized_queries: bool = True) -> None:
        self.lam = float(lam)
        self.quantized_queries = bool(quantized_queries)  # serve single queries on the int8 encoder copy
        self.encoder_path = encoder_path
        self.seed = seed
        self.models: list[str] = []
        self.costs = np.zeros(0)  # mean USD per query for each model, from the training data
        self._encoder: Any = None

    # ---- training -------------------------------------------------------------------------
    def fit(self, table: RoutingTable, embeddings: np.ndarray | None = None) -> dict[str, float]:
        """Learn from per-query outcomes; returns validation metrics for the card."""
        self.models = list(table.models)
        self.costs = table.mean_cost().astype(np.float64)
        x = self.embed(table.queries) if embeddings is None else np.asarray(embeddings, np.float32)
        return self.fit_predictor(x, table.scores.astype(np.float32), table) or {}

    def fit_predictor(self, x: np.ndarray, y: np.ndarray, table: RoutingTable) -> dict[str, float] | None:
        raise NotImplementedError

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(n, d) embeddings -> (n, m) predicted quality per model."""
        raise NotImplementedError

    def predict_rows(self, table: RoutingTable, embeddings: np.ndarray | None) -> np.ndarray:
        """Predictions for a whole table (the benchmark path); embeddings are computed when not given."""
        return self.predict(self.embed(table.queries) if embeddings is None else embeddings)

    # ---- choosing -------------------------------------------------------------------------
    def utilities(self, pred: np.ndarray, knob: float, costs: np.ndarray | None = None) -> np.ndarray:
        costs = self.costs if costs is None else costs
        scale = float(costs.max()) or 1.0
        # A tiny cost term breaks ties toward the cheaper model.
        return pred - (knob + 1e-9) * costs / scale

    def choose(self, pred: np.ndarray, knob: float) -> np.ndarray:
        """Index of the chosen model per row of `pred`."""
        return np.argmax(self.utilities(pred, knob), axis=1)

    def knob_grid(self, pred: np.ndarray, size: int = 120) -> list[float]:
        """λ values where choices change: ratios of quality gaps to cost gaps, by quantile."""
        scale = float(self.costs.max()) or 1.0
        c = self.costs / scale
        ratios = []
        for a in range(len(c)):
            for b in range(len(c)):
                if c[a] > c[b]:
                    gap = pred[:, a] - pred[:, b]
                    ratios.append(gap[gap > 0] / (c[a] - c[b]))
        r = np.concatenate(ratios) if ratios else np.zeros(0)
        if r.size == 0:
            return [0.0]
        grid = np.quantile(r, np.linspace(0, 1, size))
        return sorted({0.0, *map(float, grid), float(r.max() * 1.01 + 1e-6)})

    # ---- serving --------------------------------------------------------------------------
    def encoder(self) -> Any:
        if self._encoder is None:
            from policies.encoder import shared_encoder

            self._encoder = shared_encoder(self.encoder_path)
        return self._encoder

    def embed(self, texts: list[str]) -> np.ndarray:
        """Training and evaluation: the fp32 encoder (batched, disk-cached when the encoder has a cache)."""
        return self.encoder().encode([routing_text(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """Serving one request: the query path (int8 copy unless `quantized_queries` is off)."""
        return self.encoder().encode_query(routing_text(text), self.quantized_queries)

    def query_text(self, request: RouteRequest) -> str:
        """What the router embeds for a request."""
        return request.query

    def decide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        return self.decide_on(request, models, self.embed_query(self.query_text(request)))

    async def adecide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        text = routing_text(self.query_text(request))
        return self.decide_on(request, models, await self.encoder().aencode_query(text, self.quantized_queries))

    def decide_on(self, request: RouteRequest, models: list[ModelCard], x: np.ndarray) -> Decision:
        """The decision once the query is embedded (`x`: one vector)."""
        from policies.threads import single_thread

        with single_thread():  # one query: thread pools only add hand-offs (see policies.threads)
            pred = self.predict(x[None, :])[0]
        return self.rank(pred, models, self.lam, self.utilities(pred[None, :], self.lam)[0])

    def rank(self, pred: np.ndarray, models: list[ModelCard], knob: float, utility: np.ndarray) -> Decision:
        """Known and available models by utility; available models the artifact never saw go last."""
        available = {m.name for m in models}
        known = [(utility[j], self.models[j], float(pred[j])) for j in range(len(self.models))
                 if self.models[j] in available]
        known.sort(key=lambda t: -t[0])
        ranked = [Scored(name, round(p, 4)) for _, name, p in known]
        ranked += [Scored(m.name, 0.0) for m in models if m.name not in set(self.models)]
        return Decision(ranked=ranked, policy=self.name, knob={self.knob_name: knob},
                        reason=f"predicted quality {ranked[0].score:.3f}" if ranked else "no known model")

    # ---- persistence (see policies.artifact) ----------------------------------------------
    def config(self) -> dict[str, Any]:
        return {"lam": self.lam, "seed": self.seed}

    def arrays(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError


def validation_split(n: int, seed: int, fraction: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (train, validation) index split used for early stopping and hyper-parameters."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(n * fraction))) if n > 4 else 0
    return np.sort(order[n_val:]), np.sort(order[:n_val])
