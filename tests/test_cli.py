"""The `duet` CLI as a user runs it: chat from piped input, models, logs as a table and as JSON lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.servers import REPO, local_model, write_config


def duet(*args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUET_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], input=stdin, text=True,
                          capture_output=True, cwd=REPO, env=env, timeout=300)


def test_chat_models_and_logs(tmp_path: Path) -> None:
    config = write_config(tmp_path / "duet.yaml", [local_model(max_tokens=6)])
    chat = duet("chat", "--config", str(config), "--max-tokens", "6", home=tmp_path, stdin="Hello there\n\n")
    assert chat.returncode == 0, chat.stderr
    assert "smollm2 (local, cost-threshold)" in chat.stdout

    models = duet("models", "--config", str(config), home=tmp_path)
    assert models.returncode == 0 and "smollm2" in models.stdout and "available" in models.stdout

    table = duet("logs", "--config", str(config), home=tmp_path)
    assert table.returncode == 0 and "smollm2" in table.stdout
    lines = duet("logs", "--config", str(config), "--json", "-n", "0", home=tmp_path).stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 1 and rows[0]["model"] == "smollm2" and rows[0]["session_id"]
    assert rows[0]["completion_tokens"] > 0 and rows[0]["prompt"] is None


def test_logs_without_a_database_is_a_clear_error(tmp_path: Path) -> None:
    result = duet("logs", "--db", str(tmp_path / "none.db"), home=tmp_path)
    assert result.returncode == 1 and "no log at" in result.stdout
