"""Exposure benchmark: context-QA where each answer lies in one block of many.

Modes: `full` (the cloud model gets every block), `core` (the exposure controller: co-planning, local
ranking, top blocks within a budget, more only on request), `local` (the local SLM alone, full context,
nothing sent). Reports accuracy and context tokens sent to the cloud; exposure_reduction =
1 - core tokens sent / full tokens sent. Tokens are counted identically for both (blocks as rendered).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import time
from pathlib import Path
from typing import Any

from agents.blocks import Block, approx_tokens
from agents.completions import text_of
from agents.exposure import ExposureConfig, ExposureController
from agents.partition import partition_conversation, partition_documents, partition_markup
from eval.exposure.generator import Item, generate
from eval.resume import append_row, done_rows

FULL_SYSTEM = "You answer using only the context blocks given with the question. Answer briefly."
MODES = ("full", "core", "local")


def blocks_for(item: Item) -> list[Block]:
    if item.kind == "documents":
        return partition_documents(item.context)
    if item.kind == "conversation":
        return partition_conversation(item.context)
    return partition_markup(item.context, min_blocks=5)


def correct(answer: str, expected: str) -> bool:
    """The expected value appears in the answer (case and thousands separators ignored)."""
    norm = lambda s: re.sub(r"(?<=\d)[,\s](?=\d{3})", "", s.lower())  # noqa: E731
    return norm(expected) in norm(answer)


def full_messages(item: Item, blocks: list[Block]) -> list[dict[str, str]]:
    context = "\n\n".join(b.render() for b in blocks)
    return [{"role": "system", "content": FULL_SYSTEM},
            {"role": "user", "content": f"Context blocks ({len(blocks)} of {len(blocks)}):\n\n{context}\n\n"
                                        f"Question: {item.question}"}]


async def run_item(mode: str, item: Item, call: Any, embed: Any, config: ExposureConfig) -> dict[str, Any]:
    blocks = blocks_for(item)
    available = sum(approx_tokens(b.render()) for b in blocks)
    start = time.perf_counter()
    row: dict[str, Any] = {"id": item.id, "kind": item.kind, "mode": mode, "blocks": len(blocks),
                           "context_tokens_available": available}
    if mode == "core":
        result = await ExposureController(call, embed, config).run(
            [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": item.question}], blocks)
        answer, exposure = result.answer, result.exposure
        answer_ids = [b.id for b in blocks if item.answer_text in b.text]
        row.update(tokens_sent=exposure["context_tokens_sent"], rounds=exposure["rounds"],
                   blocks_sent=exposure["blocks_sent"], cloud_prompt_tokens=exposure["cloud_prompt_tokens"],
                   answer_block_sent=bool(set(answer_ids) & set(exposure["block_ids_sent"])),
                   answer_block_first=exposure["round_log"][0]["block_ids"][:1] == answer_ids[:1]
                   if len(exposure["round_log"][0]["block_ids"]) == 1 else None,
                   exhausted=exposure["exhausted"])
    else:
        role = "cloud" if mode == "full" else "local"
        response = await call(role, full_messages(item, blocks), max_tokens=32, temperature=0.0)
        answer = text_of(response)
        usage = response.get("usage") or {}
        row.update(tokens_sent=available if mode == "full" else 0, rounds=1,
                   blocks_sent=len(blocks) if mode == "full" else 0,
                   cloud_prompt_tokens=int(usage.get("prompt_tokens") or 0) if mode == "full" else 0)
    row.update(answer=answer.strip()[:200], expected=item.answer, correct=correct(answer, item.answer),
               seconds=round(time.perf_counter() - start, 2))
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": len(rows),
        "accuracy": sum(r["correct"] for r in rows) / len(rows),
        "tokens_sent": sum(r["tokens_sent"] for r in rows),
        "tokens_sent_per_item": statistics.fmean(r["tokens_sent"] for r in rows),
        "cloud_prompt_tokens": sum(r["cloud_prompt_tokens"] for r in rows),
        "rounds_mean": statistics.fmean(r["rounds"] for r in rows),
        "blocks_sent_mean": statistics.fmean(r["blocks_sent"] for r in rows),
        "seconds_per_item": statistics.fmean(r["seconds"] for r in rows),
    }
    if any("answer_block_sent" in r for r in rows):
        out["answer_block_sent_rate"] = sum(r.get("answer_block_sent", False) for r in rows) / len(rows)
    return out


async def run_benchmark(n: int, seed: int, modes: tuple[str, ...], config: ExposureConfig, call: Any, embed: Any,
                        progress: bool = True, rows_path: Path | None = None) -> dict[str, Any]:
    """Items outer, modes inner, so an interrupted run still compares the modes on the same items; with
    `rows_path`, each row is appended as JSON and rows already there are reused (resume)."""
    items = generate(n, seed)
    done = done_rows(rows_path)
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        for mode in modes:
            row = done.get((item.id, mode))
            if row is None:
                row = await run_item(mode, item, call, embed, config)
                append_row(rows_path, row)
            rows.append(row)
            if progress:
                print(f"[{i + 1}/{len(items)} {mode:5s}] {item.kind:12s} ok={row['correct']!s:5s} "
                      f"sent={row['tokens_sent']:4d}/{row['context_tokens_available']:4d} {row['seconds']:.1f}s",
                      flush=True)
    return summarise_rows(rows, modes)


def summarise_rows(rows: list[dict[str, Any]], modes: tuple[str, ...]) -> dict[str, Any]:
    result: dict[str, Any] = {"modes": {}, "by_kind": {}}
    for mode in modes:
        mode_rows = [r for r in rows if r["mode"] == mode]
        result["modes"][mode] = summarise(mode_rows)
        result["by_kind"][mode] = {k: summarise([r for r in mode_rows if r["kind"] == k])
                                   for k in sorted({r["kind"] for r in mode_rows})}
    if "full" in modes and "core" in modes:
        full, core = result["modes"]["full"], result["modes"]["core"]
        result["exposure_reduction"] = 1.0 - core["tokens_sent"] / full["tokens_sent"]
        result["accuracy_loss_points"] = 100.0 * (full["accuracy"] - core["accuracy"])
        result["target_met"] = result["exposure_reduction"] >= 0.556 and result["accuracy_loss_points"] <= 2.0
    result["rows"] = rows
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m eval.exposure", description=__doc__)
    parser.add_argument("--n", type=int, default=30, help="questions (cycling documents, conversation, screen)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--cloud", default="0.5b", help="Qwen2.5-Coder size playing the cloud: 0.5b or 1.5b")
    parser.add_argument("--budget", type=int, default=120, help="context tokens in the first round")
    parser.add_argument("--max-rounds", type=int, default=2)
    parser.add_argument("--reveal", default="titles", choices=["nothing", "titles", "summaries"])
    parser.add_argument("--no-coplan", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--rows", type=Path, default=None, help="append each row here as it finishes (resumable)")
    args = parser.parse_args(argv)
    return asyncio.run(amain(args))


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    from eval.exposure.models import offline_tiers
    from policies.encoder import shared_encoder

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    call, log = offline_tiers(args.cloud)
    config = ExposureConfig(budget_tokens=args.budget, max_rounds=args.max_rounds, reveal=args.reveal,
                            coplan=not args.no_coplan, use_tool=False,
                            answer_params={"max_tokens": 32, "temperature": 0.0})
    modes = tuple(m for m in args.modes.split(",") if m)
    started = time.time()
    result = await run_benchmark(args.n, args.seed, modes, config, call, shared_encoder().encode,
                                 rows_path=args.rows)
    result["setup"] = {"n": args.n, "seed": args.seed, "cloud": f"Qwen2.5-Coder-{args.cloud}-Instruct Q4_K_M",
                       "local": "SmolLM2-135M-Instruct Q4_1", "budget_tokens": args.budget,
                       "max_rounds": args.max_rounds, "reveal": "nothing (no co-planning)" if args.no_coplan else args.reveal,
                       "coplan": not args.no_coplan,
                       "token_count": "agents.blocks.approx_tokens over rendered blocks",
                       "seconds": round(time.time() - started, 1), "machine": platform.platform(),
                       "cpus": os.cpu_count()}
    print_table(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return result


def print_table(result: dict[str, Any]) -> None:
    print(f"\n{'mode':6s} {'accuracy':>8s} {'tokens sent':>11s} {'per item':>8s} {'rounds':>6s} {'blocks':>6s}")
    for mode, m in result["modes"].items():
        print(f"{mode:6s} {m['accuracy']:8.3f} {m['tokens_sent']:11d} {m['tokens_sent_per_item']:8.1f} "
              f"{m['rounds_mean']:6.2f} {m['blocks_sent_mean']:6.2f}")
    if "exposure_reduction" in result:
        print(f"exposure reduction {result['exposure_reduction']:.3f}, accuracy loss "
              f"{result['accuracy_loss_points']:.1f} points, target met: {result['target_met']}")
