"""Train routers on one split, sweep their knob on the other, and score them against the single models.

A router run is, for each knob value, the quality and cost it gets on each test query. From that come the
(cost, quality) curve, AIQ, and for two-model sets APGR and CPT - each with a bootstrap interval over test
queries, and AIQ also as a paired gain over the zero router (the hull of the single models alone).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eval.routing import metrics as M
from policies.table import RoutingTable

POLICY_ROUTERS = ("random", "best-single", "knn", "mlp", "mf", "ensemble", "ragrouter", "oracle")


@dataclass
class RouterRun:
    """Per knob value k and test query i: quality, USD cost, and cost in mean per-call prices ("units")."""

    name: str
    knobs: list[float]
    quality: np.ndarray  # (K, n)
    cost: np.ndarray  # (K, n)
    units: np.ndarray  # (K, n)
    info: dict[str, Any] = field(default_factory=dict)


def align(table: RoutingTable, models: list[str]) -> RoutingTable:
    """Reorder a table's model columns to `models` (train and test must name the same models)."""
    if table.models == models:
        return table
    if set(table.models) != set(models):
        raise ValueError(f"train models {models} and test models {table.models} differ")
    order = [table.models.index(m) for m in models]
    responses = [[r[j] for j in order] for r in table.responses] if table.responses else None
    return RoutingTable(table.queries, list(models), table.scores[:, order], table.costs[:, order], responses,
                        table.documents, table.groups, dict(table.notes))


def run_from_choices(name: str, knobs: list[float], choices: np.ndarray, test: RoutingTable,
                     info: dict[str, Any] | None = None) -> RouterRun:
    rows = np.arange(len(test))[None, :]
    unit = test.mean_cost()
    return RouterRun(name, knobs, test.scores[rows, choices], test.costs[rows, choices], unit[choices], info or {})


def make_policy(name: str, seed: int) -> Any:
    from policies.artifact import trainable_policies
    from policies.baselines import OraclePolicy

    classes = {**trainable_policies(), "oracle": OraclePolicy}
    return classes[name](seed=seed)


def run_policy(name: str, train: RoutingTable, test: RoutingTable, x_train: np.ndarray, x_test: np.ndarray,
               seed: int = 0, encoder: Any = None) -> tuple[RouterRun, Any]:
    policy = make_policy(name, seed)
    if encoder is not None:
        policy._encoder = encoder
    t0 = time.perf_counter()
    card = policy.fit(train, x_train)
    fit_s = time.perf_counter() - t0
    pred = policy.predict_rows(test, x_test)
    knobs = policy.knob_grid(pred)
    choices = np.stack([policy.choose(pred, k) for k in knobs])
    return run_from_choices(name, knobs, choices, test, {"fit_seconds": round(fit_s, 2), "fit": card}), policy


def single_models(test: RoutingTable) -> dict[str, dict[str, float]]:
    q, c = test.mean_quality(), test.mean_cost()
    return {m: {"quality": float(q[j]), "cost": float(c[j])} for j, m in enumerate(test.models)}


def _curve(run: RouterRun, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if weights is None:
        return run.cost.mean(1), run.quality.mean(1), run.units.mean(1)
    return run.cost @ weights, run.quality @ weights, run.units @ weights


def score_runs(runs: list[RouterRun], train: RoutingTable, test: RoutingTable, samples: int = 1000,
               seed: int = 0) -> dict[str, Any]:
    """The output contract: per-router AIQ/APGR/CPT with intervals, curves, single models, oracle."""
    singles = single_models(test)
    s_cost, s_q = test.mean_cost(), test.mean_quality()
    lo, hi = float(s_cost.min()), float(s_cost.max())
    zero = M.aiq(list(zip(s_cost, s_q)), lo, hi)
    two = len(test.models) == 2
    if two:  # strong = better on the training split
        strong = int(np.argmax(train.mean_quality()))
        weak = 1 - strong
        unit = s_cost  # mean per-call price of each model: run.units is priced the same way
    w = M.bootstrap_weights(len(test), samples, seed) if samples else None
    if w is not None:
        sb_cost, sb_q = (test.costs.T @ w), (test.scores.T @ w)  # (m, B)
        zero_b = np.array([M.aiq(list(zip(sb_cost[:, b], sb_q[:, b])), sb_cost[:, b].min(), sb_cost[:, b].max())
                           for b in range(samples)])
    out: dict[str, Any] = {"routers": {}}
    for run in runs:
        cost, q, units = _curve(run)
        order = np.argsort(cost)
        entry: dict[str, Any] = {
            "aiq": M.aiq(list(zip(cost, q)), lo, hi),
            "apgr": None, "cpt50": None, "cpt80": None,
            "curve": [[float(cost[i]), float(q[i])] for i in order],
            "knobs": [float(run.knobs[i]) for i in order],
            **run.info,
        }
        if two:
            frac = M.normalise(units, unit[weak], unit[strong])
            pts = list(zip(frac, q))
            entry["apgr"] = M.apgr(pts, s_q[weak], s_q[strong])
            entry["cpt50"] = M.cpt(pts, s_q[weak], s_q[strong], 0.5)
            entry["cpt80"] = M.cpt(pts, s_q[weak], s_q[strong], 0.8)
            entry["strong_fraction_curve"] = [[float(frac[i]), float(q[i])] for i in order]
        if w is not None:
            cb, qb, ub = _curve(run, w)
            aiq_b = np.array([M.aiq(list(zip(cb[:, b], qb[:, b])), sb_cost[:, b].min(), sb_cost[:, b].max())
                              for b in range(samples)])
            entry["aiq_ci"] = M.interval(aiq_b)
            entry["aiq_gain"] = entry["aiq"] - zero
            entry["aiq_gain_ci"] = M.interval(aiq_b - zero_b)
            if two:
                apgr_b = []
                for b in range(samples):
                    fb = M.normalise(ub[:, b], unit[weak], unit[strong])
                    apgr_b.append(M.apgr(list(zip(fb, qb[:, b])), sb_q[weak, b], sb_q[strong, b]))
                entry["apgr_ci"] = M.interval(apgr_b)
        out["routers"][run.name] = entry
    contenders = {k: v for k, v in out["routers"].items() if k != "oracle"}
    best_single = max(singles, key=lambda m: (singles[m]["quality"], -singles[m]["cost"]))
    out.update({
        "zero_aiq": zero,
        "zero_aiq_ci": M.interval(zero_b) if w is not None else None,
        "best_router": max(contenders, key=lambda k: contenders[k]["aiq"]) if contenders else None,
        "best_single": {"model": best_single, **singles[best_single]},
        "single_models": singles,
        "oracle": _oracle_point(test),
        "n_train": len(train), "n_test": len(test), "models": list(test.models),
        "cost_normalisation": {"lo": lo, "hi": hi},
        "bootstrap_samples": samples,
        "notes": dict(test.notes),
    })
    if two:
        out["weak"], out["strong"] = test.models[weak], test.models[strong]
    return out


def _oracle_point(test: RoutingTable) -> dict[str, float]:
    best = test.scores.max(axis=1, keepdims=True)
    cheapest = np.where(test.scores >= best, test.costs, np.inf).min(axis=1)
    q = float(best.mean())
    strong_calls = None
    if len(test.models) == 2:
        strong = int(np.argmax(test.mean_quality()))
        weak = 1 - strong
        strong_calls = float(np.mean((test.scores[:, strong] > test.scores[:, weak])))
    out = {"quality": q, "cost": float(cheapest.mean())}
    if strong_calls is not None:
        out["strong_fraction"] = strong_calls
    return out


def evaluate(train: RoutingTable, test: RoutingTable, routers: list[str], encoder: Any = None,
             samples: int = 1000, seed: int = 0, extra_runs: dict[str, Callable[..., RouterRun]] | None = None,
             log: Callable[[str], None] = print) -> dict[str, Any]:
    """Fit each named router on `train`, run it on `test`, and score everything."""
    test = align(test, train.models)
    if encoder is None:
        from policies.encoder import shared_encoder

        encoder = shared_encoder()
    t0 = time.perf_counter()
    x_train, x_test = encoder.encode(train.queries), encoder.encode(test.queries)
    log(f"embedded {len(train)}+{len(test)} queries in {time.perf_counter() - t0:.1f}s")
    runs = []
    for name in routers:
        t0 = time.perf_counter()
        if name in POLICY_ROUTERS:
            run, _ = run_policy(name, train, test, x_train, x_test, seed, encoder)
        elif extra_runs and name in extra_runs:
            run = extra_runs[name](train, test, x_train, x_test, seed)
        else:
            raise ValueError(f"unknown router {name!r}")
        runs.append(run)
        log(f"  {name}: {time.perf_counter() - t0:.1f}s")
    return score_runs(runs, train, test, samples, seed)
