"""Pareto relative superiority of the cloud model's quality vector over the edge model's.

Several quality dimensions rarely agree, and a plain sum of differences lets a large gain on one
dimension hide a loss on another. Following RouteT2I, the comparison is Pareto-aware. Our reading
of the paper's definition (only its abstract was reachable from this machine), with
d_m = (cloud_m - edge_m) / scale_m, G = sum of positive d_m, L = sum of |negative d_m|, M dims:

    PRS = (G - L) / M  *  |G - L| / (G + L)          (0 when G + L == 0)

- cloud Pareto-dominates edge (L = 0): PRS = G / M, the mean gain;
- edge dominates cloud (G = 0): PRS = -L / M;
- a trade-off (both > 0): the net mean gain shrunk by how mixed the comparison is, so prompts where
  the cloud is better on every dimension rank above prompts with the same net gain bought by losses.
"""

from __future__ import annotations

import numpy as np


def pareto_superiority(cloud: np.ndarray, edge: np.ndarray, scale: np.ndarray | None = None) -> np.ndarray:
    """PRS per row for (n, M) arrays (or a single (M,) pair -> 0-d array)."""
    cloud = np.asarray(cloud, dtype=np.float64)
    edge = np.asarray(edge, dtype=np.float64)
    if cloud.shape != edge.shape:
        raise ValueError(f"shape mismatch: {cloud.shape} vs {edge.shape}")
    d = cloud - edge
    if scale is not None:
        d = d / np.clip(np.asarray(scale, dtype=np.float64), 1e-12, None)
    gains = np.clip(d, 0, None).sum(axis=-1)
    losses = np.clip(-d, 0, None).sum(axis=-1)
    net = gains - losses
    total = gains + losses
    mixed = np.divide(np.abs(net), total, out=np.zeros_like(net), where=total > 0)
    return net / d.shape[-1] * mixed


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """True when a is at least as good as b on every dimension and strictly better on one."""
    a = np.asarray(a)
    b = np.asarray(b)
    return bool(np.all(a >= b) and np.any(a > b))
