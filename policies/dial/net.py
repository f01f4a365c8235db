"""The distilled routing network: a small MLP over state features with a policy head (trained by
cross-entropy to MCTS visit distributions) and a value head (per-action values and the state value,
regressed on the search's estimates)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from policies.dial.store import Dataset


class PolicyValueNet(nn.Module):
    def __init__(self, dim: int, n_actions: int, hidden: int = 128) -> None:
        super().__init__()
        self.dim, self.n_actions, self.hidden = dim, n_actions, hidden
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))
        self.register_buffer("q_scale", torch.ones(()))
        self.trunk = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.policy = nn.Linear(hidden, n_actions)
        self.value = nn.Linear(hidden, n_actions + 1)  # Q(s, a) for each action, then V(s)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.trunk((x - self.mean) / self.std)
        values = self.value(h) * self.q_scale
        return self.policy(h), values[:, :-1], values[:, -1]

    @torch.no_grad()
    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Action probabilities, action values and state values for a batch of feature rows."""
        logits, q, v = self(torch.as_tensor(np.atleast_2d(x), dtype=torch.float32))
        return torch.softmax(logits, -1).numpy(), q.numpy(), v.numpy()


@dataclass
class FitReport:
    epochs: int
    policy_loss: float
    value_loss: float
    top1_agreement: float  # held-out agreement of argmax policy with argmax visits


def fit(data: Dataset, epochs: int = 40, hidden: int = 128, lr: float = 2e-3, batch: int = 256,
        seed: int = 0, value_weight: float = 1.0, progress=None) -> tuple[PolicyValueNet, FitReport]:
    """Train on search data; 10% of rows are held out to report agreement with the search."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n, dim = data.features.shape
    n_actions = data.visits.shape[1]
    net = PolicyValueNet(dim, n_actions, hidden)
    x = torch.as_tensor(data.features)
    net.mean.copy_(x.mean(0))
    net.std.copy_(x.std(0).clamp_min(1e-3))
    q_known = np.nan_to_num(data.q, nan=0.0)
    mask = ~np.isnan(data.q)
    scale = float(np.abs(data.value).mean()) or 1.0
    net.q_scale.fill_(scale)
    order = rng.permutation(n)
    n_val = max(1, n // 10) if n >= 20 else 0
    val, train = order[:n_val], order[n_val:]
    tensors = [torch.as_tensor(a) for a in (data.features, data.visits, q_known, mask, data.value)]
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-5)
    steps = range(epochs) if progress is None else progress(range(epochs))
    p_loss = v_loss = 0.0
    for _ in steps:
        perm = train[rng.permutation(len(train))]
        for i in range(0, len(perm), batch):
            idx = torch.as_tensor(perm[i:i + batch])
            xb, pb, qb, mb, vb = (t[idx] for t in tensors)
            logits, q, v = net(xb)
            policy_loss = -(pb * torch.log_softmax(logits, -1)).sum(-1).mean()
            q_err = ((q - qb) / scale) ** 2 * mb
            value_loss = q_err.sum() / mb.sum().clamp_min(1) + (((v - vb) / scale) ** 2).mean()
            loss = policy_loss + value_weight * value_loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            p_loss, v_loss = float(policy_loss.detach()), float(value_loss.detach())
    agreement = float("nan")
    if n_val:
        probs, _, _ = net.predict(data.features[val])
        agreement = float(np.mean(probs.argmax(1) == data.visits[val].argmax(1)))
    net.eval()
    return net, FitReport(epochs, p_loss, v_loss, agreement)


def save(net: PolicyValueNet, path: str) -> None:
    torch.save({"dim": net.dim, "n_actions": net.n_actions, "hidden": net.hidden, "state": net.state_dict()}, path)


def load(path: str) -> PolicyValueNet:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    net = PolicyValueNet(blob["dim"], blob["n_actions"], blob["hidden"])
    net.load_state_dict(blob["state"])
    net.eval()
    return net
