"""Cloud budget for image routing: at most X% of requests and/or $Y per rolling window.

The threshold on superiority is what makes routing *selective* (the best prompts go to the cloud);
the ledger is what makes the budget *hold*: every request is recorded, and a cloud call is admitted
only if, counting itself, the trailing window still satisfies both limits. Check-and-record happens
under one lock, so concurrent requests cannot overshoot together.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BudgetConfig:
    max_cloud_fraction: float | None = None  # 0..1 of requests in the window
    max_cloud_spend: float | None = None  # USD per window
    window_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_cloud_fraction is not None and not 0.0 <= self.max_cloud_fraction <= 1.0:
            raise ValueError("max_cloud_fraction must be within [0, 1]")
        if self.max_cloud_spend is not None and self.max_cloud_spend < 0:
            raise ValueError("max_cloud_spend must be >= 0")
        if self.window_seconds <= 0:
            raise ValueError("window_seconds must be > 0")


def allows(config: BudgetConfig, requests: int, cloud: int, spend: float, cost: float) -> bool:
    """Whether one more cloud request fits the window that already holds `requests` (`cloud` of them cloud,
    `spend` USD), counting itself."""
    if config.max_cloud_fraction is not None and cloud + 1 > config.max_cloud_fraction * (requests + 1) + 1e-9:
        return False
    if config.max_cloud_spend is not None and spend + cost > config.max_cloud_spend + 1e-12:
        return False
    return True


@dataclass(frozen=True)
class LedgerEntry:
    at: float
    cloud: bool
    cost: float


class CloudBudget:
    """Rolling-window ledger shared by all requests of a process."""

    def __init__(self, config: BudgetConfig, clock: Callable[[], float] = time.monotonic,
                 keep_audit: bool = False) -> None:
        self.config = config
        self.audit: list[LedgerEntry] | None = [] if keep_audit else None  # every decision, for checks
        self._clock = clock
        self._entries: deque[LedgerEntry] = deque()
        self._cloud = 0
        self._spend = 0.0
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        horizon = now - self.config.window_seconds
        while self._entries and self._entries[0].at <= horizon:
            old = self._entries.popleft()
            if old.cloud:
                self._cloud -= 1
                self._spend -= old.cost

    def _allows(self, cost: float) -> bool:
        return allows(self.config, len(self._entries), self._cloud, self._spend, cost)

    def admit(self, want_cloud: bool, cost: float = 0.0) -> bool:
        """Record one request; return True when it may go to the cloud (only if it wants to)."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            cloud = bool(want_cloud) and self._allows(cost)
            entry = LedgerEntry(now, cloud, cost if cloud else 0.0)
            self._entries.append(entry)
            if self.audit is not None:
                self.audit.append(entry)
            if cloud:
                self._cloud += 1
                self._spend += cost
            return cloud

    def refund(self, cost: float = 0.0) -> None:
        """A cloud call that failed before costing anything gives its slot back (newest cloud entry)."""
        with self._lock:
            for i in range(len(self._entries) - 1, -1, -1):
                entry = self._entries[i]
                if entry.cloud and abs(entry.cost - cost) < 1e-12:
                    self._entries[i] = LedgerEntry(entry.at, False, 0.0)
                    self._cloud -= 1
                    self._spend -= entry.cost
                    return

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            self._prune(self._clock())
            n = len(self._entries)
            return {"requests": n, "cloud": self._cloud, "spend": round(self._spend, 10),
                    "cloud_fraction": self._cloud / n if n else 0.0}


def threshold_for_fraction(superiorities: Sequence[float], fraction: float) -> float:
    """Superiority above which about `fraction` of calibration prompts fall (cloud candidates).

    fraction >= 1 -> -inf (everything qualifies); fraction <= 0 -> +inf (nothing does).
    """
    values = np.asarray(list(superiorities), dtype=np.float64)
    if fraction <= 0.0:
        return float("inf")
    if fraction >= 1.0 or values.size == 0:  # no calibration: the ledger alone limits the cloud
        return float("-inf")
    return float(np.quantile(values, 1.0 - fraction))
