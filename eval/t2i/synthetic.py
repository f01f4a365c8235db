"""Generated labelled prompts with a *planted* token -> quality effect (no real images involved).

Used by the benchmark and tests to check that the predictor and the routing recover a known
effect: certain tokens ("hands", "sign", "crowd", "reflections") lower the edge model's score on
specific dimensions while the cloud model is unaffected; filler words change prompt length but
not quality, so a length heuristic has something to get wrong. Numbers from this data say the
mechanics work, not how well routing works on real images.
"""

from __future__ import annotations

import numpy as np

from policies.t2i.dimensions import DEFAULT_DIMENSIONS
from policies.t2i.rows import LabelledPrompt

PLAIN = ["a cat on a sofa", "a mountain lake", "a red apple", "a lighthouse at dusk", "a bowl of soup",
         "a forest path", "a vintage car", "a teacup", "a sailing boat", "a snowy village",
         "a pianist on stage", "a shop window", "a night market", "a glass tower", "an old man reading"]
# Each planted token appears in several phrasings whose other words also occur in plain prompts,
# so only the token itself carries the effect.
HARD = {
    "hands": (["a pianist's hands on the keys", "an old man with folded hands", "hands holding a teacup"],
              {"anatomy": -0.30}),
    "sign": (["a shop sign that says open", "a sign above a night market", "a road sign by a forest path"],
             {"text_rendering": -0.35}),
    "crowd": (["a crowd at a night market", "a crowd on a glass tower terrace", "a crowd by the lake"],
              {"composition": -0.20, "detail": -0.18}),
    "reflections": (["reflections on a glass tower", "reflections in a mountain lake", "reflections on a vintage car"],
                    {"realism": -0.22, "lighting": -0.15}),
}
FILLERS = ["highly detailed", "soft morning light", "wide angle", "35mm film", "beautiful", "cinematic",
           "award winning", "octane render", "pastel tones", "dramatic sky"]


def planted_rows(n: int, seed: int = 0, hard_share: float = 0.35) -> list[LabelledPrompt]:
    rng = np.random.default_rng(seed)
    names = [d.name for d in DEFAULT_DIMENSIONS]
    rows = []
    for _ in range(n):
        effects: dict[str, float] = {}
        if rng.random() < hard_share:
            key = list(HARD)[rng.integers(len(HARD))]
            phrasings, effects = HARD[key]
            subject = phrasings[rng.integers(len(phrasings))]
        else:
            subject = PLAIN[rng.integers(len(PLAIN))]
        fillers = list(rng.choice(FILLERS, size=rng.integers(0, 6), replace=False))
        prompt = ", ".join([subject, *fillers])
        base = rng.normal(0.15, 0.03, size=len(names))
        cloud = base + rng.normal(0.0, 0.01, size=len(names))
        edge = base - 0.01 + rng.normal(0.0, 0.01, size=len(names))
        for dim, delta in effects.items():
            edge[names.index(dim)] += delta
        rows.append(LabelledPrompt(prompt, names, [round(float(x), 5) for x in edge],
                                   [round(float(x), 5) for x in cloud]))
    return rows
