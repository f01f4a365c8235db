"""Configuration: models (in litellm terms) with tier, prices and availability, and everything else.

A model whose API key is missing is *unavailable*: listed as such and skipped by routing, never a crash.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policies.base import ModelCard

log = logging.getLogger("duet.config")

DEFAULT_CONFIG = Path(__file__).with_name("default.yaml")
LOCAL_PROVIDER = "duet-local"
TIERS = ("local", "cloud")


class ConfigError(ValueError):
    """The configuration file is wrong; the message says where."""


@dataclass
class ModelSpec:
    name: str
    model: str  # litellm model string, e.g. "openai/gpt-4o-mini" or "duet-local/smollm2"
    tier: str
    api_base: str | None = None
    api_key: str | None = None
    input_price: float = 0.0  # USD per 1M tokens
    output_price: float = 0.0
    context_window: int = 4096
    capabilities: tuple[str, ...] = ("chat",)
    max_tokens: int | None = None  # default when the client sends none
    timeout: float | None = None  # seconds per call; the dispatch default when None
    gguf: Path | None = None  # local models only
    n_ctx: int | None = None
    n_threads: int | None = None
    logprobs: bool = False  # local models: keep every token's logits so `logprobs` works (more memory)
    unavailable: str | None = None  # why the model cannot be used, or None

    @property
    def available(self) -> bool:
        return self.unavailable is None

    @property
    def is_local_provider(self) -> bool:
        return self.model.startswith(LOCAL_PROVIDER + "/")

    def card(self) -> ModelCard:
        return ModelCard(self.name, self.tier, self.input_price, self.output_price,
                         self.context_window, self.capabilities)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_price + completion_tokens * self.output_price) / 1e6


@dataclass
class DuetConfig:
    models: dict[str, ModelSpec]
    policy: dict[str, Any]
    log_path: Path
    log_content: bool = False
    timeout: float = 60.0
    retries: int = 1
    api_keys: list[str] = field(default_factory=list)
    max_body_bytes: int = 1 << 20
    privacy: dict[str, Any] = field(default_factory=dict)
    exposure: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)  # the whole file, for stages with their own sections
    source: str = ""

    def available(self) -> list[ModelSpec]:
        return [m for m in self.models.values() if m.available]


def duet_home() -> Path:
    return Path(os.environ.get("DUET_HOME") or Path.home() / ".duet").expanduser()


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> DuetConfig:
    """Read `path`, else $DUET_CONFIG, else the bundled default; `overrides` replace top-level sections."""
    source = Path(path or os.environ.get("DUET_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = yaml.safe_load(source.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config {source}: {exc}") from exc
    raw.update(overrides or {})
    return parse_config(raw, source=str(source))


def parse_config(raw: dict[str, Any], source: str = "<dict>") -> DuetConfig:
    if not isinstance(raw.get("models"), list) or not raw["models"]:
        raise ConfigError(f"{source}: 'models' must be a non-empty list")
    models: dict[str, ModelSpec] = {}
    for entry in raw["models"]:
        spec = _parse_model(entry, source)
        if spec.name in models:
            raise ConfigError(f"{source}: model {spec.name!r} is listed twice")
        models[spec.name] = spec
    dispatch = raw.get("dispatch") or {}
    logs = raw.get("log") or {}
    server = raw.get("server") or {}
    env_keys = [k.strip() for k in os.environ.get("DUET_API_KEYS", "").split(",") if k.strip()]
    return DuetConfig(
        models=models,
        policy=dict(raw.get("policy") or {"name": "cost-threshold"}),
        log_path=Path(_expand(str(logs.get("path", "${DUET_HOME}/duet.db")))).expanduser(),
        log_content=bool(logs.get("content", False)),
        timeout=float(dispatch.get("timeout", 60)),
        retries=int(dispatch.get("retries", 1)),
        api_keys=[_resolve_secret(k) or "" for k in server.get("api_keys") or []] + env_keys,
        max_body_bytes=int(server.get("max_body_bytes", 1 << 20)),
        privacy=dict(raw.get("privacy") or {}),
        exposure=dict(raw.get("exposure") or {}),
        raw=raw,
        source=source,
    )


def _parse_model(entry: Any, source: str) -> ModelSpec:
    if not isinstance(entry, dict) or "name" not in entry or "model" not in entry:
        raise ConfigError(f"{source}: every model needs 'name' and 'model' (a litellm model string): {entry!r}")
    tier = entry.get("tier", "cloud")
    if tier not in TIERS:
        raise ConfigError(f"{source}: model {entry['name']!r}: tier must be one of {TIERS}, not {tier!r}")
    price = entry.get("price") or {}
    spec = ModelSpec(
        name=str(entry["name"]),
        model=str(entry["model"]),
        tier=tier,
        api_base=_expand(entry["api_base"]) if entry.get("api_base") else None,
        context_window=int(entry.get("context_window", 4096)),
        capabilities=tuple(entry.get("capabilities") or ("chat",)),
        max_tokens=entry.get("max_tokens"),
        timeout=float(entry["timeout"]) if entry.get("timeout") else None,
        n_ctx=entry.get("n_ctx"),
        n_threads=entry.get("n_threads"),
        logprobs=bool(entry.get("logprobs", False)),
    )
    spec.input_price, spec.output_price = _prices(spec.model, price)
    key_ref = entry.get("api_key")
    if key_ref is not None:
        spec.api_key = _resolve_secret(str(key_ref))
        if not spec.api_key:
            spec.unavailable = f"API key {key_ref} is not set"
    if spec.is_local_provider:
        try:
            spec.gguf = resolve_gguf(str(entry.get("gguf", "")))
            spec.n_ctx = spec.n_ctx or min(spec.context_window, 4096)
        except FileNotFoundError as exc:
            spec.unavailable = str(exc)
    if spec.unavailable:
        log.warning("model %s is unavailable: %s", spec.name, spec.unavailable)
    return spec


def resolve_gguf(ref: str) -> Path:
    """A GGUF path, or `package:<module>/<file>` for a model shipped inside a PyPI package (not imported)."""
    if not ref:
        raise FileNotFoundError("a duet-local model needs 'gguf' (a path or package:<module>/<file>)")
    if ref.startswith("package:"):
        module, _, filename = ref[len("package:"):].partition("/")
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(f"package {module!r} is not installed (pip install it to get {filename})")
        path = Path(list(spec.submodule_search_locations)[0]) / filename
    else:
        path = Path(_expand(ref)).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"GGUF file not found: {path}")
    return path


def _prices(litellm_model: str, price: dict[str, Any]) -> tuple[float, float]:
    """Config prices when given, else litellm's bundled price table, else free."""
    if "input" in price or "output" in price:
        return float(price.get("input", 0.0)), float(price.get("output", 0.0))
    import litellm

    for key in (litellm_model, litellm_model.split("/", 1)[-1]):
        info = litellm.model_cost.get(key)
        if info:
            return (float(info.get("input_cost_per_token") or 0.0) * 1e6,
                    float(info.get("output_cost_per_token") or 0.0) * 1e6)
    return 0.0, 0.0


def _resolve_secret(value: str) -> str | None:
    """`os.environ/NAME` (LiteLLM's convention) reads the environment; anything else is literal."""
    if value.startswith("os.environ/"):
        return os.environ.get(value[len("os.environ/"):]) or None
    return value


def _expand(text: str) -> str:
    text = text.replace("${DUET_HOME}", str(duet_home()))
    return re.sub(r"\$\{(\w+)\}", lambda m: os.environ.get(m.group(1), ""), text)
