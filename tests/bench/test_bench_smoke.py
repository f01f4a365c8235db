"""The gateway benchmark's smoke run through the CLI (C = 2, a few requests, no LiteLLM proxy so no extra
virtualenv): every target serves every request, and the JSON carries the output contract's keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.servers import REPO


def test_duet_bench_gateway_smoke(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    cmd = [sys.executable, "-m", "service.cli", "bench", "gateway", "--concurrency", "2", "--requests", "12",
           "--warmup", "2", "--targets", "passthrough,full,floor", "--json", str(out), "--work", str(tmp_path / "w")]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "duet passthrough" in run.stdout and "ratio passthrough/litellm" in run.stdout

    result = json.loads(out.read_text())
    points = {(p["target"], p["mode"]): p for p in result["points"]}
    assert set(points) == {(t, m) for t in ("direct", "passthrough", "full", "floor") for m in ("nonstream", "stream")}
    for (target, mode), point in points.items():
        assert point["served"] == 12 and not point["errors"], point
        assert point["concurrency"] == 2 and point["total_ms"]["p50"] > 0
        assert set(point["overhead_ms"]) == {"p50", "p95", "p99"}
        if target != "direct":
            # /proc CPU time ticks at 10 ms: 14 requests through a sub-millisecond target can read 0.
            assert point["cpu_ms_per_request"] >= 0
        if target == "full":
            # Privacy detection and routing cost milliseconds of CPU per request: visible even at 10 ms ticks.
            assert point["cpu_ms_per_request"] > 0 and point["overhead_ms"]["p50"] > 0
    assert result["full_pipeline"]["policy"] == "cost-threshold"
    for key in ("ratio_passthrough_vs_litellm_p50", "ratio_full_vs_litellm_p50", "requests_per_second"):
        assert key in result
    assert set(result["requests_per_second"]) == {"direct", "passthrough", "full", "floor"}
    assert Path(result["plot"]).stat().st_size > 10_000
