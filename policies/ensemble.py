"""Average of the kNN, MLP and MF routers' predicted qualities: their errors differ, so the mean ranks better."""

from __future__ import annotations

from typing import Any

import numpy as np

from policies.knn import KNNPolicy
from policies.learned import LearnedPolicy
from policies.mf import MFPolicy
from policies.mlp import MLPPolicy
from policies.table import RoutingTable

MEMBERS: dict[str, type[LearnedPolicy]] = {"knn": KNNPolicy, "mlp": MLPPolicy, "mf": MFPolicy}


class EnsemblePolicy(LearnedPolicy):
    name = "ensemble"

    def __init__(self, members: dict[str, dict[str, Any]] | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        configs = members or {name: {} for name in MEMBERS}
        self.members = {name: MEMBERS[name](seed=self.seed, **{k: v for k, v in cfg.items() if k not in ("lam", "seed")})
                        for name, cfg in configs.items()}

    def fit_predictor(self, x: np.ndarray, y: np.ndarray, table: RoutingTable) -> dict[str, float]:
        metrics = {}
        for name, member in self.members.items():
            member.models, member.costs = self.models, self.costs
            for key, value in (member.fit_predictor(x, y, table) or {}).items():
                metrics[f"{name}_{key}"] = value
        return metrics

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.mean([m.predict(x) for m in self.members.values()], axis=0)

    def config(self) -> dict[str, Any]:
        return {**super().config(), "members": {n: m.config() for n, m in self.members.items()}}

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"{n}/{k}": v for n, m in self.members.items() for k, v in m.arrays().items()}

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        for name, member in self.members.items():
            member.models, member.costs = self.models, self.costs
            member.load_arrays({k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(name + "/")})
