"""The five things measured, each started as its own process behind the same loopback upstream:
direct (the upstream itself), duet passthrough, duet full pipeline, the LiteLLM proxy, the floor forwarder."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from eval.bench.procs import Proc, free_port
from policies.artifact import read_card

REPO = Path(__file__).resolve().parents[2]
BENCH_VENV = Path.home() / ".cache" / "duet" / "bench-venv"
QUIET_ENV = {"HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR",
             "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}

TARGETS = ("direct", "passthrough", "full", "litellm", "floor")
LABELS = {"direct": "direct to upstream", "passthrough": "duet passthrough", "full": "duet full pipeline",
          "litellm": "LiteLLM proxy", "floor": "FastAPI+httpx floor"}


@dataclass
class Target:
    name: str
    url: str  # the chat completions endpoint
    model: str  # the model name clients send
    proc: Proc | None = None  # None for `direct`
    info: dict[str, Any] | None = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


def start_upstream(work: Path, cpu: int | None) -> Target:
    port = free_port()
    proc = Proc("upstream", [sys.executable, "-m", "eval.bench.upstream", "--port", str(port)], work,
                env=QUIET_ENV, cwd=REPO, cpu=cpu)
    base = f"http://127.0.0.1:{port}"
    proc.wait_http(base + "/v1/models", timeout=30)
    return Target("upstream", base + "/v1/chat/completions", "bench", proc)


def duet_config(work: Path, name: str, upstream_base: str, full: bool, full_policy: dict[str, Any],
                overrides: dict[str, Any] | None = None) -> Path:
    """Passthrough: one model, fixed policy, privacy off. Full: privacy on, the routing policy ranking two
    cloud models (both on the upstream) so dispatch has a fallback candidate, as in production."""
    model = {"name": "bench", "model": "openai/bench", "api_base": upstream_base + "/v1", "api_key": "sk-bench",
             "tier": "cloud", "price": {"input": 0.15, "output": 0.6}, "context_window": 128000}
    raw: dict[str, Any] = {"log": {"path": str(work / f"{name}.db"), "content": False}}
    if full:
        names = trained_model_names(full_policy) or ["bench", "bench-b"]
        raw["models"] = [{**model, "name": names[0]},
                         {**model, "name": names[-1], "price": {"input": 0.3, "output": 1.2}}]
        raw["policy"] = full_policy
        raw["privacy"] = {"enabled": True, "default_mode": "redact"}
    else:
        raw["models"] = [model]
        raw["policy"] = {"name": "fixed", "model": "bench"}
        raw["privacy"] = {"enabled": False}
    for section, value in (overrides or {}).items():  # e.g. {"privacy": {"budget_ms": 5000}}: merged per section
        current = raw.get(section)
        raw[section] = {**current, **value} if isinstance(current, dict) and isinstance(value, dict) else value
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def trained_model_names(policy: dict[str, Any]) -> list[str]:
    """A trained router ranks only models it was trained on: name the two bench models after the artifact's
    first and last models, so the router really scores them (with unknown names it would skip its work)."""
    artifact = policy.get("artifact")
    if not artifact:
        return []
    models = read_card(artifact).get("models") or []
    names = [str(m["name"] if isinstance(m, dict) else m) for m in models]
    return names[:1] + names[-1:] if len(names) >= 2 else []


def start_duet(work: Path, name: str, upstream_base: str, cpu: int | None, full: bool,
               full_policy: dict[str, Any], extra_env: dict[str, str] | None = None,
               overrides: dict[str, Any] | None = None) -> Target:
    config = duet_config(work, name, upstream_base, full, full_policy, overrides)
    port = free_port()
    cmd = [sys.executable, "-m", "service.cli", "serve", "--config", str(config), "--port", str(port)]
    proc = Proc(name, cmd, work, env={**QUIET_ENV, "DUET_HOME": str(work), **(extra_env or {})}, cwd=REPO, cpu=cpu)
    base = f"http://127.0.0.1:{port}"
    proc.wait_http(base + "/healthz")
    return Target(name, base + "/v1/chat/completions", "auto", proc, {"config": str(config)})


def start_floor(work: Path, upstream_base: str, cpu: int | None) -> Target:
    port = free_port()
    cmd = [sys.executable, "-m", "eval.bench.forwarder", "--port", str(port), "--upstream", upstream_base]
    proc = Proc("floor", cmd, work, env=QUIET_ENV, cwd=REPO, cpu=cpu)
    base = f"http://127.0.0.1:{port}"
    proc.wait_http(base + "/docs")
    return Target("floor", base + "/v1/chat/completions", "bench", proc)


def pinned_litellm_version() -> str:
    text = (REPO / "pyproject.toml").read_text()
    match = re.search(r'"litellm==([^"]+)"', text)
    if not match:
        raise RuntimeError("pyproject.toml does not pin litellm==X")
    return match.group(1)


def ensure_litellm_venv(venv: Path = BENCH_VENV) -> Path:
    """The LiteLLM proxy lives in the benchmark's own virtualenv (its extras never touch duet's env),
    at the litellm version duet pins. Created on first use; about a minute from the package index."""
    version = pinned_litellm_version()
    python = venv / "bin" / "python"
    if python.exists():
        probe = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version and (venv / "bin" / "litellm").exists():
            return venv
    print(f"creating {venv} with litellm[proxy]=={version} (once)", file=sys.stderr)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"litellm[proxy]=={version}"], check=True)
    return venv


def start_litellm(work: Path, upstream_base: str, cpu: int | None, venv: Path) -> Target:
    config = {"model_list": [{"model_name": "bench", "litellm_params": {
        "model": "openai/bench", "api_base": upstream_base + "/v1", "api_key": "sk-bench"}}],
        "litellm_settings": {"drop_params": True, "set_verbose": False, "telemetry": False}}
    path = work / "litellm.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    port = free_port()
    cmd = [str(venv / "bin" / "litellm"), "--config", str(path), "--host", "127.0.0.1", "--port", str(port),
           "--num_workers", "1", "--telemetry", "False"]
    proc = Proc("litellm", cmd, work, env=QUIET_ENV, cwd=work, cpu=cpu)
    base = f"http://127.0.0.1:{port}"
    proc.wait_http(base + "/health/liveliness", timeout=240)
    return Target("litellm", base + "/v1/chat/completions", "bench", proc,
                  {"version": pinned_litellm_version(), "workers": 1, "database": None})
