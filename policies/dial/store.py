"""Search-derived trajectories in one SQLite file: what a run was, each episode, each searched state.

Rows are keyed by episode index so an interrupted run resumes by skipping episodes already stored.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS episodes (
    episode INTEGER PRIMARY KEY, seed INTEGER NOT NULL, reward REAL, cost REAL, success INTEGER,
    turns INTEGER, actions TEXT, worker TEXT, created REAL);
CREATE TABLE IF NOT EXISTS steps (
    episode INTEGER NOT NULL, turn INTEGER NOT NULL, features BLOB NOT NULL, visits TEXT NOT NULL,
    q TEXT NOT NULL, value REAL NOT NULL, action INTEGER NOT NULL, reward REAL NOT NULL,
    PRIMARY KEY (episode, turn));
"""


@dataclass
class StepRecord:
    turn: int
    features: np.ndarray
    visits: np.ndarray
    q: np.ndarray  # nan where the search never tried the action
    value: float
    action: int
    reward: float


@dataclass
class Dataset:
    features: np.ndarray  # (n, d)
    visits: np.ndarray  # (n, A)
    q: np.ndarray  # (n, A), nan where unknown
    value: np.ndarray  # (n,)


class TrajectoryStore:
    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._db:
            self._db.executescript(_SCHEMA)

    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    def set_meta(self, values: dict[str, Any]) -> None:
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                 [(k, json.dumps(v, sort_keys=True)) for k, v in values.items()])

    def done_episodes(self) -> set[int]:
        return {row[0] for row in self._db.execute("SELECT episode FROM episodes")}

    def add_episode(self, episode: int, seed: int, steps: list[StepRecord], reward: float, cost: float,
                    success: bool, worker: str = "") -> None:
        """Write one finished episode and its steps in one transaction (all or nothing)."""
        rows = [(episode, s.turn, np.asarray(s.features, np.float32).tobytes(), json.dumps(s.visits.tolist()),
                 json.dumps([None if np.isnan(v) else float(v) for v in s.q]), float(s.value), int(s.action),
                 float(s.reward)) for s in steps]
        with self._lock, self._db:
            self._db.execute("DELETE FROM steps WHERE episode = ?", (episode,))
            self._db.executemany("INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self._db.execute("INSERT OR REPLACE INTO episodes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (episode, seed, reward, cost, int(success), len(steps),
                              json.dumps([s.action for s in steps]), worker, time.time()))

    def episode_stats(self) -> dict[str, float]:
        row = self._db.execute("SELECT COUNT(*), AVG(reward), AVG(cost), AVG(success) FROM episodes").fetchone()
        return {"episodes": row[0], "reward": row[1] or 0.0, "cost": row[2] or 0.0, "success": row[3] or 0.0}

    def dataset(self) -> Dataset:
        feats, visits, qs, values = [], [], [], []
        for blob, v, q, value in self._db.execute(
                "SELECT features, visits, q, value FROM steps ORDER BY episode, turn"):
            feats.append(np.frombuffer(blob, dtype=np.float32))
            visits.append(json.loads(v))
            qs.append([np.nan if x is None else x for x in json.loads(q)])
            values.append(value)
        if not feats:
            raise ValueError(f"no trajectories in {self.path}")
        return Dataset(np.stack(feats), np.asarray(visits, np.float32), np.asarray(qs, np.float32),
                       np.asarray(values, np.float32))

    def close(self) -> None:
        self._db.close()
