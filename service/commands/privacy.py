"""`duet scan FILE|-`, `duet eval privacy ...` and `duet train privacy-ner`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {source}")
    return path.read_bytes().decode("utf-8", errors="replace")


def scan(source: str = typer.Argument(..., help="a file to scan, or - for standard input"),
         as_json: bool = typer.Option(False, "--json", help="print the spans as JSON"),
         config: Optional[str] = typer.Option(None, "--config", help="duet config file (its privacy section)"),
         ner: Optional[str] = typer.Option(None, "--ner", help="override the NER layer: crf, spacy or none")) -> None:
    """Show the private spans in a text, without calling any model."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from router.config import ConfigError, load_config
    from router.privacy_stage import Scanner, load_settings

    try:
        settings = load_settings(load_config(config))
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None
    if ner is not None:
        settings.ner = None if ner == "none" else ner
    text = _read(source)
    spans = Scanner(settings).detector.scan(text)
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in spans], ensure_ascii=False, indent=2))
        return
    console = Console()
    shown = Text(text)
    for s in spans:
        shown.stylize("bold black on yellow", s.start, s.end)
    console.print(shown)
    table = Table("start", "end", "category", "what it leaks", "text")
    for s in spans:
        table.add_row(str(s.start), str(s.end), s.category, s.description, s.text)
    console.print(table)
    console.print(f"{len(spans)} private spans, {sum(len(s) for s in spans)} of {len(text)} characters")


def eval_privacy(data: Optional[str] = typer.Option(None, "--data", help="data file (default: ../shared/...)"),
                 fmt: str = typer.Option("presidio", "--format", help="presidio or annotation"),
                 json_out: Optional[str] = typer.Option(None, "--json", help="write the report here"),
                 systems: str = typer.Option("duet,presidio", "--systems"),
                 limit: Optional[int] = typer.Option(None, "--limit"),
                 latency_only: bool = typer.Option(False, "--latency-only", help="only time the systems")) -> None:
    """Score duet's detector and plain Presidio side by side (span, character, latency)."""
    from eval.privacy.__main__ import main

    argv = ["--format", fmt, "--systems", systems]
    for flag, value in (("--data", data), ("--json", json_out), ("--limit", limit)):
        if value is not None:
            argv += [flag, str(value)]
    if latency_only:
        argv.append("--latency-only")
    raise typer.Exit(main(argv))


def train_privacy_ner(out: Optional[str] = typer.Option(None, "--out", help="model file (default: packaged)"),
                      n: int = typer.Option(40000, "-n", help="generated training texts"),
                      iterations: int = typer.Option(100, "--iterations"),
                      seed: int = typer.Option(0, "--seed")) -> None:
    """Train the privacy NER (CRF) on text generated from Faker and our templates."""
    from privacy.ner import DEFAULT_MODEL
    from privacy.ner_train import train

    typer.echo(json.dumps(train(out or DEFAULT_MODEL, n, seed, iterations), indent=2))


def register(app: typer.Typer, train_app: typer.Typer, eval_app: typer.Typer) -> None:
    app.command("scan")(scan)
    eval_app.command("privacy")(eval_privacy)
    train_app.command("privacy-ner")(train_privacy_ner)
