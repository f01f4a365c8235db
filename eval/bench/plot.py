"""One PNG: overhead p50 over the direct path and requests/s against concurrency, per target and mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from eval.bench.targets import LABELS, TARGETS  # noqa: E402

COLORS = dict(zip(TARGETS, ("tab:gray", "tab:blue", "tab:orange", "tab:red", "tab:green")))


def plot_result(result: dict[str, Any], path: Path) -> None:
    modes = sorted({p["mode"] for p in result["points"]}, reverse=False)
    fig, axes = plt.subplots(2, len(modes), figsize=(6 * len(modes), 8), squeeze=False)
    targets = list(dict.fromkeys(p["target"] for p in result["points"]))
    for col, mode in enumerate(modes):
        for target in targets:
            pts = sorted((p for p in result["points"] if p["target"] == target and p["mode"] == mode),
                         key=lambda p: p["concurrency"])
            cs = [p["concurrency"] for p in pts]
            if target != "direct":
                key = "ttfb_overhead_ms" if mode == "stream" else "overhead_ms"
                ov = [max(0.01, (p.get(key) or {}).get("p50") or 0.01) for p in pts]
                axes[0][col].plot(cs, ov, marker="o", label=LABELS.get(target, target), color=COLORS.get(target))
            axes[1][col].plot(cs, [p["rps"] or 0 for p in pts], marker="o", label=LABELS.get(target, target),
                              color=COLORS.get(target))
        what = "time-to-first-byte overhead p50" if mode == "stream" else "overhead p50"
        axes[0][col].set(title=f"{mode}: {what} (ms, log)", xlabel="concurrent clients", yscale="log", xscale="log")
        axes[1][col].set(title=f"{mode}: requests/s (log)", xlabel="concurrent clients", yscale="log", xscale="log")
        for ax in (axes[0][col], axes[1][col]):
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
    machine = result.get("machine", {})
    fig.suptitle(f"duet gateway benchmark — {machine.get('cpus')} CPUs, load avg {machine.get('loadavg_start')}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
