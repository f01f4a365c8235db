"""Matrix-factorisation router (RouteLLM's `mf` idea, with local MiniLM embeddings instead of an API).

Each model has a learned vector; a query is projected into the same low-rank space; the logit of a good
answer is their dot product plus a per-model bias. Query and model interact only through that product,
which keeps the model small and lets it share strength across models.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from policies.learned import LearnedPolicy
from policies.table import RoutingTable
from policies.torch_fit import load_state_arrays, masked_bce, state_arrays, train_module


class _MF(nn.Module):
    def __init__(self, dim: int, n_models: int, rank: int) -> None:
        super().__init__()
        self.project = nn.Linear(dim, rank, bias=False)
        self.model_vecs = nn.Parameter(torch.randn(n_models, rank) * 0.1)
        self.bias = nn.Parameter(torch.zeros(n_models))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.project(x) @ self.model_vecs.T + self.bias



class MFPolicy(LearnedPolicy):
    name = "mf"

    def __init__(self, rank: int = 32, **kw: Any) -> None:
        super().__init__(**kw)
        self.factors = rank
        self.net: _MF | None = None

    def fit_predictor(self, x: np.ndarray, y: np.ndarray, table: RoutingTable) -> dict[str, float]:
        torch.manual_seed(self.seed)
        self.net = _MF(x.shape[1], y.shape[1], self.factors)
        return train_module(self.net, x, y, masked_bce, seed=self.seed, weight_decay=1e-3)

    def predict(self, x: np.ndarray) -> np.ndarray:
        assert self.net is not None, "fit or load the policy first"
        with torch.no_grad():
            return torch.sigmoid(self.net(torch.as_tensor(np.asarray(x, np.float32)))).numpy()

    def config(self) -> dict[str, Any]:
        return {**super().config(), "rank": self.factors}

    def arrays(self) -> dict[str, np.ndarray]:
        assert self.net is not None
        return state_arrays(self.net)

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        dim = int(arrays["project.weight"].shape[1])
        self.net = _MF(dim, len(self.models), self.factors)
        load_state_arrays(self.net, arrays)
