"""Token-level multi-dimension quality predictor (RouteT2I's prompt-only quality estimate).

Frozen token vectors -> a shared projection -> for each quality dimension its own attention over
the prompt's tokens (which tokens matter for *this* dimension) -> that dimension's expert head,
a linear map giving the edge and the cloud score. Because the head is linear in the attended
vector, each prediction splits exactly into per-token contributions plus a bias: that is the
token attribution ("which tokens push this dimension up or down, for which model").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from policies.t2i.rows import LabelledPrompt, score_arrays
from policies.t2i.superiority import pareto_superiority
from policies.threads import single_thread
from policies.t2i.token_encoder import TokenEncoder, shared_token_encoder

SIDES = ("edge", "cloud")


class DimensionExperts(nn.Module):
    """(n, T, d) tokens -> predictions (n, M, 2), attention (n, M, T), contributions (n, M, 2, T)."""

    def __init__(self, token_dim: int, n_dims: int, hidden: int = 64) -> None:
        super().__init__()
        self.project = nn.Sequential(nn.Linear(token_dim, hidden), nn.GELU())
        self.queries = nn.Parameter(torch.randn(n_dims, hidden) / math.sqrt(hidden))
        self.heads = nn.Parameter(torch.randn(n_dims, len(SIDES), hidden) / math.sqrt(hidden))
        self.bias = nn.Parameter(torch.zeros(n_dims, len(SIDES)))

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor):
        h = self.project(tokens)  # (n, T, k)
        logits = torch.einsum("ntk,mk->nmt", h, self.queries) / math.sqrt(h.shape[-1])
        logits = logits.masked_fill(~mask[:, None, :], float("-inf"))
        attn = torch.softmax(logits, dim=-1)  # (n, M, T)
        per_token = torch.einsum("ntk,msk->nmst", h, self.heads)  # head applied to each token
        contrib = attn[:, :, None, :] * per_token  # (n, M, 2, T)
        preds = contrib.sum(-1) + self.bias
        return preds, attn, contrib


@dataclass
class Prediction:
    edge: np.ndarray  # (n, M)
    cloud: np.ndarray  # (n, M)
    superiority: np.ndarray  # (n,)


class QualityPredictor:
    """A trained DimensionExperts plus what it needs to speak in score units."""

    def __init__(self, net: DimensionExperts, dimensions: list[str], mean: np.ndarray, std: np.ndarray,
                 scale: np.ndarray, calibration: np.ndarray, encoder: TokenEncoder, hidden: int) -> None:
        self.net = net.eval()
        self.dimensions = list(dimensions)
        self.mean = mean  # (M, 2) target mean
        self.std = std  # (M, 2) target std
        self.scale = scale  # (M,) per-dimension spread used by superiority
        self.calibration = calibration  # predicted superiority on the training prompts
        self.encoder = encoder
        self.hidden = hidden

    def _run(self, prompts: list[str]):
        tokens, mask = self.encoder.encode(prompts)
        with single_thread(), torch.no_grad():
            preds, attn, contrib = self.net(tokens, mask)
        return preds.numpy(), attn.numpy(), contrib.numpy(), mask.numpy()

    def predict(self, prompts: list[str]) -> Prediction:
        if not prompts:
            empty = np.zeros((0, len(self.dimensions)))
            return Prediction(empty, empty, np.zeros(0))
        preds, _, _, _ = self._run(prompts)
        scores = preds * self.std + self.mean  # (n, M, 2)
        edge, cloud = scores[:, :, 0], scores[:, :, 1]
        return Prediction(edge, cloud, pareto_superiority(cloud, edge, self.scale))

    def explain(self, prompt: str, top: int = 3) -> dict[str, dict]:
        """Per dimension: tokens that push the cloud-minus-edge gap up or down most, in score units."""
        _, attn, contrib, mask = self._run([prompt])
        tokens = self.encoder.tokens(prompt)
        n_tok = int(mask[0].sum())
        out: dict[str, dict] = {}
        for j, name in enumerate(self.dimensions):
            edge_c = contrib[0, j, 0, :n_tok] * self.std[j, 0]
            cloud_c = contrib[0, j, 1, :n_tok] * self.std[j, 1]
            gap = cloud_c - edge_c
            order = np.argsort(gap)
            out[name] = {
                "tokens": tokens[:n_tok],
                "attention": [round(float(a), 4) for a in attn[0, j, :n_tok]],
                "edge": [round(float(x), 5) for x in edge_c],
                "cloud": [round(float(x), 5) for x in cloud_c],
                "favours_cloud": [(tokens[i], round(float(gap[i]), 5)) for i in order[::-1][:top] if gap[i] > 0],
                "favours_edge": [(tokens[i], round(float(gap[i]), 5)) for i in order[:top] if gap[i] < 0],
            }
        return out

    def save(self, out_dir: str | Path) -> None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        torch.save(self.net.state_dict(), out / "predictor.pt")
        meta = {"dimensions": self.dimensions, "mean": self.mean.tolist(), "std": self.std.tolist(),
                "scale": self.scale.tolist(), "calibration": self.calibration.tolist(), "hidden": self.hidden,
                "encoder": Path(self.encoder.model_path).name, "token_dim": self.encoder.dim}
        (out / "meta.json").write_text(json.dumps(meta, indent=1))

    @classmethod
    def load(cls, model_dir: str | Path, encoder: TokenEncoder | None = None) -> "QualityPredictor":
        d = Path(model_dir)
        meta = json.loads((d / "meta.json").read_text())
        encoder = encoder or shared_token_encoder()
        net = DimensionExperts(int(meta["token_dim"]), len(meta["dimensions"]), int(meta["hidden"]))
        net.load_state_dict(torch.load(d / "predictor.pt", map_location="cpu", weights_only=True))
        return cls(net, meta["dimensions"], np.array(meta["mean"]), np.array(meta["std"]), np.array(meta["scale"]),
                   np.array(meta["calibration"]), encoder, int(meta["hidden"]))


def train_predictor(rows: list[LabelledPrompt], encoder: TokenEncoder | None = None, epochs: int = 200,
                    hidden: int = 64, lr: float = 3e-3, weight_decay: float = 1e-4, batch_size: int = 64,
                    seed: int = 0) -> QualityPredictor:
    """Fit the experts on labelled prompts (MSE on standardised scores); the encoder stays frozen."""
    if len(rows) < 4:
        raise ValueError("need at least 4 labelled prompts to train")
    encoder = encoder or shared_token_encoder()
    edge, cloud = score_arrays(rows)
    targets = np.stack([edge, cloud], axis=-1)  # (n, M, 2)
    mean = targets.mean(axis=0)
    std = targets.std(axis=0) + 1e-6
    scale = np.concatenate([edge, cloud]).std(axis=0) + 1e-6
    y = torch.tensor((targets - mean) / std, dtype=torch.float32)
    tokens, mask = encoder.encode([r.prompt for r in rows])

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = DimensionExperts(encoder.dim, edge.shape[1], hidden)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    n = len(rows)
    with single_thread():
        for _ in range(epochs):
            order = torch.randperm(n, generator=gen)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                preds, _, _ = net(tokens[idx], mask[idx])
                loss = torch.mean((preds - y[idx]) ** 2)
                opt.zero_grad()
                loss.backward()
                opt.step()
    net.eval()
    predictor = QualityPredictor(net, rows[0].dimensions, mean, std, scale, np.zeros(0), encoder, hidden)
    predictor.calibration = predictor.predict([r.prompt for r in rows]).superiority
    return predictor
