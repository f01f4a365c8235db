"""`duet eval routing`: load train/test data, run the routers, print a table, write JSON and a plot."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.routing.harness import POLICY_ROUTERS, evaluate
from eval.routing.loaders import load_table
from policies.table import RoutingTable

DEFAULT_ROUTERS = ("random", "best-single", "knn", "mlp", "mf", "ensemble", "ragrouter", "oracle")


def cache_path() -> Path:
    """Embedding cache: training re-embeds the same texts many times."""
    home = Path(os.environ.get("DUET_HOME") or Path.home() / ".duet").expanduser()
    return home / "cache" / "embeddings.sqlite"


def cached_encoder(model_path: str | None = None) -> Any:
    from policies.encoder import Encoder

    return Encoder(model_path, cache_path=cache_path())


def load_split(train: str | Path, test: str | Path | None, fmt: str | None, prices: str | Path | None,
               test_fraction: float = 0.5, seed: int = 0) -> tuple[RoutingTable, RoutingTable]:
    """Two files as given; one file split seeded (RouteLLM's GSM8K and MMLU come as one file each)."""
    table = load_table(train, fmt, prices)
    if test is None:
        return table.split(test_fraction, seed)
    return table, load_table(test, fmt, prices)


def extra_routers() -> dict[str, Callable[..., Any]]:
    from eval.routing.cascade import CASCADE_ROUTERS

    return dict(CASCADE_ROUTERS)


def run_eval(train: str | Path, test: str | Path | None = None, fmt: str | None = None,
             prices: str | Path | None = None, routers: list[str] | None = None, json_out: str | Path | None = None,
             plot_out: str | Path | None = None, seed: int = 0, samples: int = 1000, title: str = "",
             log: Callable[[str], None] = print) -> dict[str, Any]:
    train_t, test_t = load_split(train, test, fmt, prices, seed=seed)
    routers = list(routers or DEFAULT_ROUTERS)
    extras = extra_routers()
    unknown = [r for r in routers if r not in POLICY_ROUTERS and r not in extras]
    if unknown:
        raise ValueError(f"unknown routers {unknown}; known: {', '.join([*POLICY_ROUTERS, *extras])}")
    log(f"train {len(train_t)} / test {len(test_t)} queries, {len(train_t.models)} models")
    result = evaluate(train_t, test_t, routers, encoder=cached_encoder(), samples=samples, seed=seed,
                      extra_runs=extras, log=log)
    result["data"] = {"train": str(train), "test": str(test) if test else f"seeded 50/50 split of {train}",
                      "format": fmt or train_t.notes.get("format"), "seed": seed}
    log(format_table(result))
    if json_out:
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(json_out).write_text(json.dumps(result, indent=1))
    if plot_out:
        from eval.routing.plot import plot_result

        plot_result(result, plot_out, title or Path(str(train)).stem)
    return result


def _fmt(value: Any, ci: Any = None) -> str:
    if value is None:
        return "-"
    text = f"{value:.3f}"
    if ci:
        text += f" [{ci[0]:.3f}, {ci[1]:.3f}]"
    return text


def format_table(result: dict[str, Any]) -> str:
    lines = [f"{'router':<22} {'AIQ [95% CI]':<24} {'gain vs zero [95% CI]':<26} {'APGR [95% CI]':<24} CPT50  CPT80"]
    for name, r in result["routers"].items():
        lines.append(f"{name:<22} {_fmt(r['aiq'], r.get('aiq_ci')):<24} "
                     f"{_fmt(r.get('aiq_gain'), r.get('aiq_gain_ci')):<26} {_fmt(r['apgr'], r.get('apgr_ci')):<24} "
                     f"{_fmt(r['cpt50']):<6} {_fmt(r['cpt80'])}")
    bs, orc = result["best_single"], result["oracle"]
    lines.append(f"zero router AIQ {_fmt(result['zero_aiq'], result.get('zero_aiq_ci'))}; best single "
                 f"{bs['model']} q={bs['quality']:.3f} ${bs['cost']:.6f}; oracle q={orc['quality']:.3f} "
                 f"${orc['cost']:.6f}; best router {result['best_router']}")
    return "\n".join(lines)
