"""CLI: `duet eval routing`, `duet train router`, `duet label` - thin wrappers over eval.routing and policies."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

DATA_HELP = "routerbench | scores-json | routellm (guessed from the file when omitted)"


def register(app: typer.Typer, train_app: typer.Typer, eval_app: typer.Typer) -> None:
    @eval_app.command("routing")
    def eval_routing(
        train: Path = typer.Option(..., "--train", help="Training data (or the only file, split 50/50 seeded)"),
        test: Optional[Path] = typer.Option(None, "--test", help="Test data (default: seeded split of --train)"),
        fmt: Optional[str] = typer.Option(None, "--format", help=DATA_HELP),
        prices: Optional[Path] = typer.Option(None, "--prices", help="JSON {model: {input_price, output_price}} $/1M"),
        routers: str = typer.Option(",".join(("random", "best-single", "knn", "mlp", "mf", "ensemble", "ragrouter", "oracle")),
                                    "--routers", help="Comma-separated; also agree-cascade, verify-cascade"),
        json_out: Optional[Path] = typer.Option(None, "--json", help="Write the results JSON here"),
        plot: Optional[Path] = typer.Option(None, "--plot", help="Write the cost-quality plot (PNG) here"),
        seed: int = typer.Option(0, help="Seed for splits, training and bootstrap"),
        samples: int = typer.Option(1000, help="Bootstrap resamples of the test split"),
    ) -> None:
        """Train routers on the training split, sweep their knobs on the test split, report AIQ/APGR/CPT."""
        from eval.routing.run import run_eval

        try:
            run_eval(train, test, fmt, prices, [r.strip() for r in routers.split(",") if r.strip()], json_out, plot,
                     seed=seed, samples=samples, log=typer.echo)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None

    @train_app.command("router")
    def train_router(
        policy: str = typer.Option("ragrouter", "--policy", help="ragrouter | knn | mlp | mf | ensemble | best-single | random"),
        data: Optional[Path] = typer.Option(None, "--data", help="Training data file"),
        fmt: Optional[str] = typer.Option(None, "--format", help=DATA_HELP),
        prices: Optional[Path] = typer.Option(None, "--prices", help="Price table for scores-json/routellm"),
        from_logs: Optional[Path] = typer.Option(None, "--from-logs", help="duet log database (requests + feedback)"),
        out: Path = typer.Option(..., "--out", help="Artifact directory to write"),
        seed: int = typer.Option(0, help="Seed (training is reproducible for a given seed)"),
        knob: Optional[float] = typer.Option(None, "--knob", help="λ (or θ for ragrouter) stored as the default"),
    ) -> None:
        """Train a routing policy and write a versioned artifact (weights.npz + card.json)."""
        from eval.routing.train import train_policy

        if (data is None) == (from_logs is None):
            typer.echo("error: give exactly one of --data and --from-logs", err=True)
            raise typer.Exit(2)
        try:
            card = train_policy(policy, out, data=data, fmt=fmt, prices=prices, from_logs=from_logs, seed=seed,
                                knob=knob, log=typer.echo)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"wrote {out}: {card['policy']} over {len(card['models'])} models; metrics {card['metrics']}")

    @app.command("label")
    def label(
        data: Path = typer.Option(..., "--data", help="Questions JSONL: {question, answer?, documents?} per line"),
        models: str = typer.Option(..., "--models", help="Comma-separated model names from the config"),
        judge: str = typer.Option("contains", "--judge", help="exact | contains | llm:MODEL"),
        out: Path = typer.Option(..., "--out", help="scores-JSON file to write (resumes if it exists)"),
        config: Optional[Path] = typer.Option(None, "--config", "-c", help="duet config (models to call)"),
        concurrency: int = typer.Option(4, help="Calls in flight at once"),
        max_tokens: int = typer.Option(128, help="Answer length limit"),
    ) -> None:
        """Answer every question with every model through the Router and score the answers (scores-JSON)."""
        from eval.routing.label import run_label

        try:
            written = run_label(data, [m.strip() for m in models.split(",") if m.strip()], judge, out, config,
                                concurrency=concurrency, max_tokens=max_tokens, log=typer.echo)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"wrote {out}: {written} questions")
