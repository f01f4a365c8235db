"""Resumable benchmark rows: each finished (item, mode) row is appended to a JSONL file as it completes, so
an interrupted long run (minutes per row with local models) picks up where it stopped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def done_rows(path: Path | None) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows already in `path`, by (id, mode)."""
    if path is None or not path.exists():
        return {}
    rows = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return {(row["id"], row["mode"]): row for row in rows}


def append_row(path: Path | None, row: dict[str, Any]) -> None:
    if path is not None:
        with path.open("a") as handle:
            handle.write(json.dumps(row) + "\n")
