"""Multi-step arithmetic word problems written here, with their answers (seeded, reproducible)."""

from __future__ import annotations

import random
from dataclasses import dataclass

_NAMES = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Femi", "Gus", "Hana", "Ivo", "Jade"]


@dataclass(frozen=True)
class Task:
    id: str
    text: str
    answer: int
    steps: int  # operations a careful solver needs


def _task(rng: random.Random, index: int) -> Task:
    kind = index % 4
    name = rng.choice(_NAMES)
    if kind == 0:
        a, b, c = rng.randint(3, 9), rng.randint(11, 24), rng.randint(5, 30)
        return Task(f"eggs-{index}", f"A farm packs {a} crates with {b} eggs each. Then {c} eggs break. "
                                     "How many whole eggs are left?", a * b - c, 2)
    if kind == 1:
        a, p = rng.randint(2, 7), rng.randint(3, 9)
        bill = 50 if a * p < 50 else 100
        return Task(f"change-{index}", f"{name} buys {a} notebooks at {p} euros each and pays with a {bill}-euro "
                                       f"note. How many euros of change does {name} get?", bill - a * p, 2)
    if kind == 2:
        a, b, c, d = rng.randint(40, 90), rng.randint(5, 20), rng.randint(3, 15), rng.randint(5, 20)
        return Task(f"train-{index}", f"A train leaves with {a} passengers. At the first stop {b} get off and {c} "
                                      f"get on. At the second stop {d} get off. How many passengers are on the "
                                      "train now?", a - b + c - d, 3)
    a, b, c, d = rng.randint(3, 8), rng.randint(12, 30), rng.randint(4, 20), rng.randint(5, 25)
    return Task(f"library-{index}", f"A library has {a} shelves with {b} books each. It gives away {c} books and "
                                    f"buys {d} new ones. How many books does it have now?", a * b - c + d, 3)


def generate_tasks(n: int, seed: int = 0) -> list[Task]:
    rng = random.Random(seed)
    return [_task(rng, i) for i in range(n)]
