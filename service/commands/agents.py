"""CLI: `duet eval exposure`, `duet eval seek-help`, `duet train seek-help` - thin wrappers over eval/."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer, train_app: typer.Typer, eval_app: typer.Typer) -> None:
    @eval_app.command("exposure")
    def eval_exposure(
        n: int = typer.Option(30, "--n", help="Questions (cycling documents, conversation, screen)"),
        seed: int = typer.Option(0, help="Generator seed"),
        modes: str = typer.Option("full,core,local", help="Comma-separated: full, core, local"),
        cloud: str = typer.Option("0.5b", help="Qwen2.5-Coder size playing the cloud model (0.5b | 1.5b)"),
        budget: int = typer.Option(120, help="Context tokens in the first round"),
        max_rounds: int = typer.Option(2, "--max-rounds", help="Cap on answer rounds"),
        reveal: str = typer.Option("titles", help="What co-planning reveals: nothing | titles | summaries"),
        no_coplan: bool = typer.Option(False, "--no-coplan", help="Rank on the question, skip co-planning"),
        json_out: Optional[Path] = typer.Option(None, "--json", help="Write the results JSON here"),
    ) -> None:
        """Context QA: accuracy and context tokens sent for full-context cloud, CORE-style, local-only."""
        from eval.exposure.bench import main

        argv = ["--n", str(n), "--seed", str(seed), "--modes", modes, "--cloud", cloud, "--budget", str(budget),
                "--max-rounds", str(max_rounds), "--reveal", reveal] + (["--no-coplan"] if no_coplan else [])
        main(argv + (["--json", str(json_out)] if json_out else []))

    @eval_app.command("seek-help")
    def eval_seek_help(
        n: int = typer.Option(12, "--n", help="Word problems"),
        seed: int = typer.Option(0, help="Generator seed"),
        modes: str = typer.Option("slm,llm,static,seek,learned", help="Comma-separated modes"),
        cloud: str = typer.Option("0.5b", help="Qwen2.5-Coder size playing the LLM"),
        slm: str = typer.Option("smollm2", help="The local SLM: smollm2 | 0.5b | 1.5b (Qwen2.5-Coder)"),
        threads: int = typer.Option(1, help="llama.cpp threads per model"),
        rows: Optional[Path] = typer.Option(None, "--rows", help="Append each row here; a rerun resumes from it"),
        prompts: str = typer.Option("default", help="Step and mentor instructions: default | strict"),
        threshold: float = typer.Option(-0.6, help="Confidence rule: ask below this mean token log-probability"),
        max_steps: int = typer.Option(4, "--max-steps"),
        json_out: Optional[Path] = typer.Option(None, "--json", help="Write the results JSON here"),
    ) -> None:
        """Seek-help: accuracy and LLM calls vs SLM-only, LLM-only and a static ask-every-step pipeline."""
        from eval.seekhelp.bench import main

        argv = ["--n", str(n), "--seed", str(seed), "--modes", modes, "--cloud", cloud, "--slm", slm,
                "--threads", str(threads), "--prompts", prompts, "--threshold", str(threshold),
                "--max-steps", str(max_steps)]
        main(argv + (["--json", str(json_out)] if json_out else []) + (["--rows", str(rows)] if rows else []))

    @train_app.command("seek-help")
    def train_seek_help(
        from_logs: Path = typer.Option(..., "--from-logs", help="duet log database with seek-help episodes"),
        out: Path = typer.Option(Path("runs/seek-help-policy"), "--out", help="Artifact directory to write"),
        threshold: float = typer.Option(0.5, help="Ask when P(asking helps) is at least this"),
    ) -> None:
        """Train the ask/continue policy from logged episodes (label: the LLM's verdict said the step needed fixing)."""
        from eval.seekhelp.train import train_from_logs

        try:
            card = train_from_logs(from_logs, out, threshold)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"wrote {out}: {card['rows']} labelled steps from {card['episodes']} episodes, "
                   f"helped rate {card['helped_rate']:.2f}, train accuracy {card['train_accuracy']:.2f}")
