"""Percentiles, overhead against the direct path, and the machine's CPU use while a point ran."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

PCTS = (50, 95, 99)


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {f"p{p}": None for p in PCTS}
    arr = np.asarray(values, dtype=float)
    return {f"p{p}": round(float(np.percentile(arr, p)), 3) for p in PCTS}


def minus(a: dict[str, float | None], b: dict[str, float | None]) -> dict[str, float | None]:
    return {k: (round(a[k] - b[k], 3) if a.get(k) is not None and b.get(k) is not None else None) for k in a}


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return round(a / b, 4)


class MachineCpu:
    """Busy CPU (all processes, ours included) between start() and stop(), in cores."""

    def __init__(self) -> None:
        self.start_busy = self.start_total = 0

    @staticmethod
    def _read() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields) - idle, sum(fields)

    def start(self) -> None:
        self.start_busy, self.start_total = self._read()

    def busy_cores(self) -> float:
        busy, total = self._read()
        if total == self.start_total:
            return 0.0
        return round((busy - self.start_busy) / (total - self.start_total) * (os.cpu_count() or 1), 2)


def summarize(raw: dict[str, Any]) -> dict[str, Any]:
    served = raw["served"]
    return {"served": served, "errors": raw["errors"], "wall_s": round(raw["wall_s"], 3),
            "rps": round(served / raw["wall_s"], 1) if raw["wall_s"] > 0 else None,
            "total_ms": percentiles(raw["total_ms"]), "ttfb_ms": percentiles(raw["ttfb_ms"])}
