"""One picture per evaluation: every router's cost-quality hull, the single models, and the oracle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.routing.metrics import upper_hull


def plot_result(result: dict[str, Any], out: str | Path, title: str = "") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lo, hi = result["cost_normalisation"]["lo"], result["cost_normalisation"]["hi"]

    def norm(cost: float) -> float:
        return (cost - lo) / (hi - lo) if hi > lo else 0.0

    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=120)
    for name, entry in result["routers"].items():
        pts = [(norm(c), q) for c, q in entry["curve"]]
        hull = upper_hull(pts)
        style = "--" if name in ("oracle", "random") else "-"
        line, = ax.plot([p[0] for p in hull], [p[1] for p in hull], style, lw=1.6,
                        label=f"{name} (AIQ {entry['aiq']:.3f})")
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=5, color=line.get_color(), alpha=0.35)
    singles = result["single_models"]
    ax.scatter([norm(v["cost"]) for v in singles.values()], [v["quality"] for v in singles.values()],
               marker="s", color="black", s=22, zorder=5, label=f"single models (zero AIQ {result['zero_aiq']:.3f})")
    for name, v in singles.items():
        ax.annotate(name.split("/")[-1][:18], (norm(v["cost"]), v["quality"]), fontsize=6, xytext=(3, -8),
                    textcoords="offset points")
    ax.set_xlim(-0.03, 1.25)
    ax.set_xlabel(f"cost, normalised: 0 = cheapest single model ({lo:.2g} USD/query), 1 = dearest ({hi:.2g} USD/query)")
    ax.set_ylabel("quality (mean score)")
    ax.set_title(title or Path(str(result.get("notes", {}).get("source", ""))).name)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
