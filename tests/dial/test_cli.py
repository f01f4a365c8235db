"""`duet train dial --env sim` and `duet eval dial` end to end at a tiny budget, in real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NAMES = {"dialrouter", "myopic", "mcts", "always_strong", "always_weak", "random"}


def duet(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


def test_train_and_eval_dial_sim(tmp_path):
    out = tmp_path / "policy"
    args = ["train", "dial", "--env", "sim", "--episodes", "6", "--budget", "8", "--workers", "2", "--out", str(out),
            "--epochs", "3", "--val-episodes", "4", "--seed", "5", "--no-progress"]
    first = duet(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    card = json.loads((out / "card.json").read_text())
    assert card["policy"] == "dialrouter" and card["search_stats"]["episodes"] == 6
    again = duet(*args)  # resumable: the six episodes are already stored
    assert again.returncode == 0 and "6 of 6 episodes already stored" in again.stdout

    result, plot = tmp_path / "eval.json", tmp_path / "eval.png"
    evaluated = duet("eval", "dial", "--env", "sim", "--policy", str(out), "--episodes", "8", "--budget", "8",
                     "--json", str(result), "--plot", str(plot), "--no-mtbench", "--no-progress")
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    data = json.loads(result.read_text())
    assert set(data["policies"]) == NAMES
    for row in data["policies"].values():
        assert {"reward", "success", "cost", "decision_ms_p50"} <= set(row)
    assert data["policies"]["always_weak"]["cost"] == 0.0
    assert data["policies"]["always_strong"]["cost"] > data["policies"]["myopic"]["cost"]
    assert plot.stat().st_size > 10_000
    assert "SIMULATOR" in evaluated.stdout
