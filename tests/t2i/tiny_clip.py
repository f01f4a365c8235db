"""A small CLIP-architecture checkpoint built here with a fixed seed, and generated images.

No CLIP weights can be downloaded on this machine, so tests exercise the loading and scoring
mechanics with a randomly initialised model of the real architecture: its scores are arbitrary
but deterministic. They say nothing about image quality.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from policies.t2i.dimensions import DEFAULT_DIMENSIONS

SPECIAL = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]


def build_tiny_clip(out_dir: str | Path, extra_words: list[str] = (), seed: int = 0) -> str:
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, PreTrainedTokenizerFast

    words = set()
    for d in DEFAULT_DIMENSIONS:
        for text in (d.positive, d.negative or ""):
            words.update(re.findall(r"\w+|[^\w\s]", text.lower()))
    for text in extra_words:
        words.update(re.findall(r"\w+|[^\w\s]", text.lower()))
    vocab = {w: i for i, w in enumerate(SPECIAL + sorted(words))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="[BOS] $A [EOS]",
                                                       special_tokens=[("[BOS]", 2), ("[EOS]", 3)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]",
                                   bos_token="[BOS]", eos_token="[EOS]")
    torch.manual_seed(seed)
    config = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=64, pad_token_id=0, bos_token_id=2,
                         eos_token_id=3),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                           image_size=32, patch_size=8),
        projection_dim=16)
    model = CLIPModel(config).eval()
    out = Path(out_dir)
    model.save_pretrained(out)
    fast.save_pretrained(out)
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(out)
    return str(out)


def generated_image(seed: int, size: int = 48, blur: int = 0) -> Image.Image:
    """A random colour-blob picture; `blur` box-averages it (a crude lower-quality variant)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((size, size, 3), dtype=np.float64)
    yy, xx = np.mgrid[0:size, 0:size]
    for _ in range(5):
        cy, cx, r = rng.integers(0, size, 2).tolist() + [int(rng.integers(4, size // 2))]
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.random(3)
    if blur:
        k = 2 * blur + 1
        padded = np.pad(img, ((blur, blur), (blur, blur), (0, 0)), mode="edge")
        img = sum(padded[i:i + size, j:j + size] for i in range(k) for j in range(k)) / (k * k)
    return Image.fromarray((img * 255).astype(np.uint8))
