"""The only place that writes SQLite: one row per request, feedback, per-session routing state.

Rows are queued and written by one background thread in small batched transactions (WAL mode), so the
request path never waits on the disk and a crash leaves every row complete or absent (rows still queued,
at most WRITE_INTERVAL old, are lost with the process).
Schema changes are numbered migrations, applied in order and recorded in `migrations`.
"""

from __future__ import annotations

import collections
import hashlib
import os
import secrets
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

log = logging.getLogger("duet.logstore")


def _m001_initial(db: sqlite_utils.Database) -> None:
    db["requests"].create({
        "id": str, "ts": float, "session_id": str, "endpoint": str, "requested_model": str,
        "policy": str, "model": str, "tier": str, "candidates": str, "knob": str, "reason": str,
        "stream": int, "prompt_tokens": int, "completion_tokens": int, "cost_usd": float,
        "route_ms": float, "ttft_ms": float, "total_ms": float, "outcome": str, "error": str,
        "attempts": str, "fallback": int, "prompt_hash": str, "privacy": str, "exposure": str,
        "extra": str, "prompt": str, "completion": str,
    }, pk="id", if_not_exists=True)
    db["requests"].create_index(["ts"], if_not_exists=True)
    db["requests"].create_index(["session_id"], if_not_exists=True)
    db["feedback"].create({"id": int, "request_id": str, "ts": float, "score": float, "source": str,
                           "comment": str}, pk="id", if_not_exists=True)
    db["feedback"].create_index(["request_id"], if_not_exists=True)
    db["sessions"].create({"session_id": str, "updated": float, "turn": int, "cost_usd": float,
                           "models": str, "state": str}, pk="session_id", if_not_exists=True)
    db["trajectories"].create({"id": int, "ts": float, "source": str, "episode": str, "turn": int,
                               "state": str, "action": str, "values": str, "reward": float},
                              pk="id", if_not_exists=True)


MIGRATIONS: list[tuple[int, Callable[[sqlite_utils.Database], None]]] = [
    (1, _m001_initial),
]

FEEDBACK_SOURCES = ("user", "judge", "label")


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a duet database with WAL on and every migration applied."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    db = sqlite_utils.Database(conn)
    db.enable_wal()
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    with conn:
        conn.execute("CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied REAL)")
        done = {row[0] for row in conn.execute("SELECT version FROM migrations")}
        for version, migrate in MIGRATIONS:
            if version not in done:
                migrate(db)
                conn.execute("INSERT INTO migrations VALUES (?, ?)", (version, time.time()))
    return db


class LogStore:
    """Request log, feedback and sessions in one SQLite file."""

    WRITE_INTERVAL = 0.05  # seconds: rows reach the disk in batches at most this late

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db = open_db(self.path)
        self._hash_key = _hash_key(self.path.with_name(self.path.name + ".key"))
        self._lock = threading.Lock()  # one connection, used from the writer and from readers
        self._columns = [c.name for c in self.db["requests"].columns]
        self._insert = (f"INSERT OR REPLACE INTO requests ({', '.join(self._columns)}) "
                        f"VALUES ({', '.join('?' * len(self._columns))})")
        # record() only appends here (a deque append is atomic): no lock and no thread wake-up per request,
        # which under load cost more CPU than the SQLite write itself.
        self._rows: collections.deque[dict[str, Any]] = collections.deque()
        self._busy = False
        self._closing = False
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._writer = threading.Thread(target=self._write_loop, name="duet-log-writer", daemon=True)
        self._writer.start()

    def prompt_hash(self, messages: list[dict[str, Any]]) -> str:
        """Keyed hash of a prompt: equal prompts group together, but a short private prompt cannot be
        recovered by hashing guesses without the key file that sits beside the database (mode 0600)."""
        text = json.dumps(messages, sort_keys=True, default=str).encode()
        return hashlib.blake2b(text, key=self._hash_key, digest_size=16).hexdigest()

    # writing ---------------------------------------------------------------------------------------
    def record(self, row: dict[str, Any]) -> None:
        """Queue one request row; the writer thread stores it within WRITE_INTERVAL."""
        self._rows.append(row)

    def _write_loop(self) -> None:
        while True:
            self._wake.wait(self.WRITE_INTERVAL)
            self._wake.clear()
            closing = self._closing
            with self._idle:
                self._busy = True
            try:
                while self._rows:
                    batch = [self._rows.popleft() for _ in range(min(512, len(self._rows)))]
                    self._write(batch)
            finally:
                with self._idle:
                    self._busy = False
                    self._idle.notify_all()
            if closing:
                return

    def _write(self, batch: list[dict[str, Any]]) -> None:
        """One transaction per batch: after a crash every row is complete or absent."""
        encoded = [_encode(r) for r in batch]
        try:
            with self._lock, self.db.conn:
                if all(set(r) <= set(self._columns) for r in encoded):
                    self.db.conn.executemany(self._insert, [[r.get(c) for c in self._columns] for r in encoded])
                else:  # a row with a column this schema lacks: let sqlite-utils say which
                    self.db["requests"].insert_all(encoded, replace=True)
        except Exception:  # noqa: BLE001 - a bad row must not stop the writer; the rest still get written
            log.exception("could not write %d log rows", len(batch))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued row is on disk."""
        self._wake.set()
        with self._idle:
            return self._idle.wait_for(lambda: not self._rows and not self._busy, timeout=timeout)

    def close(self) -> None:
        self.flush()
        self._closing = True
        self._wake.set()
        self._writer.join(timeout=5)

    def feedback(self, request_id: str, score: float, source: str = "user", comment: str | None = None) -> int:
        if not 0.0 <= float(score) <= 1.0:
            raise ValueError("score must be in [0, 1]")
        if source not in FEEDBACK_SOURCES:
            raise ValueError(f"source must be one of {FEEDBACK_SOURCES}")
        self.flush()
        with self._lock, self.db.conn:
            if self.db["requests"].count_where("id = ?", [request_id]) == 0:
                raise KeyError(request_id)
            table = self.db["feedback"]
            table.insert({"request_id": request_id, "ts": time.time(), "score": float(score),
                          "source": source, "comment": comment})
            return int(table.last_pk)

    def save_session(self, session_id: str, turn: int, cost_usd: float, models: list[str],
                     state: dict[str, Any]) -> None:
        with self._lock, self.db.conn:
            self.db["sessions"].upsert({"session_id": session_id, "updated": time.time(), "turn": turn,
                                        "cost_usd": cost_usd, "models": json.dumps(models),
                                        "state": json.dumps(state)}, pk="session_id")

    # reading ---------------------------------------------------------------------------------------
    def session(self, session_id: str) -> dict[str, Any] | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM sessions WHERE session_id = ?", [session_id]))
        if not rows:
            return None
        row = rows[0]
        return {**row, "models": json.loads(row["models"] or "[]"), "state": json.loads(row["state"] or "{}")}

    def rows(self, limit: int | None = 20, where: str | None = None,
             params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Most recent request rows first, JSON columns decoded."""
        sql = "SELECT * FROM requests" + (f" WHERE {where}" if where else "") + " ORDER BY ts DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            return [_decode(r) for r in self.db.query(sql, params or [])]

    def iter_with_feedback(self) -> Iterator[dict[str, Any]]:
        """Request rows joined with their mean feedback score: what offline training reads."""
        sql = ("SELECT r.*, AVG(f.score) AS feedback_score, COUNT(f.id) AS feedback_count FROM requests r "
               "LEFT JOIN feedback f ON f.request_id = r.id GROUP BY r.id ORDER BY r.ts")
        with self._lock:
            rows = list(self.db.query(sql))
        for row in rows:
            yield _decode(row)

    def count(self) -> int:
        with self._lock:
            return self.db["requests"].count


def _hash_key(path: Path) -> bytes:
    """The log's secret hashing key, created on first use and readable only by its owner."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key.hex())
        return key


_JSON_COLUMNS = ("candidates", "knob", "attempts", "privacy", "exposure", "extra")


def _encode(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (json.dumps(v) if k in _JSON_COLUMNS and v is not None else v) for k, v in row.items()}


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in _JSON_COLUMNS:
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out
