"""Image-routing commands: `duet label-images`, `duet train t2i`, `duet eval t2i` (RouteT2I)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

console = Console()


def label_images(prompts: Optional[Path] = typer.Option(None, "--prompts",
                                                       help="Prompts: text (one per line) or JSONL"),
                 from_log: Optional[Path] = typer.Option(None, "--from-log",
                                                         help="Take the prompts of logged image requests "
                                                              "(needs log.content: true) from this database"),
                 out: Path = typer.Option(..., "--out", help="Labelled rows (JSONL) to write"),
                 config: Optional[Path] = typer.Option(None, "--config", "-c", help="duet YAML with an images: section"),
                 images_dir: Optional[Path] = typer.Option(None, help="Also save every generated PNG here"),
                 concurrency: int = typer.Option(4, help="Prompts generated at once"),
                 size: Optional[str] = typer.Option(None, help="Image size to request, e.g. 512x512")) -> None:
    """Generate every prompt with the edge and the cloud image backend and score both with CLIP."""
    from policies.t2i.rows import read_prompts, write_rows
    from router import Router
    from router.config import ConfigError

    if (prompts is None) == (from_log is None):
        console.print("[red]give exactly one of --prompts and --from-log[/red]")
        raise typer.Exit(2)
    texts = read_prompts(prompts) if prompts else logged_image_prompts(from_log)
    if not texts:
        console.print(f"[red]no prompts in {prompts or from_log}[/red]")
        raise typer.Exit(2)
    router = Router(config)
    try:
        rows = asyncio.run(router.images.label(texts, images_dir, concurrency, size))
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    finally:
        router.close()
    write_rows(out, rows)
    console.print(f"labelled {len(rows)} prompts on {len(rows[0].dimensions)} dimensions -> {out}")


def logged_image_prompts(db: Path) -> list[str]:
    """Distinct prompts of logged image requests, oldest first: the retraining set from real traffic."""
    from router.logstore import LogStore

    store = LogStore(db)
    try:
        rows = store.rows(limit=None, where="endpoint = ? AND prompt IS NOT NULL", params=["images.generations"])
    finally:
        store.close()
    return list(dict.fromkeys(r["prompt"] for r in reversed(rows)))


def train_t2i(data: Path = typer.Option(..., "--data", help="Labelled rows from `duet label-images`"),
              out: Path = typer.Option(..., "--out", help="Directory for the trained predictor"),
              epochs: int = typer.Option(60), seed: int = typer.Option(0)) -> None:
    """Train the token-level multi-dimension quality predictor."""
    from policies.t2i.predictor import train_predictor
    from policies.t2i.rows import read_rows

    rows = read_rows(data)
    predictor = train_predictor(rows, epochs=epochs, seed=seed)
    predictor.save(out)
    cal = predictor.calibration
    console.print(f"trained on {len(rows)} prompts, {len(predictor.dimensions)} dimensions -> {out}\n"
                  f"predicted superiority on training prompts: min {cal.min():.4f} median {float(_median(cal)):.4f} "
                  f"max {cal.max():.4f}")


def eval_t2i(data: Path = typer.Option(..., "--data", help="Labelled rows (JSONL)"),
             model: Optional[Path] = typer.Option(None, help="Trained predictor; default: train on a split"),
             out_dir: Path = typer.Option(Path("runs/eval-t2i"), help="Where JSON and plot go"),
             epochs: int = typer.Option(60)) -> None:
    """Quality gain vs fraction of cloud calls: RouteT2I against random, prompt length, edge, cloud."""
    from eval.t2i.run import evaluate, format_table
    from policies.t2i.rows import read_rows

    result = evaluate(read_rows(data), str(model) if model else None, epochs=epochs, out_dir=out_dir,
                      source=str(data))
    console.print(format_table(result), markup=False, highlight=False)
    console.print(f"wrote {out_dir / 't2i_eval.json'}" + (f" and {result['plot']}" if result.get("plot") else ""))


def explain_t2i(prompt: str = typer.Argument(...), model: Path = typer.Option(..., help="Trained predictor"),
                top: int = typer.Option(3)) -> None:
    """Which tokens push each quality dimension towards the cloud or the edge model."""
    from policies.t2i.predictor import QualityPredictor

    predictor = QualityPredictor.load(model)
    pred = predictor.predict([prompt])
    explained: dict[str, Any] = predictor.explain(prompt, top)
    console.print(f"superiority {float(pred.superiority[0]):.4f}")
    for name, info in explained.items():
        console.print(f"{name:<15} cloud+ {json.dumps(info['favours_cloud'])}  edge+ {json.dumps(info['favours_edge'])}",
                      markup=False, highlight=False)


def _median(values: Any) -> float:
    import numpy as np

    return float(np.median(values)) if len(values) else 0.0


def register(app: typer.Typer, train_app: typer.Typer, eval_app: typer.Typer) -> None:
    app.command("label-images")(label_images)
    app.command("explain-image-route")(explain_t2i)
    train_app.command("t2i")(train_t2i)
    eval_app.command("t2i")(eval_t2i)
