"""Cost-quality metrics for routers (RouterBench's AIQ, RouteLLM's PGR/APGR/CPT) and bootstrap intervals.

All curves are lists of (cost, quality) points from a router's knob sweep. Mixing two operating points at
random is always possible, so a router is credited with the upper convex hull of its points, made
non-decreasing (spending more never has to lower quality). Below its cheapest point a router has nothing
to offer, so the hull is 0 there; above its dearest point it stays flat.

- AIQ: area under that hull with cost normalised to [0, 1] between the cheapest and the dearest single model.
- PGR(q) = (q - q_weak) / (q_strong - q_weak). Two-model curves use the strong-call fraction as cost
  (a cascade's always-made weak calls are charged in strong-call equivalents).
- APGR: the integral of PGR over strong-call fractions 0..1, by the trapezoid rule on 10 equal intervals
  (random routing scores 0.5).
- CPT(x): the smallest strong-call fraction at which PGR reaches x (None if never).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

APGR_GRID = np.linspace(0.0, 1.0, 11)


def upper_hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The non-decreasing upper convex hull, sorted by cost."""
    pts = sorted((float(x), float(y)) for x, y in points)
    out: list[tuple[float, float]] = []
    for x, y in pts:
        if out and y <= out[-1][1]:
            continue  # costs at least as much as a hull point and is not better
        while len(out) >= 2:
            (x1, y1), (x2, y2) = out[-2], out[-1]
            if (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) >= 0:
                out.pop()  # the middle point lies on or under the chord
            else:
                break
        if out and x == out[-1][0]:
            out.pop()
        out.append((x, y))
    return out


def hull_value(hull: list[tuple[float, float]], x: float) -> float:
    """Quality reachable at cost x: 0 below the cheapest point, flat above the dearest."""
    if not hull or x < hull[0][0] - 1e-12:
        return 0.0
    xs = [p[0] for p in hull]
    ys = [p[1] for p in hull]
    return float(np.interp(x, xs, ys))


def area_on_unit(hull: list[tuple[float, float]]) -> float:
    """Exact area under the hull on [0, 1] (0 before its first point, flat after its last)."""
    if not hull:
        return 0.0
    pts = list(hull)
    if pts[-1][0] < 1.0:
        pts.append((1.0, pts[-1][1]))
    area = 0.0
    for (x1, y1), (x2, y2) in zip(pts, pts[1:]):
        a, b = max(x1, 0.0), min(x2, 1.0)
        if b <= a:
            continue
        ya = y1 + (y2 - y1) * (a - x1) / (x2 - x1)
        yb = y1 + (y2 - y1) * (b - x1) / (x2 - x1)
        area += (b - a) * (ya + yb) / 2.0
    return float(area)


def normalise(costs: np.ndarray | Sequence[float], lo: float, hi: float) -> np.ndarray:
    return (np.asarray(costs, dtype=float) - lo) / (hi - lo if hi > lo else 1.0)


def aiq(points: Sequence[tuple[float, float]], lo: float, hi: float) -> float:
    """AIQ of (cost in $, quality) points, cost normalised between the cheapest (lo) and dearest (hi) model."""
    pts = [(float(x), float(y)) for x, y in zip(normalise([p[0] for p in points], lo, hi), [p[1] for p in points])]
    return area_on_unit(upper_hull(pts))


def pgr(quality: float, q_weak: float, q_strong: float) -> float:
    gap = q_strong - q_weak
    return float((quality - q_weak) / gap) if gap != 0 else float("nan")


def pgr_curve(points: Sequence[tuple[float, float]], q_weak: float, q_strong: float,
              grid: np.ndarray = APGR_GRID) -> list[float]:
    """PGR at each strong-call fraction of `grid`, from (strong fraction, quality) points."""
    hull = upper_hull(points)
    return [pgr(hull_value(hull, f), q_weak, q_strong) for f in grid]


def apgr(points: Sequence[tuple[float, float]], q_weak: float, q_strong: float) -> float:
    values = pgr_curve(points, q_weak, q_strong)
    return float(np.trapezoid(values, APGR_GRID))


def cpt(points: Sequence[tuple[float, float]], q_weak: float, q_strong: float, target: float) -> float | None:
    """Smallest strong-call fraction in [0, 1] whose hull quality reaches PGR >= target."""
    hull = [(x, y) for x, y in upper_hull(points)]
    need = q_weak + target * (q_strong - q_weak)
    if not hull:
        return None
    if hull[0][1] >= need - 1e-12:
        return max(0.0, hull[0][0])
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        if y2 >= need - 1e-12:
            x = x1 + (need - y1) * (x2 - x1) / (y2 - y1)
            return float(x) if x <= 1.0 + 1e-9 else None
    return None


def bootstrap_weights(n: int, samples: int, seed: int) -> np.ndarray:
    """(n, samples) resampling counts / n: column b averages a quantity over bootstrap sample b."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(samples, n))
    w = np.zeros((samples, n), dtype=np.float32)
    np.add.at(w, (np.arange(samples)[:, None], idx), 1.0)
    return (w / n).T


def interval(values: Sequence[float], level: float = 0.95) -> list[float]:
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if v.size == 0:
        return [float("nan"), float("nan")]
    a = (1 - level) / 2
    return [float(np.quantile(v, a)), float(np.quantile(v, 1 - a))]
