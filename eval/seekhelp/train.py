"""Train the seek-help ask policy from a duet log: requests whose `extra.seek_help` holds an episode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.seek_help_policy import AskPolicy, labelled_steps
from router.logstore import LogStore


def episodes_from_log(db: Path) -> list[dict[str, Any]]:
    if not Path(db).exists():
        raise ValueError(f"no log database at {db}")
    store = LogStore(db)
    try:
        rows = store.rows(limit=None, where="extra LIKE ?", params=['%"seek_help"%'])
    finally:
        store.close()
    return [row["extra"]["seek_help"] for row in rows if isinstance(row.get("extra"), dict)
            and isinstance(row["extra"].get("seek_help"), dict)]


def train_from_logs(db: Path, out: Path, threshold: float = 0.5) -> dict[str, Any]:
    """Fit the policy on every asked step in the log and write it to `out`; returns its card."""
    episodes = episodes_from_log(db)
    x, y = labelled_steps(episodes)
    policy = AskPolicy(threshold=threshold).fit(x, y)
    policy.card.update({"episodes": len(episodes), "source": str(db)})
    policy.save(out)
    return policy.card
