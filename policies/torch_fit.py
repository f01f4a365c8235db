"""One seeded training loop with a validation split and early stopping, shared by the torch routers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from policies.learned import validation_split
from policies.threads import single_thread


def train_module(module: nn.Module, x: np.ndarray, y: np.ndarray, loss_fn: Callable[..., torch.Tensor],
                 seed: int = 0, epochs: int = 200, lr: float = 3e-3, weight_decay: float = 1e-4,
                 batch_size: int = 128, patience: int = 15, progress: Callable[[int, float], None] | None = None,
                 ) -> dict[str, float]:
    """Minimise `loss_fn(module, xb, yb)`; keep the weights of the best validation epoch."""
    with single_thread():
        return _train(module, x, y, loss_fn, seed, epochs, lr, weight_decay, batch_size, patience, progress)


def _train(module: nn.Module, x: np.ndarray, y: np.ndarray, loss_fn: Callable[..., torch.Tensor], seed: int,
           epochs: int, lr: float, weight_decay: float, batch_size: int, patience: int,
           progress: Callable[[int, float], None] | None) -> dict[str, float]:
    torch.manual_seed(seed)
    tr, va = validation_split(len(x), seed)
    xt, yt = torch.as_tensor(x[tr]), torch.as_tensor(y[tr])
    xv, yv = torch.as_tensor(x[va]), torch.as_tensor(y[va])
    opt = torch.optim.AdamW(module.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    best, best_state, since, epoch = float("inf"), None, 0, 0
    for epoch in range(epochs):
        module.train()
        for idx in torch.randperm(len(xt), generator=gen).split(batch_size):
            opt.zero_grad()
            loss_fn(module, xt[idx], yt[idx]).backward()
            opt.step()
        module.eval()
        with torch.no_grad():
            val = float(loss_fn(module, xv, yv)) if len(xv) else 0.0
        if progress:
            progress(epoch, val)
        if val < best - 1e-5:
            best, since = val, 0
            best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
        else:
            since += 1
            if since >= patience:
                break
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return {"val_loss": best, "epochs": float(epoch + 1)}


def masked_bce(module: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """BCE over the known outcomes only: a NaN target (a model never tried on that prompt, as in rows built
    from the request log) contributes nothing, rather than a guessed value."""
    logits = module(x)
    known = ~torch.isnan(y)
    if not bool(known.any()):
        return logits.sum() * 0.0
    return nn.functional.binary_cross_entropy_with_logits(logits[known], y[known])


def state_arrays(module: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def load_state_arrays(module: nn.Module, arrays: dict[str, np.ndarray]) -> None:
    module.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in arrays.items()})
    module.eval()
