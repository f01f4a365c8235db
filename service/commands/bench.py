"""`duet bench gateway`: the gateway overhead / load benchmark (eval.bench_gateway) from the duet CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer


def register(app: typer.Typer, train_app: typer.Typer, eval_app: typer.Typer) -> None:
    bench_app = typer.Typer(help="Benchmarks that print numbers and write JSON.", no_args_is_help=True)
    app.add_typer(bench_app, name="bench")

    @bench_app.command("gateway")
    def gateway(concurrency: str = typer.Option("1,10,50", help="Comma-separated client counts"),
                requests: int = typer.Option(500, help="Measured requests per point"),
                warmup: Optional[int] = typer.Option(None, help="Warm-up requests per point (default max(30, 2C))"),
                targets: str = typer.Option("direct,passthrough,full,litellm,floor", help="Targets to measure"),
                modes: str = typer.Option("nonstream,stream", help="nonstream, stream or both"),
                no_pin: bool = typer.Option(False, "--no-pin", help="Do not pin gateway and client to CPUs"),
                full_policy: Optional[str] = typer.Option(None, help="Policy spec (JSON) for the full pipeline, "
                                                          "e.g. '{\"artifact\": DIR}'"),
                full_config: Optional[str] = typer.Option(None, help="Config sections (JSON) merged into the "
                                                          "full pipeline's config"),
                json_out: Optional[Path] = typer.Option(None, "--json", help="Write every measured point here"),
                plot: Optional[Path] = typer.Option(None, help="PNG (default: next to --json)"),
                work: Optional[Path] = typer.Option(None, help="Directory for configs, logs and databases"),
                load: bool = typer.Option(False, "--load", help="The load check: N streams for S seconds"),
                load_clients: int = typer.Option(200), load_seconds: float = typer.Option(60.0)) -> None:
        """Overhead, throughput and streaming latency of duet vs the LiteLLM proxy and a minimal forwarder."""
        from eval.bench_gateway import main

        argv: list[str] = ["--concurrency", concurrency, "--requests", str(requests), "--targets", targets,
                           "--modes", modes, "--load-clients", str(load_clients), "--load-seconds", str(load_seconds)]
        options: dict[str, Any] = {"--warmup": warmup, "--full-policy": full_policy, "--full-config": full_config,
                                   "--json": json_out, "--plot": plot, "--work": work}
        for flag, value in options.items():
            if value is not None:
                argv += [flag, str(value)]
        argv += ["--no-pin"] if no_pin else []
        argv += ["--load"] if load else []
        raise typer.Exit(main(argv))
