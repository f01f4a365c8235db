"""The `duet` command line: serve, chat, models, logs — plus the command groups of other packages
(train, eval, ...), each in its own module under service/commands, registered through `register()`."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(name="duet", help="duet: route between local SLMs and cloud LLMs, privately.",
                  no_args_is_help=True, add_completion=False)
train_app = typer.Typer(help="Train policies offline.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluate routers, privacy and agents on data.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")
console = Console()

# Each module defines `register(app, train_app, eval_app)`. Add a module here to add its commands.
_COMMAND_MODULES: list[str] = ["service.commands.t2i", "service.commands.routing", "service.commands.privacy",
                                 "service.commands.dial", "service.commands.bench", "service.commands.agents"]

ConfigOption = typer.Option(None, "--config", "-c", help="YAML config (default: $DUET_CONFIG or the bundled one)")


def _router(config: Optional[Path], log_path: Optional[Path] = None) -> Any:
    from router import Router
    from router.config import ConfigError

    try:
        return Router(config, log_path=log_path)
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@app.command()
def serve(config: Optional[Path] = ConfigOption, host: str = typer.Option("127.0.0.1", help="Bind address"),
          port: int = typer.Option(8000, help="Port"), log_level: str = typer.Option("warning")) -> None:
    """Start the OpenAI-compatible gateway."""
    import uvicorn

    from service.app import create_app

    router = _router(config)
    available = [m.name for m in router.config.available()]
    console.print(f"duet gateway on http://{host}:{port}/v1  models: {', '.join(available)}  "
                  f"policy: {router.config.policy.get('name')}  log: {router.config.log_path}")
    uvicorn.run(create_app(router), host=host, port=port, log_level=log_level, access_log=False)


@app.command()
def chat(config: Optional[Path] = ConfigOption, model: str = typer.Option("auto", help="Model name or auto"),
         system: Optional[str] = typer.Option(None, help="System prompt"),
         max_tokens: int = typer.Option(256), session: Optional[str] = typer.Option(None, help="Session id")) -> None:
    """Chat in the terminal through the Router; shows which model answered and what it cost."""
    import uuid

    router = _router(config)
    session_id = session or uuid.uuid4().hex[:12]
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    console.print(f"[dim]session {session_id}; empty line or Ctrl-D to quit[/dim]")
    try:
        while True:
            try:
                line = console.input("[bold]you> [/bold]")
            except EOFError:
                break
            if not line.strip():
                break
            messages.append({"role": "user", "content": line})
            text, meta = [], {}
            for chunk in router.complete(messages, model=model, stream=True, max_tokens=max_tokens,
                                         extra_body={"duet": {"session_id": session_id}}):
                if chunk.choices and chunk.choices[0].delta.content:
                    text.append(chunk.choices[0].delta.content)
                    console.print(chunk.choices[0].delta.content, end="", markup=False, highlight=False)
                meta = (chunk.model_extra or {}).get("duet") or meta
            console.print()
            console.print(f"[dim]{meta.get('model')} ({meta.get('tier')}, {meta.get('policy')}) "
                          f"${meta.get('cost_usd', 0):.6f} {meta.get('latency_ms', {}).get('total', 0):.0f} ms[/dim]")
            messages.append({"role": "assistant", "content": "".join(text)})
    finally:
        router.close()


@app.command()
def models(config: Optional[Path] = ConfigOption) -> None:
    """List configured models (and image backends), their tier, prices and availability, and the active policy."""
    from router.config import load_config
    from router.images import parse_images_config

    cfg = load_config(config)
    table = Table("name", "litellm model", "tier", "$/1M in", "$/1M out", "context", "status")
    for m in cfg.models.values():
        status = "[green]available[/green]" if m.available else f"[red]unavailable[/red]: {m.unavailable}"
        table.add_row(m.name, m.model, m.tier, f"{m.input_price:g}", f"{m.output_price:g}",
                      str(m.context_window), status)
    console.print(table)
    images = parse_images_config(cfg)
    if images:
        backends = Table("image backend", "model", "tier", "$/image", "status")
        for b in images.backends.values():
            status = "[green]available[/green]" if not b.unavailable else f"[red]unavailable[/red]: {b.unavailable}"
            backends.add_row(b.name, b.model, b.tier, f"{b.cost_per_image:g}", status)
        console.print(backends)
    console.print(f"policy: {json.dumps(cfg.policy)}")
    artifact = (cfg.policy or {}).get("artifact") if isinstance(cfg.policy, dict) else None
    if artifact:
        _print_artifact(Path(artifact), {m.name for m in cfg.models.values() if m.available})


def _print_artifact(directory: Path, available: set[str]) -> None:
    """What the trained router behind the policy is: kind, data, knob, metrics, and which of its models serve."""
    card_path = directory / "card.json"
    if not card_path.exists():
        console.print(f"[red]artifact {directory}: no card.json[/red]")
        return
    card = json.loads(card_path.read_text())
    data = card.get("data") or {}
    knob = card.get("knob") or {}
    console.print(f"artifact: {directory} — {card.get('policy')} trained {card.get('created', '?')} on "
                  f"{data.get('rows', '?')} rows of {data.get('source', '?')}; knob {knob.get('name', '?')}="
                  f"{knob.get('value', '?')}")
    metrics = {k: round(v, 4) if isinstance(v, float) else v for k, v in (card.get("metrics") or {}).items()}
    if metrics:
        console.print(f"  metrics: {json.dumps(metrics)}")
    names = [str(m["name"] if isinstance(m, dict) else m) for m in card.get("models") or []]
    serving = [n for n in names if n in available]
    console.print(f"  trained models configured and available: {len(serving)}/{len(names)}"
                  + (f" ({', '.join(serving)})" if serving else " — the router will rank none of them"))


@app.command()
def logs(config: Optional[Path] = ConfigOption, count: int = typer.Option(20, "-n", "--count", help="Rows (0: all)"),
         db: Optional[Path] = typer.Option(None, help="Log database (default: the config's)"),
         as_json: bool = typer.Option(False, "--json", help="Write JSON lines to stdout")) -> None:
    """Show recent requests (model, tier, tokens, cost, latency, outcome), or export them as JSONL."""
    from router.config import load_config
    from router.logstore import LogStore

    path = db or load_config(config).log_path
    if not Path(path).exists():
        console.print(f"[red]no log at {path}[/red]")
        raise typer.Exit(1)
    store = LogStore(path)
    rows = store.rows(limit=count or None)
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, default=str) + "\n")
        return
    table = Table("time", "id", "policy", "model", "tier", "tokens in/out", "cost $", "ttft ms", "total ms", "outcome")
    import datetime as dt

    for row in rows:
        when = dt.datetime.fromtimestamp(row["ts"]).strftime("%m-%d %H:%M:%S") if row.get("ts") else ""
        table.add_row(when, (row["id"] or "")[-12:], row.get("policy") or "", row.get("model") or "",
                      row.get("tier") or "", f"{row.get('prompt_tokens') or 0}/{row.get('completion_tokens') or 0}",
                      f"{row.get('cost_usd') or 0:.6f}", _ms(row.get("ttft_ms")), _ms(row.get("total_ms")),
                      row.get("outcome") or "")
    console.print(table)


def _ms(value: Any) -> str:
    return f"{value:.0f}" if isinstance(value, (int, float)) else ""


for _module in _COMMAND_MODULES:
    importlib.import_module(_module).register(app, train_app, eval_app)


if __name__ == "__main__":
    app()
