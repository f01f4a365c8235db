"""RAGRouter (Zhang et al., NeurIPS 2025): route on the query *and* the retrieved documents.

Documents change which model answers best ("knowledge representation shift"). Each model m has a
learnable knowledge embedding k_m and a RAG-capability embedding r_m. When documents come with the
query, a multi-head attention whose queries are (r_m + query) reads the document embeddings; the result,
with r_m and a query-document relevance signal, gives a shift δ_m, and the model's representation
becomes k_m + δ_m. Score = scaled cosine(query, representation) + bias; sigmoid(score) is the
probability of a good answer.

Training: a contrastive loss with the query as anchor, correct models as positives and incorrect ones as
negatives, within each setting (with / without documents) and across both settings pooled, plus a binary
cross-entropy on sigmoid(score). Choosing: the score threshold θ - models sorted by cost, take the first
whose probability is within θ of the best one. Without documents it is a plain single-turn router.
"""

from __future__ import annotations

import asyncio

import re
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from policies.base import Decision, ModelCard, RouteRequest
from policies.learned import LearnedPolicy, validation_split
from policies.table import RoutingTable
from policies.threads import single_thread
from policies.torch_fit import load_state_arrays, state_arrays
from policies.text import marked_documents, routing_text

MAX_DOCS = 4
_MARKED_OUT = re.compile(r"<(document|context)\b[^>]*>.*?</\1>", re.S | re.I)
DOC_CHARS = 1000


class RAGNet(nn.Module):
    def __init__(self, dim: int, n_models: int, hidden: int = 128, heads: int = 4) -> None:
        super().__init__()
        self.query = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.doc = nn.Linear(dim, hidden)
        self.knowledge = nn.Parameter(torch.randn(n_models, hidden) * 0.3)
        self.rag = nn.Parameter(torch.randn(n_models, hidden) * 0.3)
        self.fusion = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.shift = nn.Sequential(nn.Linear(2 * hidden + 2, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.scale = nn.Parameter(torch.tensor(5.0))
        self.bias = nn.Parameter(torch.zeros(n_models))

    def forward(self, q: torch.Tensor, docs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """q (B, dim), docs (B, K, dim), mask (B, K) true where a document is -> logits (B, M)."""
        b, m = q.shape[0], self.knowledge.shape[0]
        qh = self.query(q)
        rep = self.knowledge.unsqueeze(0).expand(b, -1, -1)
        has = mask.any(dim=1)
        if bool(has.any()):
            dh = self.doc(docs)
            safe = mask.clone()
            safe[~has, 0] = True  # attention needs one key; rows without documents are gated off below
            fused, _ = self.fusion(self.rag.unsqueeze(0) + qh.unsqueeze(1), dh, dh, key_padding_mask=~safe)
            rel = (F.normalize(docs, dim=-1) @ F.normalize(q, dim=-1).unsqueeze(-1)).squeeze(-1)  # (B, K)
            rel = rel.masked_fill(~mask, -1.0)
            signal = torch.stack([rel.max(dim=1).values, mask.float().mean(dim=1)], dim=1)  # relevance, doc share
            parts = [fused, self.rag.unsqueeze(0).expand(b, -1, -1), signal.unsqueeze(1).expand(-1, m, -1)]
            delta = self.shift(torch.cat(parts, dim=-1)) * has.float().view(b, 1, 1)
            rep = rep + delta
        return self.scale * F.cosine_similarity(qh.unsqueeze(1), rep, dim=-1) + self.bias


def _contrastive(logits: torch.Tensor, labels: torch.Tensor, tau: float = 1.0) -> torch.Tensor:
    """Multi-positive InfoNCE per row; rows with no positive or no negative carry no contrast."""
    pos = labels > 0.5
    usable = pos.any(dim=1) & (~pos).any(dim=1)
    if not bool(usable.any()):
        return logits.sum() * 0.0
    z = logits[usable] / tau
    p = pos[usable]
    return (torch.logsumexp(z, dim=1) - torch.logsumexp(z.masked_fill(~p, -1e9), dim=1)).mean()


class RAGRouterPolicy(LearnedPolicy):
    name = "ragrouter"
    knob_name = "theta"

    def __init__(self, theta: float = 0.0, hidden: int = 128, heads: int = 4, epochs: int = 150,
                 lr: float = 3e-3, contrast_weight: float = 1.0, patience: int = 15, **kw: Any) -> None:
        kw.setdefault("lam", theta)
        super().__init__(**kw)
        self.hidden, self.heads, self.epochs, self.lr = hidden, heads, epochs, lr
        self.contrast_weight, self.patience = contrast_weight, patience
        self.net: RAGNet | None = None
        self.dim = 0

    # ---- data ---------------------------------------------------------------------------------
    def _docs(self, documents: list[list[str]] | None, n: int) -> tuple[np.ndarray, np.ndarray]:
        docs = np.zeros((n, MAX_DOCS, self.dim), np.float32)
        mask = np.zeros((n, MAX_DOCS), bool)
        if not documents:
            return docs, mask
        flat = [(i, k, routing_text(d, DOC_CHARS)) for i, ds in enumerate(documents)
                for k, d in enumerate(ds[:MAX_DOCS]) if d.strip()]
        if flat:
            vecs = self._encode([t for _, _, t in flat])
            for (i, k, _), v in zip(flat, vecs):
                docs[i, k], mask[i, k] = v, True
        return docs, mask

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.encoder().encode(texts)

    # ---- training -----------------------------------------------------------------------------
    def fit_predictor(self, x: np.ndarray, y: np.ndarray, table: RoutingTable) -> dict[str, float]:
        self.dim = x.shape[1]
        # Its contrastive loss needs every model's outcome: an untried cell (NaN) takes the model's mean.
        y = np.where(np.isnan(y), np.nanmean(y, axis=0, keepdims=True), y).astype(np.float32)
        docs, mask = self._docs(table.documents, len(x))
        with single_thread():
            return self._train(x, y, docs, mask, table)

    def _train(self, x: np.ndarray, y: np.ndarray, docs: np.ndarray, mask: np.ndarray,
               table: RoutingTable) -> dict[str, float]:
        # Pair each row with the same query in the other setting (with / without documents), if present.
        by_query: dict[tuple[str, bool], int] = {}
        for i, q in enumerate(table.queries):
            by_query.setdefault((q, bool(mask[i].any())), i)
        partner = np.array([by_query.get((q, not bool(mask[i].any())), -1) for i, q in enumerate(table.queries)])

        torch.manual_seed(self.seed)
        self.net = RAGNet(self.dim, y.shape[1], self.hidden, self.heads)
        tr, va = validation_split(len(x), self.seed)
        xt, dt, mt, yt = (torch.as_tensor(a) for a in (x, docs, mask, y))
        pt = torch.as_tensor(partner)
        opt = torch.optim.AdamW(self.net.parameters(), lr=self.lr, weight_decay=1e-4)
        gen = torch.Generator().manual_seed(self.seed)

        def loss_on(idx: torch.Tensor) -> torch.Tensor:
            logits = self.net(xt[idx], dt[idx], mt[idx])
            labels = yt[idx]
            loss = F.binary_cross_entropy_with_logits(logits, labels)
            loss = loss + self.contrast_weight * _contrastive(logits, labels)
            paired = pt[idx] >= 0
            if bool(paired.any()):  # across settings: 2M candidates, positives from both settings
                j = pt[idx][paired]
                other = self.net(xt[j], dt[j], mt[j])
                both = torch.cat([logits[paired], other], dim=1)
                loss = loss + self.contrast_weight * _contrastive(both, torch.cat([labels[paired], yt[j]], dim=1))
            return loss

        best, best_state, since, epoch = float("inf"), None, 0, 0
        train_idx, val_idx = torch.as_tensor(tr), torch.as_tensor(va)
        for epoch in range(self.epochs):
            self.net.train()
            for batch in train_idx[torch.randperm(len(train_idx), generator=gen)].split(64):
                opt.zero_grad()
                loss_on(batch).backward()
                opt.step()
            self.net.eval()
            with torch.no_grad():
                val = float(loss_on(val_idx)) if len(val_idx) else 0.0
            if val < best - 1e-5:
                best, since = val, 0
                best_state = {k: v.detach().clone() for k, v in self.net.state_dict().items()}
            else:
                since += 1
                if since >= self.patience:
                    break
        if best_state is not None:
            self.net.load_state_dict(best_state)
        self.net.eval()
        return {"val_loss": best, "epochs": float(epoch + 1)}

    # ---- predicting and choosing --------------------------------------------------------------
    def predict_docs(self, x: np.ndarray, docs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        assert self.net is not None, "fit or load the policy first"
        with torch.no_grad():
            logits = self.net(torch.as_tensor(np.asarray(x, np.float32)), torch.as_tensor(docs),
                              torch.as_tensor(mask))
        return torch.sigmoid(logits).numpy()

    def predict(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        return self.predict_docs(x, np.zeros((n, MAX_DOCS, self.dim), np.float32), np.zeros((n, MAX_DOCS), bool))

    def predict_rows(self, table: RoutingTable, embeddings: np.ndarray | None) -> np.ndarray:
        x = self.embed(table.queries) if embeddings is None else embeddings
        docs, mask = self._docs(table.documents, len(x))
        return self.predict_docs(x, docs, mask)

    def choose(self, pred: np.ndarray, knob: float) -> np.ndarray:
        """Score threshold: the cheapest model whose probability is within θ of the best one."""
        ok = pred >= pred.max(axis=1, keepdims=True) - knob - 1e-12
        return np.argmin(np.where(ok, self.costs[None, :], np.inf), axis=1)

    def knob_grid(self, pred: np.ndarray, size: int = 120) -> list[float]:
        gaps = (pred.max(axis=1, keepdims=True) - pred).ravel()
        return sorted({0.0, 1.0, *map(float, np.quantile(gaps, np.linspace(0, 1, size)))})

    def query_text(self, request: RouteRequest) -> str:
        return _MARKED_OUT.sub(" ", request.query).strip() or request.query

    async def adecide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        if request.documents or marked_documents(request.messages):  # documents: embed them in a thread
            return await asyncio.to_thread(self.decide, request, models)
        return await super().adecide(request, models)

    def decide_on(self, request: RouteRequest, models: list[ModelCard], x: np.ndarray) -> Decision:
        documents = list(request.documents) or marked_documents(request.messages)
        docs, mask = self._docs([documents], 1)
        with single_thread():
            pred = self.predict_docs(x[None, :], docs, mask)[0]
        # Rank: the threshold choice first, then the rest by probability.
        first = int(self.choose(pred[None, :], self.lam)[0])
        utility = pred.copy()
        utility[first] = 2.0
        decision = self.rank(pred, models, self.lam, utility)
        decision.reason = f"{len(documents)} documents; " + decision.reason
        return decision

    # ---- persistence --------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {"theta": self.lam, "seed": self.seed, "hidden": self.hidden, "heads": self.heads,
                "epochs": self.epochs, "lr": self.lr, "contrast_weight": self.contrast_weight,
                "patience": self.patience}

    def arrays(self) -> dict[str, np.ndarray]:
        assert self.net is not None
        return state_arrays(self.net)

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.dim = int(arrays["query.0.weight"].shape[1])
        self.net = RAGNet(self.dim, len(self.models), self.hidden, self.heads)
        load_state_arrays(self.net, arrays)
