"""State features for the distilled policy and the retrieval index.

Two kinds, recorded in a trained policy's card so inference rebuilds the same vector:
- "compact": the simulator's own observable features (fast; what the simulator benchmarks use);
- "text": sentence embeddings of the dialogue (first and latest user turn) plus turn index, cost so far
  and previous model, computable from any OpenAI message list (what the gateway uses).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from policies.base import message_text
from policies.dial.env import Observation


class Featurizer:
    kind = "base"

    def __init__(self, n_actions: int, cost_scale: float) -> None:
        self.n_actions = n_actions
        self.cost_scale = cost_scale or 1.0

    def numeric(self, obs: Observation) -> list[float]:
        """Turn index, cost so far (in dearest-turn units) and the previous model as a one-hot."""
        prev = [0.0] * (self.n_actions + 1)
        prev[0 if obs.prev_action is None else obs.prev_action + 1] = 1.0
        return [obs.turn / 8.0, obs.cost_so_far / (8.0 * self.cost_scale)] + prev

    def __call__(self, obs: Observation) -> np.ndarray:
        return self.batch([obs])[0]

    def batch(self, observations: Sequence[Observation]) -> np.ndarray:
        raise NotImplementedError


class CompactFeaturizer(Featurizer):
    kind = "compact"

    def batch(self, observations: Sequence[Observation]) -> np.ndarray:
        if any(o.compact is None for o in observations):
            raise ValueError("compact features need an environment that provides them (the simulator)")
        return np.asarray([o.compact for o in observations], dtype=np.float32)


class TextFeaturizer(Featurizer):
    kind = "text"

    def __init__(self, n_actions: int, cost_scale: float, encoder: Any = None) -> None:
        super().__init__(n_actions, cost_scale)
        self._encoder = encoder
        self._cache: dict[str, np.ndarray] = {}

    @property
    def encoder(self) -> Any:
        if self._encoder is None:
            from policies.encoder import shared_encoder

            self._encoder = shared_encoder()
        return self._encoder

    def batch(self, observations: Sequence[Observation]) -> np.ndarray:
        firsts, lasts = [], []
        for obs in observations:
            users = [message_text(m) for m in obs.messages if m.get("role") == "user"] or [""]
            firsts.append(users[0])
            lasts.append(users[-1])
        vectors = self._encode(firsts + lasts)
        n = len(observations)
        numeric = np.asarray([self.numeric(o) for o in observations], dtype=np.float32)
        return np.concatenate([vectors[:n], vectors[n:], numeric], axis=1).astype(np.float32)


    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embeddings with a bounded in-memory cache: a dialogue's opening turn is re-encoded every turn."""
        cache = self._cache
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            if len(cache) > 20000:
                cache.clear()
            cache.update(zip(missing, self.encoder.encode(missing)))
        return np.stack([cache[t] for t in texts])


def make_featurizer(kind: str, n_actions: int, cost_scale: float, encoder: Any = None) -> Featurizer:
    if kind == "compact":
        return CompactFeaturizer(n_actions, cost_scale)
    if kind == "text":
        return TextFeaturizer(n_actions, cost_scale, encoder)
    raise ValueError(f"unknown feature kind {kind!r} (compact|text)")
