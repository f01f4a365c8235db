"""Small generated routing data (written here, no third-party data): two topics, two models."""

from __future__ import annotations

import itertools
import random

import numpy as np

from policies.table import RoutingTable

COOKING = [f"How long should I {v} the {f} for {o}?" for v, f, o in itertools.product(
    ["bake", "boil", "roast", "grill", "steam"], ["potatoes", "salmon", "carrots", "bread", "chicken", "rice"],
    ["a family dinner", "a picnic", "lunch tomorrow", "a birthday party"])]
SPACE = [f"What is the {p} of the {b} in {s}?" for p, b, s in itertools.product(
    ["orbital period", "surface gravity", "mass", "temperature", "distance"],
    ["moon", "gas giant", "dwarf planet", "comet", "asteroid", "star"],
    ["our solar system", "the Kepler survey", "the Andromeda galaxy", "a binary system"])]


def two_topic_table(n_per_topic: int = 40, seed: int = 0) -> RoutingTable:
    """`small` answers cooking right and space wrong; `big` answers both right and costs 20x more."""
    rng = random.Random(seed)
    cooking, space = rng.sample(COOKING, n_per_topic), rng.sample(SPACE, n_per_topic)
    queries = cooking + space
    scores = np.array([[1.0, 1.0]] * n_per_topic + [[0.0, 1.0]] * n_per_topic)
    costs = np.tile([0.0001, 0.002], (len(queries), 1))
    return RoutingTable(queries, ["small", "big"], scores, costs, groups=["cooking"] * n_per_topic + ["space"] * n_per_topic)


def flip_table(n_per_topic: int = 40, seed: int = 0) -> RoutingTable:
    """Each query twice: without documents `a` is right on cooking and `b` on space; with a document the
    other way round (the documents change which model answers best). Both cost the same."""
    rng = random.Random(seed)
    rows = [(q, "cooking") for q in rng.sample(COOKING, n_per_topic)] + [(q, "space") for q in rng.sample(SPACE, n_per_topic)]
    queries, scores, docs, groups = [], [], [], []
    for q, topic in rows:
        doc = f"Background notes for the question '{q}': an excerpt from a reference text on {topic}."
        base = [1.0, 0.0] if topic == "cooking" else [0.0, 1.0]
        for with_docs in (False, True):
            queries.append(q)
            scores.append(base[::-1] if with_docs else base)
            docs.append([doc] if with_docs else [])
            groups.append(topic)
    costs = np.tile([0.001, 0.001], (len(queries), 1))
    return RoutingTable(queries, ["a", "b"], np.array(scores), costs, documents=docs, groups=groups)


def split_by_query(table: RoutingTable, test_fraction: float = 0.3, seed: int = 0) -> tuple[RoutingTable, RoutingTable]:
    distinct = sorted(set(table.queries))
    test_q = set(random.Random(seed).sample(distinct, int(len(distinct) * test_fraction)))
    test = [i for i, q in enumerate(table.queries) if q in test_q]
    train = [i for i, q in enumerate(table.queries) if q not in test_q]
    return table.subset(train), table.subset(test)
