"""Seek-help benchmark: accuracy and LLM calls (number and size) on multi-step word problems.

Modes: slm (SLM alone), llm (the LLM solves the task alone), static (SLM consults the LLM on every
step), seek (confidence rule on the SLM's token log-probabilities), learned (the ask policy trained
on logged static episodes, cross-fitted: each half of the tasks uses a policy trained on the other).
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

from agents.completions import text_of, usage_of
from agents.seek_help import SeekHelpAgent, SeekHelpConfig, always, confidence_rule, never
from agents.seek_help_policy import AskPolicy, labelled_steps
from eval.resume import append_row, done_rows
from eval.seekhelp.tasks import Task, generate_tasks

MODES = ("slm", "llm", "static", "seek", "learned")
LLM_SYSTEM = "Solve the task step by step, then write 'Final answer: <number>' on the last line."
# --prompts strict: the SLM may not state an answer no step has calculated, and the mentor checks a
# final answer against its own calculation (the default prompts let both skip the arithmetic).
STRICT_STEP_SYSTEM = ("Solve the task one step at a time. Reply with only the next step: one short sentence "
                      "with one calculation and its result. Do not give the final answer until an earlier "
                      "step has calculated it; then reply 'Final answer: <number>'.")
STRICT_MENTOR_SYSTEM = ("You check one step of a student's work. Reply 'OK' only if the step's calculation and "
                        "result are correct and it is the right next step; a 'Final answer' step is OK only if "
                        "the steps so far have calculated it and it is correct. Otherwise reply 'FIX:' followed "
                        "by the correct next calculation, in one sentence. Do not solve the rest of the task.")
PROMPTS = {"default": {}, "strict": {"step_system": STRICT_STEP_SYSTEM, "mentor_system": STRICT_MENTOR_SYSTEM}}


def correct(answer: str, expected: int) -> bool:
    """The last integer in the answer equals the expected one."""
    numbers = re.findall(r"-?\d+", answer.replace(",", ""))
    return bool(numbers) and int(numbers[-1]) == expected


async def run_task(mode: str, task: Task, call: Any, rule: Any, max_steps: int,
                   prompts: str = "default") -> dict[str, Any]:
    start = time.perf_counter()
    row: dict[str, Any] = {"id": task.id, "mode": mode, "expected": task.answer}
    if mode == "llm":
        response = await call("cloud", [{"role": "system", "content": LLM_SYSTEM},
                                        {"role": "user", "content": task.text}], max_tokens=256, temperature=0.0)
        answer = text_of(response)
        final = re.search(r"final answer\s*:?\s*(.+)", answer, re.I)
        answer = final.group(1) if final else answer
        prompt_tokens, completion_tokens = usage_of(response)
        row.update(llm_calls=1, llm_prompt_tokens=prompt_tokens, llm_completion_tokens=completion_tokens,
                   question_chars=len(task.text), steps=0, episode=None)
    else:
        agent = SeekHelpAgent(call, SeekHelpConfig(max_steps=max_steps, max_asks=max_steps, should_ask=rule,
                                                   **PROMPTS[prompts]))
        result = await agent.run(task.text)
        episode = result.episode()
        answer = result.answer
        row.update(llm_calls=episode["llm_calls"], llm_prompt_tokens=episode["llm_prompt_tokens"],
                   llm_completion_tokens=episode["llm_completion_tokens"], question_chars=episode["question_chars"],
                   steps=len(result.steps), episode=episode,
                   step_texts=[s["text"] for s in result.steps], hints=[s.get("hint", "") for s in result.steps])
    row.update(answer=answer.strip()[:160], correct=correct(answer, task.answer),
               seconds=round(time.perf_counter() - start, 2))
    return row


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"n": len(rows), "accuracy": sum(r["correct"] for r in rows) / len(rows),
            "llm_calls_per_task": statistics.fmean(r["llm_calls"] for r in rows),
            "llm_prompt_tokens_per_task": statistics.fmean(r["llm_prompt_tokens"] for r in rows),
            "llm_completion_tokens_per_task": statistics.fmean(r["llm_completion_tokens"] for r in rows),
            "question_chars_per_call": (sum(r["question_chars"] for r in rows) /
                                        max(1, sum(r["llm_calls"] for r in rows))),
            "seconds_per_task": statistics.fmean(r["seconds"] for r in rows)}


def crossfit_policies(static_rows: list[dict[str, Any]], tasks: list[Task]) -> dict[str, AskPolicy]:
    """Per task id, a policy trained only on the static episodes of the other half of the tasks."""
    half = {t.id: i % 2 for i, t in enumerate(tasks)}
    policies: dict[int, AskPolicy] = {}
    for fold in (0, 1):
        train = [r["episode"] for r in static_rows if half[r["id"]] != fold]
        x, y = labelled_steps(train)
        try:
            policies[fold] = AskPolicy(threshold=0.5).fit(x, y)
        except ValueError:  # one-sided labels: fall back to asking when the training data always helped
            policies[fold] = AskPolicy(bias=10.0 if len(y) and y.mean() > 0.5 else -10.0)
    return {t.id: policies[half[t.id]] for t in tasks}


async def run_benchmark(n: int, seed: int, modes: tuple[str, ...], call: Any, threshold: float,
                        max_steps: int, rows_path: Path | None = None, prompts: str = "default") -> dict[str, Any]:
    """Tasks outer and modes inner (learned last: it trains on the static episodes); with `rows_path`
    every row is appended as JSON and reused on a rerun."""
    tasks = generate_tasks(n, seed)
    rules = {"slm": never, "static": always, "seek": confidence_rule(threshold), "llm": None}
    order = [m for m in ("slm", "llm", "static", "seek", "learned") if m in modes]
    if "learned" in order and "static" not in order:
        raise ValueError("the learned mode trains on static episodes: include static")
    done = done_rows(rows_path)
    rows: list[dict[str, Any]] = []
    learned: dict[str, AskPolicy] = {}

    async def one(mode: str, i: int, task: Task) -> None:
        row = done.get((task.id, mode))
        if row is None:
            rule = learned[task.id] if mode == "learned" else rules[mode]
            row = await run_task(mode, task, call, rule, max_steps, prompts)
            append_row(rows_path, row)
        rows.append(row)
        print(f"[{i + 1}/{len(tasks)} {mode:7s}] ok={row['correct']!s:5s} llm_calls={row['llm_calls']} "
              f"answer={row['answer'][:30]!r} expected={task.answer} {row['seconds']:.1f}s", flush=True)

    for i, task in enumerate(tasks):
        for mode in order:
            if mode != "learned":
                await one(mode, i, task)
    if "learned" in order:
        learned = crossfit_policies([r for r in rows if r["mode"] == "static"], tasks)
        for i, task in enumerate(tasks):
            await one("learned", i, task)
    result: dict[str, Any] = {"modes": {m: summarise([r for r in rows if r["mode"] == m]) for m in order}}
    if learned:
        result["learned_policy_cards"] = [p.card for p in {id(p): p for p in learned.values()}.values()]
    result["rows"] = rows
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m eval.seekhelp", description=__doc__)
    parser.add_argument("--n", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--cloud", default="0.5b", help="Qwen2.5-Coder size playing the LLM: 0.5b | 1.5b")
    parser.add_argument("--slm", default="smollm2", help="the local SLM: smollm2 | 0.5b | 1.5b (Qwen2.5-Coder)")
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads per model")
    parser.add_argument("--prompts", default="default", choices=sorted(PROMPTS),
                        help="step and mentor instructions: the agent's defaults, or strict (see STRICT_*)")
    parser.add_argument("--threshold", type=float, default=-0.6, help="confidence rule: ask below this mean logprob")
    parser.add_argument("--max-steps", type=int, default=4)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--rows", type=Path, default=None, help="append each row here as it finishes (resumable)")
    args = parser.parse_args(argv)
    return asyncio.run(amain(args))


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    from eval.seekhelp.models import llama_tiers

    from eval.seekhelp.models import model_label

    call, log = llama_tiers(args.cloud, n_threads=args.threads, slm=args.slm)
    started = time.time()
    result = await run_benchmark(args.n, args.seed, tuple(args.modes.split(",")), call, args.threshold,
                                 args.max_steps, rows_path=args.rows, prompts=args.prompts)
    result["setup"] = {"n": args.n, "seed": args.seed, "slm": model_label(args.slm), "llm": model_label(args.cloud),
                       "threshold": args.threshold, "max_steps": args.max_steps, "threads": args.threads,
                       "prompts": args.prompts,
                       "seconds": round(time.time() - started, 1),
                       "machine": platform.platform(), "cpus": os.cpu_count()}
    print(f"\n{'mode':8s} {'accuracy':>8s} {'LLM calls':>9s} {'LLM tok in':>10s} {'LLM tok out':>11s} {'q chars':>7s}")
    for mode, m in result["modes"].items():
        print(f"{mode:8s} {m['accuracy']:8.3f} {m['llm_calls_per_task']:9.2f} {m['llm_prompt_tokens_per_task']:10.1f} "
              f"{m['llm_completion_tokens_per_task']:11.1f} {m['question_chars_per_call']:7.0f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return result
