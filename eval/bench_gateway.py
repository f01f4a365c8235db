"""Gateway benchmark: what duet adds on top of a near-zero-cost upstream, side by side with the LiteLLM proxy
and a minimal FastAPI + httpx forwarder (the floor for a Python gateway).

    python -m eval.bench_gateway --json eval/results/bench_gateway.json      (also: duet bench gateway)
    python -m eval.bench_gateway --load                                      (200 streams for 60 s)

Targets, each its own process on the same loopback upstream: direct, duet passthrough (fixed policy, privacy
off), duet full pipeline (privacy on, routing policy), LiteLLM proxy (own virtualenv, one worker, no
database), floor. Non-streaming and streaming, C concurrent keep-alive clients per point.

Keeping the load generator light: it is one separate process on raw asyncio sockets (uvloop), pre-encoded
requests, no HTTP library or JSON parsing on the hot path (~36k requests/s against the upstream alone).
With --pin (default) the gateway under test runs on CPU 0, the upstream and the load generator on CPU 1,
so the client side never takes CPU from the gateway. Run it under `nice` on a shared machine; the JSON
records the machine's load (busy cores per point, load average) so numbers can be read with that in mind.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from eval.bench.procs import pinned
from eval.bench.stats import MachineCpu, minus, ratio, summarize
from eval.bench.targets import (LABELS, REPO, TARGETS, Target, ensure_litellm_venv, start_duet, start_floor,
                                start_litellm, start_upstream)

# The load generator numbers each request in place of the @ marker: no two prompts are equal, so no
# cache (the learned router's recent-query memory, or anyone's) answers from memory.
PROMPT = ("Hi, I am Jane Doe, my email is jane.doe@example.com and my phone is +1 415 555 0134. "
          "Say hello to ticket #@@@@@@@@.")
MODES = ("nonstream", "stream")


@dataclass
class BenchOptions:
    concurrency: list[int] = field(default_factory=lambda: [1, 10, 50])
    requests: int = 500
    warmup: int | None = None  # per point; default max(30, 2 C)
    targets: list[str] = field(default_factory=lambda: list(TARGETS))
    modes: list[str] = field(default_factory=lambda: list(MODES))
    pin: bool = True
    full_policy: dict[str, Any] = field(default_factory=lambda: {"name": "cost-threshold", "max_prompt_tokens": 256})
    json_path: Path | None = None
    plot_path: Path | None = None
    work: Path | None = None
    duet_env: dict[str, str] = field(default_factory=dict)
    full_overrides: dict[str, Any] = field(default_factory=dict)  # config sections merged into the full target's
    load_clients: int = 200
    load_seconds: float = 60.0


def body_for(model: str, stream: bool) -> bytes:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 16}
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


def run_loadgen(target: Target, stream: bool, concurrency: int, requests: int, warmup: int, work: Path,
                cpu: int | None, duration: float | None = None, timeout: float = 60.0) -> dict[str, Any]:
    body_file = work / f"body-{target.model}-{int(stream)}.json"
    body_file.write_bytes(body_for(target.model, stream))
    cmd = [sys.executable, "-m", "eval.bench.loadgen", "--url", target.url, "--body-file", str(body_file),
           "--concurrency", str(concurrency), "--requests", str(requests), "--warmup", str(warmup),
           "--timeout", str(timeout)]
    if duration:
        cmd += ["--duration", str(duration)]
    out = subprocess.run(pinned(cmd, cpu), capture_output=True, text=True, cwd=REPO,
                         timeout=(duration or 0) + 1200)
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def measure_point(target: Target, mode: str, c: int, opts: BenchOptions, work: Path,
                  client_cpu: int | None) -> dict[str, Any]:
    warmup = opts.warmup if opts.warmup is not None else max(30, 2 * c)
    machine = MachineCpu()
    cpu_before = target.proc.cpu_seconds() if target.proc else None
    machine.start()
    raw = run_loadgen(target, mode == "stream", c, opts.requests, warmup, work, client_cpu)
    busy = machine.busy_cores()
    point = {"target": target.name, "mode": mode, "concurrency": c, "requests": opts.requests,
             "warmup": warmup, **summarize(raw), "machine_busy_cores": busy,
             "loadavg_1m": round(os.getloadavg()[0], 2)}
    if target.proc is not None and cpu_before is not None:
        point["cpu_ms_per_request"] = round((target.proc.cpu_seconds() - cpu_before) * 1000
                                            / max(1, raw["served"] + warmup), 3)
    print(f"  {target.name:12s} {mode:9s} C={c:<3d} p50 {point['total_ms']['p50']} ms  rps {point['rps']}  "
          f"cpu/req {point.get('cpu_ms_per_request', '-')} ms  errors {point['errors'] or 0}  "
          f"machine busy {busy} cores", file=sys.stderr, flush=True)
    return point


def privacy_probe(target: Target) -> dict[str, Any]:
    """One request through the full pipeline: did the privacy stage report anything for the PII prompt?"""
    response = httpx.post(target.url, content=body_for(target.model, False).replace(b"@" * 8, b"0" * 8),
                          headers={"content-type": "application/json"}, timeout=60)
    meta = response.json().get("duet") or {}
    report = meta.get("privacy") or {}
    return {"privacy_report": report, "privacy_active": report.get("status") in ("checked", "routed_local"),
            "privacy_categories": [k.get("category") for k in report.get("kept_local") or []],
            "policy": meta.get("policy"), "served_by": meta.get("model")}


def start_target(name: str, work: Path, upstream: Target, opts: BenchOptions, cpu: int | None) -> Target:
    base = upstream.url.rsplit("/v1/", 1)[0]
    if name == "direct":
        return Target("direct", upstream.url, "bench")
    if name in ("passthrough", "full"):
        return start_duet(work, name, base, cpu, full=name == "full", full_policy=opts.full_policy,
                          extra_env=opts.duet_env, overrides=opts.full_overrides if name == "full" else None)
    if name == "litellm":
        return start_litellm(work, base, cpu, ensure_litellm_venv())
    if name == "floor":
        return start_floor(work, base, cpu)
    raise ValueError(f"unknown target {name!r}; known: {', '.join(TARGETS)}")


@dataclass
class Setup:
    """What every run starts with: a work dir, the CPU pinning, the machine's load, the loopback upstream."""

    work: Path
    gateway_cpu: int | None
    client_cpu: int | None
    started: float
    load_start: tuple[float, float, float]
    upstream: Target


def set_up(opts: BenchOptions, prefix: str) -> Setup:
    work = opts.work or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    gateway_cpu, client_cpu = (0, 1) if opts.pin else (None, None)
    started, load_start = time.time(), os.getloadavg()
    return Setup(work, gateway_cpu, client_cpu, started, load_start, start_upstream(work, client_cpu))


def run_benchmark(opts: BenchOptions) -> dict[str, Any]:
    setup = set_up(opts, "duet-bench-")
    work, gateway_cpu, client_cpu = setup.work, setup.gateway_cpu, setup.client_cpu
    started, load_start, upstream = setup.started, setup.load_start, setup.upstream
    result: dict[str, Any] = {"benchmark": "gateway", "targets": {}, "points": []}
    running: dict[str, Target] = {}
    try:
        # Every target runs at once (idle ones cost nothing) and each point measures them back to back, so
        # on a shared machine the targets compared in one point see the same background load.
        for name in ["direct"] + [t for t in opts.targets if t != "direct"]:
            print(f"starting {LABELS.get(name, name)} ...", file=sys.stderr, flush=True)
            running[name] = target = start_target(name, work, upstream, opts, gateway_cpu)
            info = dict(target.info or {})
            if name == "full":
                info.update(privacy_probe(target))
            if target.proc is not None:
                info["rss_mb_start"] = round(target.proc.rss_mb(), 1)
            result["targets"][name] = {"label": LABELS.get(name, name), **info}
        for mode in opts.modes:
            for c in opts.concurrency:
                for name, target in running.items():
                    result["points"].append(measure_point(target, mode, c, opts, work, client_cpu))
        for name, target in running.items():
            if target.proc is not None:
                result["targets"][name]["rss_mb_end"] = round(target.proc.rss_mb(), 1)
    finally:
        for target in running.values():
            target.stop()
        upstream.stop()
    add_overheads(result)
    result.update(comparisons(result))
    result["full_pipeline"] = full_pipeline_note(result, opts)
    result["machine"] = machine_info(load_start, started)
    result["settings"] = {"concurrency": opts.concurrency, "requests_per_point": opts.requests,
                          "warmup_per_point": opts.warmup or "max(30, 2C)", "pinned": opts.pin,
                          "gateway_cpu": gateway_cpu, "client_and_upstream_cpu": client_cpu,
                          "prompt": PROMPT, "max_tokens": 16, "work_dir": str(work),
                          "full_config_overrides": opts.full_overrides,
                          "load_generator": "one process, raw asyncio sockets + uvloop, keep-alive, "
                                            "pre-encoded requests, each numbered (eval/bench/loadgen.py)"}
    write_outputs(result, opts)
    return result


def add_overheads(result: dict[str, Any]) -> None:
    direct = {(p["mode"], p["concurrency"]): p for p in result["points"] if p["target"] == "direct"}
    for point in result["points"]:
        base = direct.get((point["mode"], point["concurrency"]))
        if base is None:
            continue
        point["overhead_ms"] = minus(point["total_ms"], base["total_ms"])
        point["ttfb_overhead_ms"] = minus(point["ttfb_ms"], base["ttfb_ms"])


def _point(result: dict[str, Any], target: str, mode: str, c: int) -> dict[str, Any] | None:
    for p in result["points"]:
        if p["target"] == target and p["mode"] == mode and p["concurrency"] == c:
            return p
    return None


def comparisons(result: dict[str, Any]) -> dict[str, Any]:
    """The output contract's ratios (C=10, non-streaming) plus every point's ratio and the targets' verdicts."""
    out: dict[str, Any] = {"rps": {}, "ratios": {}}
    for p in result["points"]:
        out["rps"].setdefault(p["target"], {}).setdefault(p["mode"], {})[str(p["concurrency"])] = p["rps"]
    cs = sorted({p["concurrency"] for p in result["points"]})
    for mode in MODES:
        for c in cs:
            lite = _point(result, "litellm", mode, c)
            for name in ("passthrough", "full", "floor"):
                mine = _point(result, name, mode, c)
                if not mine or not lite:
                    continue
                key = f"{name}_vs_litellm_{mode}_c{c}"
                out["ratios"][key] = {
                    "overhead_p50": ratio((mine.get("overhead_ms") or {}).get("p50"),
                                          (lite.get("overhead_ms") or {}).get("p50")),
                    "overhead_p95": ratio((mine.get("overhead_ms") or {}).get("p95"),
                                          (lite.get("overhead_ms") or {}).get("p95")),
                    "rps": ratio(mine["rps"], lite["rps"]),
                    "cpu_per_request": ratio(mine.get("cpu_ms_per_request"), lite.get("cpu_ms_per_request"))}
    r = out["ratios"]
    out["ratio_passthrough_vs_litellm_p50"] = (r.get("passthrough_vs_litellm_nonstream_c10") or {}).get("overhead_p50")
    out["ratio_full_vs_litellm_p50"] = (r.get("full_vs_litellm_nonstream_c10") or {}).get("overhead_p50")
    out["ratio_passthrough_vs_litellm_rps"] = (r.get("passthrough_vs_litellm_nonstream_c10") or {}).get("rps")
    out["requests_per_second"] = {t: v.get("nonstream", {}) for t, v in out["rps"].items()}
    verdicts = {}
    for c in (10, 50):
        pt = r.get(f"passthrough_vs_litellm_nonstream_c{c}") or {}
        full = r.get(f"full_vs_litellm_nonstream_c{c}") or {}
        if pt:
            verdicts[f"passthrough_overhead_p50_le_third_c{c}"] = _le(pt.get("overhead_p50"), 1 / 3)
            verdicts[f"passthrough_rps_ge_5x_c{c}"] = _ge(pt.get("rps"), 5.0)
        if full:
            verdicts[f"full_overhead_p50_le_litellm_c{c}"] = _le(full.get("overhead_p50"), 1.0)
    out["targets_met"] = verdicts
    return out


def _le(value: float | None, bound: float) -> bool | None:
    return None if value is None else value <= bound


def _ge(value: float | None, bound: float) -> bool | None:
    return None if value is None else value >= bound


def full_pipeline_note(result: dict[str, Any], opts: BenchOptions) -> dict[str, Any]:
    info = result["targets"].get("full") or {}
    policy = opts.full_policy.get("name")
    if opts.full_policy.get("artifact"):
        policy = json.loads((Path(opts.full_policy["artifact"]) / "card.json").read_text()).get("policy", policy)
    learned = policy not in ("cost-threshold", "fixed")
    note = []
    if not learned:
        note.append(f"no learned router artifact given (--full-policy '{{\"artifact\": DIR}}'): the full "
                    f"pipeline runs the {policy} policy")
    if info and not info.get("privacy_active"):
        note.append("privacy is enabled in the config but the privacy stage did not report a check for a prompt "
                    f"with an email and a phone number: {info.get('privacy_report')}")
    return {"policy": policy, "policy_spec": opts.full_policy, "learned_router": learned,
            "privacy_enabled_in_config": True,
            "privacy_active": info.get("privacy_active"), "note": "; ".join(note)}


def machine_info(load_start: tuple[float, float, float], started: float) -> dict[str, Any]:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "platform": platform.platform(), "loadavg_start": [round(x, 2) for x in load_start],
            "loadavg_end": [round(x, 2) for x in os.getloadavg()], "niceness": os.nice(0),
            "seconds": round(time.time() - started, 1),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def write_outputs(result: dict[str, Any], opts: BenchOptions) -> None:
    if not opts.json_path:
        return
    opts.json_path.parent.mkdir(parents=True, exist_ok=True)
    plot = opts.plot_path or opts.json_path.with_suffix(".png")
    try:
        from eval.bench.plot import plot_result

        plot_result(result, plot)
        result["plot"] = str(plot)
    except ImportError as exc:  # matplotlib is an optional extra
        print(f"no plot ({exc})", file=sys.stderr)
    opts.json_path.write_text(json.dumps(result, indent=2))


def table(result: dict[str, Any]) -> str:
    head = (f"{'target':22s} {'mode':9s} {'C':>3s} {'p50':>8s} {'p95':>8s} {'p99':>8s} {'ovh p50':>8s} "
            f"{'ovh p95':>8s} {'ovh p99':>8s} {'ttfb p50':>8s} {'req/s':>8s} {'cpu ms':>7s} {'err':>4s}")
    lines = [head, "-" * len(head)]

    def f(v: Any) -> str:
        return "-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)

    order = {name: i for i, name in enumerate(TARGETS)}
    for p in sorted(result["points"], key=lambda p: (order.get(p["target"], 99), p["mode"], p["concurrency"])):
        o = p.get("overhead_ms") or {}
        lines.append(f"{LABELS.get(p['target'], p['target']):22s} {p['mode']:9s} {p['concurrency']:>3d} "
                     f"{f(p['total_ms']['p50']):>8s} {f(p['total_ms']['p95']):>8s} {f(p['total_ms']['p99']):>8s} "
                     f"{f(o.get('p50')):>8s} {f(o.get('p95')):>8s} {f(o.get('p99')):>8s} "
                     f"{f(p['ttfb_ms']['p50']) if p['mode'] == 'stream' else '':>8s} {f(p['rps']):>8s} "
                     f"{f(p.get('cpu_ms_per_request')):>7s} {sum(p['errors'].values()):>4d}")
    lines.append("")
    lines.append(f"ratio passthrough/litellm overhead p50 (C=10, non-streaming): "
                 f"{result.get('ratio_passthrough_vs_litellm_p50')}   full/litellm: {result.get('ratio_full_vs_litellm_p50')}")
    lines.append(f"targets met: {json.dumps(result.get('targets_met'))}")
    if result.get("full_pipeline", {}).get("note"):
        lines.append(f"full pipeline: {result['full_pipeline']['note']}")
    m = result.get("machine", {})
    lines.append(f"machine: {m.get('cpus')} CPUs {m.get('cpu_model')}, load average {m.get('loadavg_start')} -> "
                 f"{m.get('loadavg_end')}, niceness {m.get('niceness')}")
    return "\n".join(lines)


# the load check --------------------------------------------------------------------------------------------
def run_load(opts: BenchOptions) -> dict[str, Any]:
    """200 concurrent streaming clients for 60 s through the full pipeline: errors, lost log rows, memory."""
    import sqlite3

    setup = set_up(opts, "duet-load-")
    work, gateway_cpu, client_cpu = setup.work, setup.gateway_cpu, setup.client_cpu
    started, load_start, upstream = setup.started, setup.load_start, setup.upstream
    try:
        base = upstream.url.rsplit("/v1/", 1)[0]
        target = start_duet(work, "full", base, gateway_cpu, full=True, full_policy=opts.full_policy,
                            extra_env=opts.duet_env, overrides=opts.full_overrides)
        try:
            assert target.proc is not None
            rss_start = target.proc.rss_mb()
            samples: list[float] = []
            import threading

            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(2.0):
                    samples.append(target.proc.rss_mb())

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            raw = run_loadgen(target, True, opts.load_clients, 0, 0, work, client_cpu,
                              duration=opts.load_seconds, timeout=120)
            stop.set()
            sampler.join()
            rss_end = target.proc.rss_mb()
        finally:
            returncode = target.stop()
    finally:
        upstream.stop()
    with sqlite3.connect(work / "full.db") as conn:
        rows = dict(conn.execute("SELECT outcome, COUNT(*) FROM requests GROUP BY outcome").fetchall())
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        privacy = dict(conn.execute("SELECT json_extract(privacy, '$.status') || ':' || outcome, COUNT(*) "
                                    "FROM requests GROUP BY 1").fetchall())
    summary = summarize(raw)
    errors = sum(summary["errors"].values())
    result = {"benchmark": "gateway-load", "clients": opts.load_clients, "seconds": opts.load_seconds,
              **summary, "log_rows": rows, "log_rows_ok": rows.get("ok", 0), "integrity_check": integrity,
              "lost_rows": summary["served"] - rows.get("ok", 0), "rss_mb_start": round(rss_start, 1),
              "rss_mb_end": round(rss_end, 1), "rss_mb_max": round(max(samples or [rss_end]), 1),
              "gateway_exit_code": returncode, "full_config_overrides": opts.full_overrides,
              "privacy_statuses": privacy,
              "passed": errors == 0 and summary["served"] == rows.get("ok", 0) and integrity == "ok",
              "machine": machine_info(load_start, started)}
    if opts.json_path:
        opts.json_path.parent.mkdir(parents=True, exist_ok=True)
        opts.json_path.write_text(json.dumps(result, indent=2))
    return result


def load_table(result: dict[str, Any]) -> str:
    return (f"{result['clients']} streaming clients for {result['seconds']:.0f} s through the full pipeline: "
            f"served {result['served']} ({result['rps']} req/s), errors {result['errors'] or 0}, "
            f"log rows ok {result['log_rows_ok']} (lost {result['lost_rows']}), integrity {result['integrity_check']}, "
            f"latency p50/p99 {result['total_ms']['p50']}/{result['total_ms']['p99']} ms, "
            f"RSS {result['rss_mb_start']} -> {result['rss_mb_end']} MB (max {result['rss_mb_max']}) "
            f"-> {'PASS' if result['passed'] else 'FAIL'}")


def parse_args(argv: list[str] | None = None) -> tuple[BenchOptions, bool]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", default="1,10,50", help="comma-separated client counts")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per point")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up requests per point (default max(30, 2C))")
    parser.add_argument("--targets", default=",".join(TARGETS), help=f"subset of {','.join(TARGETS)}")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--no-pin", action="store_true", help="do not pin gateway / client+upstream to CPUs 0 / 1")
    parser.add_argument("--full-policy", default=None, help="policy spec (JSON) for the full pipeline, e.g. "
                        "'{\"artifact\": DIR}' for a trained router")
    parser.add_argument("--full-config", default=None, help="config sections (JSON) merged into the full "
                        "pipeline's config, e.g. '{\"privacy\": {\"budget_ms\": 5000}}'")
    parser.add_argument("--json", dest="json_path", type=Path, default=None, help="write the results here")
    parser.add_argument("--plot", dest="plot_path", type=Path, default=None, help="PNG (default: next to --json)")
    parser.add_argument("--work", type=Path, default=None, help="directory for configs, logs, databases")
    parser.add_argument("--load", action="store_true", help="the load check instead of the comparison")
    parser.add_argument("--load-clients", type=int, default=200)
    parser.add_argument("--load-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    opts = BenchOptions(concurrency=[int(c) for c in args.concurrency.split(",") if c],
                        requests=args.requests, warmup=args.warmup,
                        targets=[t for t in args.targets.split(",") if t], modes=[m for m in args.modes.split(",") if m],
                        pin=not args.no_pin, json_path=args.json_path, plot_path=args.plot_path, work=args.work,
                        load_clients=args.load_clients, load_seconds=args.load_seconds)
    if args.full_policy:
        opts.full_policy = json.loads(args.full_policy)
    if args.full_config:
        opts.full_overrides = json.loads(args.full_config)
    return opts, args.load


def main(argv: list[str] | None = None) -> int:
    opts, load = parse_args(argv)
    if load:
        result = run_load(opts)
        print(load_table(result))
        return 0 if result["passed"] else 1
    result = run_benchmark(opts)
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
