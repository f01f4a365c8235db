"""Local ranking of blocks for a sub-task: embedding similarity plus an IDF-weighted keyword match,
optionally rescored by the local SLM. Nothing here leaves the machine."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agents.blocks import Block
from agents.completions import ModelCall, top_logprobs_first

Embed = Callable[[list[str]], np.ndarray]  # texts -> L2-normalised row vectors

_WORD = re.compile(r"[a-z0-9][a-z0-9_\-]*")
_STOP = frozenset("""a an the and or of to in on at for from by with what which who whom whose when where
why how is are was were be been being do does did this that these those it its as into about than then
there their they them you your our we i me my he she his her not no yes can could should would will
shall may might must has have had get got please tell give find show list say said""".split())


@dataclass(frozen=True)
class Ranked:
    block: Block
    score: float
    parts: dict[str, float] = field(default_factory=dict, compare=False)


def keywords(text: str) -> list[str]:
    """Content words of a query: lower-cased, no stop words, at least 2 characters."""
    return [w for w in dict.fromkeys(_WORD.findall(text.lower())) if w not in _STOP and len(w) >= 2]


def lexical_scores(query: str, blocks: Sequence[Block]) -> np.ndarray:
    """Share of the query's IDF mass found in each block: rare shared words (names, ids) dominate."""
    terms = keywords(query)
    if not terms or not blocks:
        return np.zeros(len(blocks), dtype=np.float32)
    vocab = [set(_WORD.findall(f"{b.title}\n{b.text}".lower())) for b in blocks]
    n = len(blocks)
    idf = {t: math.log((n + 1) / (0.5 + sum(t in v for v in vocab))) for t in terms}
    total = sum(max(w, 0.0) for w in idf.values()) or 1.0
    return np.array([sum(max(idf[t], 0.0) for t in terms if t in v) / total for v in vocab], dtype=np.float32)


_MARKUP_NOISE = re.compile(r"^[\w-]+(?:[#.][^\s:]+)?: |\b[\w-]+=\"|\"", re.M)


def embedding_text(block: Block) -> str:
    """What the encoder sees: for screen/page elements, the visible strings without tag and
    attribute scaffolding (`node#checkout: text="Checkout"` -> `Checkout`)."""
    if block.type == "element":
        return _MARKUP_NOISE.sub(" ", block.text)
    return f"{block.title}\n{block.text}"


def _windows(block: Block, words: int, stride: int) -> list[str]:
    tokens = embedding_text(block).split()
    if len(tokens) <= words:
        return [" ".join(tokens)]
    return [" ".join(tokens[i:i + words]) for i in range(0, len(tokens) - words + stride, stride)]


def embedding_scores(query: str, blocks: Sequence[Block], embed: Embed, words: int = 80,
                     stride: int = 60) -> np.ndarray:
    """Best cosine between the query and any window of a block (long blocks are not diluted)."""
    if not blocks:
        return np.zeros(0, dtype=np.float32)
    windows = [_windows(b, words, stride) for b in blocks]
    flat = [w for ws in windows for w in ws]
    vectors = np.asarray(embed([query] + flat), dtype=np.float32)
    sims = vectors[1:] @ vectors[0]
    out, start = [], 0
    for ws in windows:
        out.append(float(sims[start:start + len(ws)].max()))
        start += len(ws)
    return np.array(out, dtype=np.float32)


def rank_blocks(query: str, blocks: Sequence[Block], embed: Embed,
                lexical_weight: float = 0.5) -> list[Ranked]:
    """Blocks best first by cosine + `lexical_weight` × keyword match; ties keep document order."""
    emb = embedding_scores(query, blocks, embed)
    lex = lexical_scores(query, blocks)
    scores = emb + lexical_weight * lex
    order = sorted(range(len(blocks)), key=lambda i: (-scores[i], i))
    return [Ranked(blocks[i], float(scores[i]), {"embedding": float(emb[i]), "lexical": float(lex[i])})
            for i in order]


async def rescore_with_slm(query: str, ranked: list[Ranked], call: ModelCall, top: int = 5,
                           weight: float = 0.5, max_block_chars: int = 1500) -> list[Ranked]:
    """Re-order the first `top` blocks by adding `weight` × P(yes) that the local model thinks the
    block is needed for the task. Blocks beyond `top` keep their place after them."""
    head, tail = ranked[:top], ranked[top:]
    rescored = []
    for item in head:
        messages = [
            {"role": "system", "content": "You judge whether a context block is needed for a task. Reply yes or no."},
            {"role": "user", "content": f"Task: {query}\n\nBlock:\n{item.block.text[:max_block_chars]}\n\n"
                                        "Is this block needed for the task? Answer yes or no."},
        ]
        response = await call("local", messages, max_tokens=1, temperature=0.0, logprobs=True, top_logprobs=10)
        p_yes = _p_yes(top_logprobs_first(response))
        rescored.append(Ranked(item.block, item.score + weight * p_yes, {**item.parts, "slm_yes": p_yes}))
    rescored.sort(key=lambda r: -r.score)
    return rescored + tail


def _p_yes(alternatives: dict[str, float]) -> float:
    """P(yes) normalised over the yes/no mass of the first generated token's alternatives."""
    yes = sum(math.exp(lp) for tok, lp in alternatives.items() if tok.strip().lower().startswith("yes"))
    no = sum(math.exp(lp) for tok, lp in alternatives.items() if tok.strip().lower().startswith("no"))
    return yes / (yes + no) if yes + no > 0 else 0.5
