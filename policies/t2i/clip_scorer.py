"""CLIP image-text similarity behind a small interface, and the multi-dimension quality scorer.

The checkpoint is loaded from a local directory (transformers layout: config.json, weights,
tokenizer, preprocessor_config.json) with `local_files_only`, so nothing is fetched at run time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from policies.t2i.dimensions import DEFAULT_DIMENSIONS, Dimension

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class ClipLike(Protocol):
    """What the scorer needs from a CLIP model: L2-normalised embeddings in one shared space."""

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_images(self, images: Sequence["PIL.Image.Image"]) -> np.ndarray: ...  # noqa: F821


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.clip(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12, None)


def _features(out) -> "torch.Tensor":  # noqa: F821
    """transformers 4 returns a tensor from get_*_features, transformers 5 an output object."""
    return out if hasattr(out, "shape") else out.pooler_output


class TransformersClip:
    """A CLIP checkpoint directory loaded with transformers, CPU, no hub access."""

    def __init__(self, path: str, device: str = "cpu") -> None:
        import torch
        from transformers import AutoTokenizer, CLIPImageProcessor, CLIPModel

        if not os.path.isdir(path):
            raise FileNotFoundError(f"CLIP checkpoint directory not found: {path}")
        self.path = path
        self._torch = torch
        self.model = CLIPModel.from_pretrained(path, local_files_only=True).to(device).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.processor = CLIPImageProcessor.from_pretrained(path, local_files_only=True)
        self.device = device
        self.max_length = int(self.model.config.text_config.max_position_embeddings)
        self._lock = threading.Lock()

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        enc = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                             return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
        with self._lock, self._torch.no_grad():
            feats = _features(self.model.get_text_features(**enc))
        return _normalise(feats.float().cpu().numpy())

    def encode_images(self, images: Sequence["PIL.Image.Image"]) -> np.ndarray:  # noqa: F821
        pixels = self.processor(images=[im.convert("RGB") for im in images], return_tensors="pt")
        with self._lock, self._torch.no_grad():
            feats = _features(self.model.get_image_features(pixel_values=pixels["pixel_values"].to(self.device)))
        return _normalise(feats.float().cpu().numpy())


class QualityScorer:
    """Scores images on every dimension: cos(image, positive) - cos(image, negative)."""

    def __init__(self, clip: ClipLike, dimensions: Sequence[Dimension] = DEFAULT_DIMENSIONS) -> None:
        self.clip = clip
        self.dimensions = tuple(dimensions)
        fixed = [d for d in self.dimensions if not d.per_prompt]
        texts = sorted({t for d in fixed for t in d.texts("") if t is not None})
        self._fixed = dict(zip(texts, clip.encode_texts(texts))) if texts else {}

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.dimensions]

    def score(self, images: Sequence["PIL.Image.Image"], prompts: Sequence[str]) -> np.ndarray:  # noqa: F821
        """(n_images, n_dimensions) scores; image i was generated for prompts[i]."""
        if len(images) != len(prompts):
            raise ValueError("one prompt per image")
        if not images:
            return np.zeros((0, len(self.dimensions)), dtype=np.float32)
        img = self.clip.encode_images(images)
        out = np.zeros((len(images), len(self.dimensions)), dtype=np.float32)
        for j, dim in enumerate(self.dimensions):
            if dim.per_prompt:
                pairs = [dim.texts(p) for p in prompts]
                pos = self.clip.encode_texts([p for p, _ in pairs])
                neg = self.clip.encode_texts([n for _, n in pairs]) if dim.negative is not None else None
            else:
                p, n = dim.texts("")
                pos = np.broadcast_to(self._fixed[p], img.shape)
                neg = np.broadcast_to(self._fixed[n], img.shape) if n is not None else None
            out[:, j] = np.sum(img * pos, axis=1) - (np.sum(img * neg, axis=1) if neg is not None else 0.0)
        return out
