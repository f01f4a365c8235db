"""The SQLite ledger: the same hand-computed budget as the in-process one, and two real processes drawing
on one file never spend more than the window allows together (two in-process ledgers would spend it twice)."""

from __future__ import annotations

import json
import subprocess
import sys

from policies.t2i.budget import BudgetConfig
from policies.t2i.shared_budget import SharedCloudBudget
from tests.servers import REPO

WORKER = """
import json, sys
from policies.t2i.budget import BudgetConfig
from policies.t2i.shared_budget import SharedCloudBudget
budget = SharedCloudBudget(BudgetConfig(max_cloud_spend=1.0, window_seconds=3600), sys.argv[1])
print(json.dumps(sum(budget.admit(True, 0.04) for _ in range(40))))
"""


def test_spend_budget_hand_computed_window_expiry_and_refund(tmp_path) -> None:
    now = [0.0]
    budget = SharedCloudBudget(BudgetConfig(max_cloud_spend=0.10, window_seconds=60), tmp_path / "b.sqlite",
                               clock=lambda: now[0])
    assert budget.admit(True, 0.04) and budget.admit(True, 0.04)
    assert not budget.admit(True, 0.04)  # 0.12 > 0.10
    assert budget.admit(True, 0.02)  # exactly 0.10
    assert not budget.admit(False, 0.0)  # an edge request never gets cloud
    assert budget.snapshot() == {"requests": 5, "cloud": 3, "spend": 0.1, "cloud_fraction": 0.6}
    now[0] = 61.0
    assert budget.admit(True, 0.04)  # the first entries left the window
    budget.refund(0.04)
    assert budget.snapshot()["spend"] == 0
    again = SharedCloudBudget(BudgetConfig(max_cloud_spend=0.10, window_seconds=60), tmp_path / "b.sqlite",
                              clock=lambda: now[0])
    assert again.snapshot()["requests"] == 1  # a new process (or a restart) sees the same ledger


def test_fraction_budget_hand_computed(tmp_path) -> None:
    budget = SharedCloudBudget(BudgetConfig(max_cloud_fraction=0.5, window_seconds=10), tmp_path / "f.sqlite",
                               clock=lambda: 0.0)
    assert [budget.admit(True) for _ in range(6)] == [False, True, False, True, False, True]


def test_two_processes_share_one_spend_budget(tmp_path) -> None:
    path = str(tmp_path / "shared.sqlite")
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, path], cwd=REPO, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    granted = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert sum(granted) == 25  # $1.00 / $0.04, across both processes (separate ledgers would grant 50)
