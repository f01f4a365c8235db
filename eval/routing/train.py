"""`duet train router`: fit a policy on outcome data (a file, or the gateway's own request log joined with
feedback) with a seeded validation split, and write a versioned artifact."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from eval.routing.loaders import load_table
from policies.artifact import read_card, save_policy, trainable_policies
from policies.base import message_text
from policies.table import RoutingTable
from policies.text import routing_text


def table_from_logs(db_path: str | Path) -> RoutingTable:
    """One row per distinct prompt with feedback. A model never tried on a prompt has no score there (NaN):
    the MLP and MF losses skip that cell, kNN averages the neighbours that tried it, RAGRouter (whose
    contrastive loss needs every outcome) and the baselines use the model's mean. Costs of untried cells are
    the model's mean cost (the knob needs a price for every model).

    Needs content logging (`log: {content: true}`): without the prompt text there is nothing to embed.
    """
    from router.logstore import LogStore

    store = LogStore(db_path)
    try:
        rows = [r for r in store.iter_with_feedback() if r.get("feedback_count") and r.get("model")]
    finally:
        store.close()
    if not rows:
        raise ValueError(f"{db_path}: no requests with feedback")
    if not any(r.get("prompt") for r in rows):
        raise ValueError(f"{db_path}: requests have no stored prompts; turn on `log: {{content: true}}`")
    by_prompt: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if not r.get("prompt"):
            continue
        messages = json.loads(r["prompt"])
        users = [message_text(m) for m in messages if m.get("role") == "user"]
        if users:
            by_prompt[users[-1]][r["model"]].append((float(r["feedback_score"]), float(r.get("cost_usd") or 0.0)))
    models = sorted({m for per in by_prompt.values() for m in per})
    mean_cost = {m: np.mean([c for per in by_prompt.values() for _, c in per.get(m, [])]) for m in models}
    queries, scores, costs = [], [], []
    for prompt, per in by_prompt.items():
        queries.append(routing_text(prompt))
        scores.append([np.mean([s for s, _ in per[m]]) if m in per else np.nan for m in models])
        costs.append([np.mean([c for _, c in per[m]]) if m in per else mean_cost[m] for m in models])
    return RoutingTable(queries, models, np.array(scores), np.array(costs),
                        notes={"source": str(db_path), "format": "logs",
                               "costs": "cost_usd logged per request; untried cells: model mean cost",
                               "scores": "feedback; untried cells NaN (skipped by the MLP/MF loss)"})


def train_policy(name: str, out: str | Path, data: str | Path | None = None, fmt: str | None = None,
                 prices: str | Path | None = None, from_logs: str | Path | None = None, seed: int = 0,
                 knob: float | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    classes = trainable_policies()
    if name not in classes:
        raise ValueError(f"unknown policy {name!r}; trainable: {', '.join(sorted(classes))}")
    table = table_from_logs(from_logs) if from_logs else load_table(data, fmt, prices)  # type: ignore[arg-type]
    if len(table) < 5:
        raise ValueError(f"only {len(table)} training rows")
    from eval.routing.run import cached_encoder

    policy = classes[name](seed=seed)
    policy._encoder = cached_encoder()
    if knob is not None:
        policy.lam = float(knob)
    log(f"training {name} on {len(table)} rows x {len(table.models)} models (seed {seed})")
    start = time.perf_counter()
    x = _embed_with_progress(policy, table.queries)
    metrics = policy.fit(table, x)
    metrics = {k: float(v) for k, v in metrics.items()}
    metrics["fit_seconds"] = round(time.perf_counter() - start, 2)
    data_info = {"source": str(from_logs or data), "format": table.notes.get("format"), "rows": len(table),
                 "costs": table.notes.get("costs"), "seed": seed,
                 **({"scores": table.notes["scores"]} if "scores" in table.notes else {})}
    save_policy(policy, out, data=data_info, metrics=metrics)
    return read_card(out)


def _embed_with_progress(policy: Any, texts: list[str]) -> np.ndarray:
    from rich.progress import Progress

    parts = []
    with Progress(transient=True) as progress:
        task = progress.add_task("embedding", total=len(texts))
        for i in range(0, len(texts), 256):
            parts.append(policy.embed(texts[i:i + 256]))
            progress.advance(task, len(texts[i:i + 256]))
    return np.concatenate(parts) if parts else np.zeros((0, 384), np.float32)
