"""Multi-turn routing commands: `duet train dial` (search, distil, index) and `duet eval dial`."""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

console = Console()
REPO = Path(__file__).resolve().parents[2]
MTBENCH = REPO.parent / "shared" / "data" / "routing" / "routellm" / "mt_bench"


def _sim_meta(sim_config: Optional[Path]) -> dict[str, Any]:
    from policies.dial.sim import SimConfig, default_config

    config = SimConfig.load(sim_config) if sim_config else default_config()
    return {"name": "sim", "config": config.to_json()}


def _factory(env: str, lam: Optional[float], sim_config: Optional[Path], config: Optional[Path],
             turns: int) -> tuple[Any, dict[str, Any]]:
    """A picklable env factory (worker processes rebuild the env) and what the artifact records about it."""
    if env == "sim":
        meta = _sim_meta(sim_config)
        from policies.dial.sim_factory import make_sim

        return functools.partial(make_sim, meta["config"], lam), meta
    if env == "live":
        from service.commands.dial_live import make_live

        meta = {"name": "live", "config": str(config) if config else None, "turns": turns}
        return functools.partial(make_live, str(config) if config else None, 0.3 if lam is None else lam, turns), meta
    raise typer.BadParameter(f"--env must be sim or live, not {env!r}")


def train_dial(env: str = typer.Option("sim", "--env", help="sim (documented simulator) or live (real models)"),
               episodes: int = typer.Option(400, help="Dialogues to search"),
               budget: int = typer.Option(64, help="MCTS simulations per turn"),
               workers: int = typer.Option(1, help="Parallel rollout processes on this machine"),
               lam: Optional[float] = typer.Option(None, "--lambda", help="Reward lost per cost unit (sim default 0.45)"),
               out: Path = typer.Option(Path("runs/dial-sim"), help="Artifact + trajectory directory (resumable)"),
               seed: int = typer.Option(0), features: Optional[str] = typer.Option(None, help="compact (sim) | text"),
               epochs: int = typer.Option(40), c: float = typer.Option(1.4, help="Exploration constant"),
               depth: int = typer.Option(12, help="Maximum tree depth"),
               rollout: str = typer.Option("greedy", help="Leaf evaluation: greedy | random"),
               val_episodes: int = typer.Option(150, help="Validation dialogues for the blend weights"),
               sim_config: Optional[Path] = typer.Option(None, help="Simulator parameters (JSON); default built-in"),
               config: Optional[Path] = typer.Option(None, "--config", "-c", help="duet YAML for --env live"),
               turns: int = typer.Option(3, help="Turns per live dialogue"),
               ray: Optional[str] = typer.Option(None, "--ray", help="Ray cluster address for rollouts (optional)"),
               progress: bool = typer.Option(True, "--progress/--no-progress")) -> None:
    """Search dialogues with MCTS, distil the policy/value network, build the retrieval index."""
    from policies.dial.train import TrainConfig, train

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    factory, meta = _factory(env, lam, sim_config, config, turns)
    cfg = TrainConfig(episodes=episodes, budget=budget, workers=workers, seed=seed,
                      features=features or ("compact" if env == "sim" else "text"), c=c, depth=depth,
                      rollout=rollout, epochs=epochs, val_episodes=val_episodes, ray_address=ray)
    card = train(factory, meta, out, cfg, progress=progress, log=console.print)
    v = card.get("validation") or {}
    console.print(f"{card['states']} searched states; held-out agreement with search "
                  f"{card['fit']['top1_agreement']:.3f}; validation reward {v.get('reward', float('nan')):.3f} "
                  f"(myopic {v.get('myopic_reward', float('nan')):.3f}) -> {out}")


def eval_dial(env: str = typer.Option("sim", "--env", help="sim | live"),
              policy: Path = typer.Option(Path("runs/dial-sim"), "--policy", help="Trained DialRouter directory"),
              episodes: int = typer.Option(300, help="Held-out dialogues"),
              budget: Optional[int] = typer.Option(None, help="Online MCTS budget (default: the training budget)"),
              seed: int = typer.Option(0),
              json_out: Optional[Path] = typer.Option(None, "--json", help="Write results as JSON"),
              plot_out: Optional[Path] = typer.Option(None, "--plot", help="Write a PNG plot"),
              mtbench: bool = typer.Option(True, "--mtbench/--no-mtbench", help="Also run the MT-Bench two-turn replay"),
              data: Path = typer.Option(MTBENCH, "--data", help="MT-Bench question/judgements directory"),
              config: Optional[Path] = typer.Option(None, "--config", "-c", help="duet YAML for --env live"),
              progress: bool = typer.Option(True, "--progress/--no-progress")) -> None:
    """Compare DialRouter with myopic, online MCTS, always-strong/weak and random; check the targets."""
    from eval.dial.sim_bench import evaluate, format_table
    from policies.dial.policy import DialRouterPolicy

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    if not (policy / "card.json").exists():
        console.print(f"[red]no trained policy in {policy}; run `duet train dial --env {env} --out {policy}`[/red]")
        raise typer.Exit(2)
    dial = DialRouterPolicy.load(policy)
    card_env = dial.card.get("env", {})
    if card_env.get("name") != env:
        console.print(f"[red]{policy} was trained on env {card_env.get('name')!r}, not {env!r}[/red]")
        raise typer.Exit(2)
    if env == "sim":
        from policies.dial.sim_factory import make_sim

        environment = make_sim(card_env.get("config"), dial.card["lambda"])
    else:
        from service.commands.dial_live import make_live

        environment = make_live(card_env.get("config") or (str(config) if config else None), dial.card["lambda"],
                                int(card_env.get("turns", 3)))
    train_cfg = dial.card.get("train", {})
    result = evaluate(environment, dial, episodes=episodes, budget=budget or int(train_cfg.get("budget", 64)),
                      rollout=train_cfg.get("rollout", "greedy"), seed=seed, progress=progress)
    result["command"] = "duet eval dial " + " ".join(sys.argv[3:])
    console.print(format_table(result, f"{'SIMULATOR' if env == 'sim' else env} ({episodes} held-out dialogues, "
                                        f"lambda={dial.card['lambda']})"), markup=False, highlight=False)
    if mtbench:
        if data.exists():
            from eval.dial.mtbench import evaluate as replay

            out_dir = (json_out.parent if json_out else Path("runs")) / "dial-mtbench"
            result["mtbench"] = replay(data, out_dir, seed=seed)
            console.print(format_table(result["mtbench"], "MT-Bench two-turn replay (GPT-4 vs Mixtral judgements, "
                                                          "4-fold CV over 80 questions)"), markup=False, highlight=False)
        else:
            console.print(f"[yellow]MT-Bench data not found at {data}; skipped the replay[/yellow]")
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2, default=float))
        console.print(f"wrote {json_out}")
    if plot_out:
        from eval.dial.plot import plot

        console.print(f"wrote {plot(result, plot_out, result.get('mtbench'))}")


def register(app: typer.Typer, train_app: typer.Typer, eval_app: typer.Typer) -> None:
    train_app.command("dial")(train_dial)
    eval_app.command("dial")(eval_dial)
