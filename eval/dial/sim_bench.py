"""`duet eval dial --env sim`: DialRouter against always-strong, always-weak, random, the myopic router
and online MCTS on held-out SIMULATOR dialogues (seeds never used in training or validation).

Reports cumulative reward, goal success, total cost, success at equal cost (against a random mix of
the weak and strong model with the same cost) and per-turn decision latency, and checks the targets.
"""

from __future__ import annotations

import os
import platform
import time
from typing import Any

import numpy as np

from policies.dial.controllers import Controller, Episode, Fixed, Myopic, OnlineMCTS, RandomMix, run_episode
from policies.dial.env import DialEnv
from policies.dial.mcts import SearchConfig
from policies.dial.policy import DialRouterPolicy

TEST_OFFSET = 20_000_000  # held-out seeds: training uses 0.., validation 10_000_000..
MIX_STEPS = 11


def summarise(episodes: list[Episode]) -> dict[str, float]:
    rewards = np.array([e.reward for e in episodes])
    decisions = np.concatenate([e.decision_ms for e in episodes])
    return {
        "reward": float(rewards.mean()),
        "reward_se": float(rewards.std(ddof=1) / np.sqrt(len(rewards))) if len(rewards) > 1 else 0.0,
        "success": float(np.mean([e.success for e in episodes])),
        "turn_success": float(sum(e.good_turns for e in episodes) / max(1, sum(e.turns for e in episodes))),
        "cost": float(np.mean([e.cost for e in episodes])),
        "decision_ms_p50": float(np.percentile(decisions, 50)),
        "decision_ms_p95": float(np.percentile(decisions, 95)),
        "episodes": len(episodes),
    }


def play(env: DialEnv, controller: Controller, seeds: list[int]) -> dict[str, float]:
    return summarise([run_episode(env, controller, s) for s in seeds])


def mix_curve(env: DialEnv, seeds: list[int], seed: int) -> list[dict[str, float]]:
    """Random mixes of the weak and strong model: the reference for 'success at equal cost'."""
    out = []
    for p in np.linspace(0.0, 1.0, MIX_STEPS):
        row = play(env, RandomMix(seed, float(p), name=f"mix{p:.1f}"), seeds)
        out.append({"p_strong": float(p), **{k: row[k] for k in ("reward", "success", "cost")}})
    return out


def at_cost(curve: list[dict[str, float]], cost: float, key: str) -> float:
    costs = np.array([c["cost"] for c in curve])
    values = np.array([c[key] for c in curve])
    order = np.argsort(costs)
    return float(np.interp(cost, costs[order], values[order]))


def evaluate(env: DialEnv, policy: DialRouterPolicy, episodes: int = 300, budget: int = 64,
             rollout: str = "greedy", seed: int = 0, progress: bool = True) -> dict[str, Any]:
    seeds = [TEST_OFFSET + seed * 100_003 + i for i in range(episodes)]
    controllers: list[tuple[str, Controller]] = [
        ("dialrouter", policy),
        ("myopic", Myopic()),
        ("mcts", OnlineMCTS(SearchConfig(budget=budget, rollout=rollout), seed=seed)),
        ("always_strong", Fixed("always_strong", env.strongest())),
        ("always_weak", Fixed("always_weak", env.weakest())),
        ("random", RandomMix(seed)),
    ]
    t0 = time.perf_counter()
    results: dict[str, dict[str, float]] = {}
    iterator = controllers
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(controllers, desc="policies", dynamic_ncols=True)
    for name, controller in iterator:
        results[name] = play(env, controller, seeds)
    curve = mix_curve(env, seeds, seed)
    for row in results.values():
        row["mix_success_at_equal_cost"] = at_cost(curve, row["cost"], "success")
        row["mix_reward_at_equal_cost"] = at_cost(curve, row["cost"], "reward")
        row["success_gain_at_equal_cost"] = row["success"] - row["mix_success_at_equal_cost"]
    d, m, s = results["dialrouter"], results["myopic"], results["mcts"]
    targets = {
        "reward_vs_myopic": d["reward"] / m["reward"] - 1.0,
        "reward_ge_myopic_plus_5pct": d["reward"] >= 1.05 * m["reward"],
        "cost_le_myopic": d["cost"] <= m["cost"] + 1e-9,
        "reward_share_of_mcts": d["reward"] / s["reward"],
        "reward_ge_90pct_mcts": d["reward"] >= 0.9 * s["reward"],
        "decision_p50_le_5ms": d["decision_ms_p50"] <= 5.0,
    }
    return {
        "env": env.name, "environment_note": "simulator (policies/dial/sim.py), not real models" if env.name == "sim" else "",
        "lambda": env.lam, "episodes": episodes, "seeds": [seeds[0], seeds[-1]],
        "mcts": {"budget": budget, "rollout": rollout}, "policy_card": {k: policy.card.get(k) for k in
                                                                        ("train", "states", "beta", "gamma", "fit")},
        "policies": results, "random_mix_curve": curve, "targets": targets,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "seconds": time.perf_counter() - t0,
    }


def format_table(result: dict[str, Any], title: str = "") -> str:
    head = f"{'policy':15s} {'reward':>8s} {'success':>8s} {'cost':>7s} {'succ@=cost(mix)':>16s} {'p50 ms':>8s}"
    lines = [title] if title else []
    lines += [head, "-" * len(head)]
    for name, r in result["policies"].items():
        mix = r.get("mix_success_at_equal_cost")
        lines.append(f"{name:15s} {r['reward']:8.3f} {r['success']:8.3f} {r['cost']:7.3f} "
                     f"{'' if mix is None else f'{mix:.3f}':>16s} {r['decision_ms_p50']:8.3f}")
    if "targets" in result:
        t = result["targets"]
        lines.append(f"dialrouter vs myopic: {t['reward_vs_myopic']:+.1%} reward (target >= +5%, met: "
                     f"{t['reward_ge_myopic_plus_5pct']}), cost <= myopic: {t['cost_le_myopic']}; "
                     f"{t['reward_share_of_mcts']:.1%} of online MCTS (target >= 90%, met: {t['reward_ge_90pct_mcts']}); "
                     f"p50 <= 5 ms: {t['decision_p50_le_5ms']}")
    return "\n".join(lines)
