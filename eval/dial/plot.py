"""Cost vs reward and cost vs success for every policy, over the random weak/strong mix curve."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot(result: dict[str, Any], path: str | Path, replay: dict[str, Any] | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(result, "reward"), (result, "success")] + ([(replay, "reward")] if replay else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2))
    for ax, (res, key) in zip(axes, panels):
        curve = res.get("random_mix_curve") or []
        if curve:
            ax.plot([c["cost"] for c in curve], [c[key] for c in curve], "--", color="grey", label="random mix")
        for name, row in res["policies"].items():
            ax.scatter(row["cost"], row[key], s=50, label=name, zorder=3)
        where = "simulator" if res.get("env") == "sim" else res.get("env", "")
        ax.set_title(f"{where}: {key} vs cost (lambda={res.get('lambda')})")
        ax.set_xlabel("cost per dialogue")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
