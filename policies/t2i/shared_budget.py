"""The cloud image budget in a SQLite file, so every gateway process on a machine draws on one budget.

An in-process ledger lets each of N workers spend the whole `max_cloud_spend`: N times the budget. Here
the check-and-record runs in one `BEGIN IMMEDIATE` transaction, which SQLite serialises across processes,
so concurrent requests in any process cannot overshoot together. Same interface as `CloudBudget`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from policies.t2i.budget import BudgetConfig, allows


class SharedCloudBudget:
    def __init__(self, config: BudgetConfig, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.path = Path(path)
        self._clock = clock  # wall clock: processes must agree on it
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._db()
        db.execute("CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY, at REAL NOT NULL, "
                   "cloud INTEGER NOT NULL, cost REAL NOT NULL)")
        db.execute("CREATE INDEX IF NOT EXISTS ledger_at ON ledger (at)")

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def _window(self, db: sqlite3.Connection, now: float) -> tuple[int, int, float]:
        db.execute("DELETE FROM ledger WHERE at <= ?", (now - self.config.window_seconds,))
        n, cloud, spend = db.execute("SELECT COUNT(*), COALESCE(SUM(cloud), 0), COALESCE(SUM(cost), 0.0) "
                                     "FROM ledger").fetchone()
        return int(n), int(cloud), float(spend)

    def admit(self, want_cloud: bool, cost: float = 0.0) -> bool:
        """Record one request; return True when it may go to the cloud (only if it wants to)."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            now = self._clock()
            n, cloud, spend = self._window(db, now)
            granted = bool(want_cloud) and allows(self.config, n, cloud, spend, cost)
            db.execute("INSERT INTO ledger (at, cloud, cost) VALUES (?, ?, ?)",
                       (now, int(granted), cost if granted else 0.0))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return granted

    def refund(self, cost: float = 0.0) -> None:
        """A cloud call that failed before costing anything gives its slot back (newest matching entry)."""
        self._db().execute("UPDATE ledger SET cloud = 0, cost = 0 WHERE id = (SELECT id FROM ledger WHERE cloud = 1 "
                           "AND abs(cost - ?) < 1e-12 ORDER BY id DESC LIMIT 1)", (cost,))

    def snapshot(self) -> dict[str, float]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            n, cloud, spend = self._window(db, self._clock())
        finally:
            db.execute("COMMIT")
        return {"requests": n, "cloud": cloud, "spend": round(spend, 10), "cloud_fraction": cloud / n if n else 0.0}
