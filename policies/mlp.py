"""MLP router: embedding -> one hidden layer -> each model's probability of a good answer."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from policies.learned import LearnedPolicy
from policies.table import RoutingTable
from policies.torch_fit import load_state_arrays, masked_bce, state_arrays, train_module



class MLPPolicy(LearnedPolicy):
    name = "mlp"

    def __init__(self, hidden: int = 128, dropout: float = 0.2, **kw: Any) -> None:
        super().__init__(**kw)
        self.hidden, self.dropout = hidden, dropout
        self.net: nn.Module | None = None
        self.dim = 0

    def _build(self, dim: int, n_models: int) -> nn.Module:
        self.dim = dim
        return nn.Sequential(nn.Linear(dim, self.hidden), nn.GELU(), nn.Dropout(self.dropout),
                             nn.Linear(self.hidden, n_models))

    def fit_predictor(self, x: np.ndarray, y: np.ndarray, table: RoutingTable) -> dict[str, float]:
        torch.manual_seed(self.seed)
        self.net = self._build(x.shape[1], y.shape[1])
        return train_module(self.net, x, y, masked_bce, seed=self.seed)

    def predict(self, x: np.ndarray) -> np.ndarray:
        assert self.net is not None, "fit or load the policy first"
        with torch.no_grad():
            return torch.sigmoid(self.net(torch.as_tensor(np.asarray(x, np.float32)))).numpy()

    def config(self) -> dict[str, Any]:
        return {**super().config(), "hidden": self.hidden, "dropout": self.dropout}

    def arrays(self) -> dict[str, np.ndarray]:
        assert self.net is not None
        return state_arrays(self.net)

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.net = self._build(int(arrays["0.weight"].shape[1]), len(self.models))
        load_state_arrays(self.net, arrays)
