"""Cascades replayed from recorded answers: call cheap models first, decide from their answers whether to
pay for a stronger one. Every model called is charged, so a cascade costs at least its first stage.

- `agree-cascade` (three or more models): ask a few cheap models; if enough of them give the same answer,
  return it, else also ask the strongest model and return its answer. Which cheap models and how many
  must agree are chosen on the training split: the configurations on the training hull become the knob.
- `verify-cascade`: ask the cheapest-good model; a verifier trained on the training split (query and answer
  embeddings plus checks of the answer's own arithmetic) predicts whether that answer is right; below the
  threshold (the knob) ask the strongest model too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from eval.routing import metrics as M
from eval.routing.harness import RouterRun
from policies.table import RoutingTable
from policies.text import routing_text

_CHOICE = re.compile(r"^\W*\(?([A-E])\b")
_FINAL = re.compile(r"(?:####|answer is|Answer:)\s*\$?\s*(-?[\d,]*\.?\d+)", re.I)
_NUMBER = re.compile(r"-?\d[\d,]*\.?\d*")
_ARITH = re.compile(r"(-?\d[\d,]*\.?\d*)\s*([-+*/x×÷])\s*\$?(-?\d[\d,]*\.?\d*)\s*=\s*\$?(-?\d[\d,]*\.?\d*)")


def answer_key(text: str) -> str:
    """What two answers must share to count as the same answer: a choice letter, a final number, or the text."""
    t = text.strip()
    m = _CHOICE.match(t)
    if m and len(t) <= 40:
        return m.group(1)
    m = _FINAL.search(t)
    if m:
        return _num(m.group(1))
    nums = _NUMBER.findall(t)
    if nums and len(t) > 40:
        return _num(nums[-1])
    return " ".join(t.lower().split())[:200]


def _num(s: str) -> str:
    try:
        v = float(s.replace(",", ""))
        return str(int(v)) if v == int(v) else f"{v:g}"
    except (ValueError, OverflowError):
        return s


def arithmetic_checks(text: str) -> tuple[int, int]:
    """(equations found, equations that are wrong) in an answer's worked steps, e.g. `16 - 3 = 13`."""
    found = wrong = 0
    for a, op, b, c in _ARITH.findall(text):
        try:
            x, y, z = (float(v.replace(",", "")) for v in (a, b, c))
        except ValueError:
            continue
        val = {"+": x + y, "-": x - y, "*": x * y, "x": x * y, "×": x * y,
               "/": x / y if y else float("nan"), "÷": x / y if y else float("nan")}[op]
        found += 1
        if not abs(val - z) <= 0.01 + 1e-9 * abs(z):  # rounded to the cent is right; off by one is wrong
            wrong += 1
    return found, wrong


# ---- agreement cascade ---------------------------------------------------------------------------
def _agree_outcome(table: RoutingTable, keys: np.ndarray, first: tuple[int, ...], need: int,
                   top: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(table)
    quality, cost, units = np.zeros(n), np.zeros(n), np.zeros(n)
    unit = table.mean_cost()
    for i in range(n):
        answers = [keys[i, j] for j in first]
        values, counts = np.unique(answers, return_counts=True)
        best = values[np.argmax(counts)]
        cost[i] = table.costs[i, list(first)].sum()
        units[i] = unit[list(first)].sum()
        if counts.max() >= need:
            j = next(j for j in first if keys[i, j] == best)
            quality[i] = table.scores[i, j]
        else:
            cost[i] += table.costs[i, top]
            units[i] += unit[top]
            quality[i] = table.scores[i, top]
    return quality, cost, units


def agree_cascade(train: RoutingTable, test: RoutingTable, x_train: np.ndarray, x_test: np.ndarray,
                  seed: int = 0, max_first: int = 3) -> RouterRun:
    if train.responses is None or test.responses is None or len(train.models) < 3:
        raise ValueError("agree-cascade needs recorded answers of three or more models")
    k_train = np.array([[answer_key(r) for r in row] for row in train.responses], dtype=object)
    k_test = np.array([[answer_key(r) for r in row] for row in test.responses], dtype=object)
    q, c = train.mean_quality(), train.mean_cost()
    top = int(np.argmax(q))
    cheap = [j for j in np.argsort(c) if j != top][: min(8, len(c) - 1)]
    configs: list[tuple[tuple[int, ...], int]] = []
    for size in range(1, max_first + 1):
        for first in itertools.combinations(cheap, size):
            for need in range(size // 2 + 1, size + 1) if size > 1 else [2]:  # size 1 with need 2 = always escalate
                configs.append((tuple(int(j) for j in first), need))
    points, results = [], []
    for first, need in configs:
        qq, cc, _ = _agree_outcome(train, k_train, first, need, top)
        points.append((float(cc.mean()), float(qq.mean())))
    # Keep the configurations on the training hull (with the single models as the cheap end).
    hull = set(M.upper_hull(points))
    chosen = [cfg for cfg, p in zip(configs, points) if p in hull]
    singles = [((int(j),), 1) for j in range(len(c))]
    knobs, qs, cs, us = [], [], [], []
    for i, (first, need) in enumerate(singles + chosen):
        qq, cc, uu = _agree_outcome(test, k_test, first, need, top)
        knobs.append(float(i))
        qs.append(qq), cs.append(cc), us.append(uu)
    info = {"configs": [{"first": [train.models[j] for j in f], "need": n, "escalate": train.models[top]}
                        for f, n in singles + chosen]}
    return RouterRun("agree-cascade", knobs, np.stack(qs), np.stack(cs), np.stack(us), info)


# ---- learned verifier cascade --------------------------------------------------------------------
def _numbers(text: str) -> set[float]:
    out = set()
    for x in _NUMBER.findall(text):
        try:
            out.add(float(x.replace(",", "")))
        except ValueError:
            pass
    return out


_HEDGE = re.compile(r"assum|approx|cannot|not possible|unclear|however", re.I)


def answer_features(question: str, answer: str) -> list[float]:
    """Cheap signs that a worked answer is wrong: its own arithmetic fails, it ignores numbers the question
    gives, its final answer is not a plain integer, it hedges, it breaks the expected format."""
    found, wrong = arithmetic_checks(answer)
    q_nums, a_nums = _numbers(question), _numbers(answer)
    key = answer_key(answer)
    try:
        value, numeric = float(key), 1.0
        integer = float(value == int(value))
    except (ValueError, OverflowError):
        value, numeric, integer = 0.0, 0.0, 0.0
    return [found > 0, wrong > 0, wrong, found, np.log1p(len(answer)), bool(_FINAL.search(answer)),
            len(a_nums) / 10.0, len(q_nums & a_nums) / max(1, len(q_nums)), len(q_nums), answer.count("\n"),
            len(question) / 100.0, numeric, integer, value < 0, float(np.log1p(min(abs(value), 1e12))),
            value in q_nums, bool(_HEDGE.search(answer)), answer.strip().endswith(key)]


def _answer_features(questions: list[str], answers: list[str]) -> np.ndarray:
    return np.asarray([answer_features(q, a) for q, a in zip(questions, answers)], dtype=np.float32)


def verify_cascade(train: RoutingTable, test: RoutingTable, x_train: np.ndarray, x_test: np.ndarray,
                   seed: int = 0, encoder: Any = None) -> RouterRun:
    if train.responses is None or test.responses is None:
        raise ValueError("verify-cascade needs recorded answers")
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from eval.routing.run import cached_encoder

    encoder = encoder or cached_encoder()
    q, c = train.mean_quality(), train.mean_cost()
    top = int(np.argmax(q))
    # First stage: the cheap model with the best quality per dollar below the top model.
    cands = [j for j in range(len(c)) if c[j] < c[top]]
    first = max(cands, key=lambda j: (q[j] - q.min() + 1e-3) / c[j]) if cands else top

    def features(table: RoutingTable, x: np.ndarray) -> np.ndarray:
        answers = [row[first] for row in table.responses]
        r = encoder.encode([routing_text(a) for a in answers])
        return np.hstack([x, r, _answer_features(table.queries, answers)])

    f_train, f_test = features(train, x_train), features(test, x_test)
    y = (train.scores[:, first] >= 0.5).astype(int)
    n_checks = f_train.shape[1] - x_train.shape[1] * 2
    # Candidates: the answer checks alone (scaled) or everything; C and the feature set by 5-fold CV on train.
    candidates = {}
    for C in (0.3, 1.0, 3.0):
        candidates[("all", C)] = (LogisticRegression(C=C, max_iter=2000), slice(None))
        candidates[("checks", C)] = (make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000)),
                                     slice(f_train.shape[1] - n_checks, None))
    aucs = {key: float(cross_val_score(model, f_train[:, cols], y, cv=5, scoring="roc_auc").mean())
            for key, (model, cols) in candidates.items()}
    best = max(aucs, key=aucs.get)
    model, cols = candidates[best]
    clf = model.fit(f_train[:, cols], y)
    p = clf.predict_proba(f_test[:, cols])[:, 1]
    knobs = sorted({-1.0, 2.0, *map(float, np.quantile(p, np.linspace(0, 1, 101)))})
    unit = test.mean_cost()
    qs, cs, us = [], [], []
    for t in knobs:
        esc = p < t
        qs.append(np.where(esc, test.scores[:, top], test.scores[:, first]))
        cs.append(test.costs[:, first] + esc * test.costs[:, top])
        us.append(unit[first] + esc * unit[top])
    info = {"first": train.models[first], "escalate": train.models[top], "features": best[0], "C": best[1],
            "train_cv_auc": aucs[best]}
    return RouterRun("verify-cascade", knobs, np.stack(qs), np.stack(cs), np.stack(us), info)


CASCADE_ROUTERS: dict[str, Callable[..., RouterRun]] = {
    "agree-cascade": agree_cascade,
    "verify-cascade": verify_cascade,
}
