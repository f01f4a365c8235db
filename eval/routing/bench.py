"""The routing benchmark in one command: every router on the four shared data sets, plus decision latency.

    python -m eval.routing.bench [--data ../shared/data/routing] [--out out/routing] [--only arc,gsm8k]

Writes `<out>/<dataset>.json` (the `duet eval routing --json` contract) and `.png`, `<out>/latency.json`,
and `<out>/summary.json`; prints one table per data set and the summary.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from eval.routing.run import run_eval

REPO = Path(__file__).resolve().parents[2]
BASE = ["random", "best-single", "knn", "mlp", "mf", "ensemble", "ragrouter", "oracle"]
DATASETS: dict[str, dict[str, Any]] = {
    "arc": {"train": "routerbench/arc_challenge_train.csv", "test": "routerbench/arc_challenge_test.csv",
            "routers": BASE + ["agree-cascade"], "target": ("aiq", 0.955)},
    "mbpp": {"train": "routerbench/mbpp_train.csv", "test": "routerbench/mbpp_test.csv",
             "routers": BASE + ["agree-cascade"], "target": ("aiq", 0.76)},
    "gsm8k": {"train": "routellm/gsm8k_responses.csv", "test": None,
              "routers": BASE + ["verify-cascade"], "target": ("apgr", 0.70)},
    "mmlu": {"train": "routellm/mmlu", "test": None, "routers": BASE, "target": ("apgr", 0.74)},
}
CHAT_PROMPTS = [
    "What's a good name for a golden retriever puppy?",
    "Write a haiku about autumn rain on a tin roof.",
    "Explain the difference between TCP and UDP in two sentences.",
    "If a train leaves at 3pm going 60 mph, how far has it gone by 5:30pm?",
    "Summarise the plot of Romeo and Juliet for a ten-year-old.",
    "How do I reverse a list in Python without using reversed()?",
    "Which is heavier, a kilogram of feathers or a kilogram of steel? Why?",
    "Translate 'where is the train station' into French and Spanish.",
]


def decision_latency(artifact_dir: Path, repeats: int = 25, **overrides: Any) -> dict[str, float]:
    """Routing decision time at batch 1 (embedding included), after one warm-up call. Every prompt is new
    to the process (the encoder remembers recent queries, which would otherwise answer from memory)."""
    from policies.artifact import load_policy
    from policies.base import ModelCard, RouteRequest

    policy = load_policy(artifact_dir, **overrides)
    tag = f"{artifact_dir.name} {sorted(overrides.items())}"
    cards = [ModelCard(m, "cloud") for m in policy.models]
    policy.decide(RouteRequest([{"role": "user", "content": "warm up"}]), cards)
    times = []
    for i in range(repeats):
        for prompt in CHAT_PROMPTS:
            start = time.perf_counter()
            policy.decide(RouteRequest([{"role": "user", "content": f"{prompt} ({tag} {i})"}]), cards)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * (len(times) - 1))], "n": len(times)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "routing"))
    ap.add_argument("--out", default=str(REPO / "out" / "routing"))
    ap.add_argument("--only", default=",".join(DATASETS))
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--latency-repeats", type=int, default=25, help="0 skips the latency measurement")
    args = ap.parse_args(argv)
    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}}
    for name in [n for n in args.only.split(",") if n]:
        spec = DATASETS[name]
        print(f"\n=== {name} ===", flush=True)
        result = run_eval(data / spec["train"], data / spec["test"] if spec["test"] else None,
                          routers=spec["routers"], json_out=out / f"{name}.json", plot_out=out / f"{name}.png",
                          seed=args.seed, samples=args.samples, title=name)
        metric, target = spec["target"]
        routers = {k: v for k, v in result["routers"].items() if k != "oracle"}
        best = max(routers, key=lambda k: routers[k][metric] or -1)
        summary[name] = {
            "metric": metric, "target": target, "best": best, "value": routers[best][metric],
            "ci": routers[best].get(f"{metric}_ci"), "zero_aiq": result["zero_aiq"],
            "cpt50": routers[best]["cpt50"], "oracle": result["oracle"],
            "all": {k: {"aiq": v["aiq"], "aiq_ci": v.get("aiq_ci"), "aiq_gain_ci": v.get("aiq_gain_ci"),
                        "apgr": v["apgr"], "apgr_ci": v.get("apgr_ci"), "cpt50": v["cpt50"], "cpt80": v["cpt80"]}
                    for k, v in result["routers"].items()},
        }
    if args.latency_repeats > 0:
        summary["latency"] = measure_latency(data, out, args.seed, args.latency_repeats)
    name = "summary.json" if args.only == ",".join(DATASETS) else f"summary-{args.only.replace(',', '-') or 'latency'}.json"
    (out / name).write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: {kk: v[kk] for kk in ("best", "metric", "value", "ci", "target", "cpt50")}
                      for k, v in summary.items() if isinstance(v, dict) and "best" in v}, indent=1))
    return summary


def measure_latency(data: Path, out: Path, seed: int, repeats: int) -> dict[str, Any]:
    print("\n=== decision latency (batch 1, chat prompts < 200 tokens) ===", flush=True)
    from eval.routing.train import train_policy

    latency = {}
    for policy in ("knn", "mlp", "ensemble", "ragrouter"):
        art = out / "artifacts" / f"gsm8k-{policy}"
        train_policy(policy, art, data=data / DATASETS["gsm8k"]["train"], seed=seed, log=lambda s: None)
        for key, overrides in ((policy, {}), (f"{policy} (fp32 queries)", {"quantized_queries": False})):
            latency[key] = decision_latency(art, repeats, **overrides)
            print(f"  {key}: p50 {latency[key]['p50_ms']:.1f} ms, p95 {latency[key]['p95_ms']:.1f} ms", flush=True)
    latency["load_avg"] = os.getloadavg()
    (out / "latency.json").write_text(json.dumps(latency, indent=1))
    return latency


if __name__ == "__main__":
    main()
