"""Config parsing (availability, env keys, prices) and the two cold-start policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.base import ModelCard, RouteRequest
from policies.cost_threshold import CostThresholdPolicy
from policies.fixed import FixedPolicy
from policies.registry import build_policy
from router.config import ConfigError, load_config, parse_config
from tests.servers import local_model


def test_bundled_default_config_has_the_local_slm_available() -> None:
    config = load_config()
    assert config.models["smollm2"].available and config.models["smollm2"].gguf.is_file()
    assert config.policy["name"] == "cost-threshold"


def test_missing_key_makes_a_model_unavailable_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUET_X_KEY", raising=False)
    raw = {"models": [local_model(), {"name": "c", "model": "openai/gpt-4o-mini", "api_key": "os.environ/DUET_X_KEY"}]}
    config = parse_config(raw)
    assert not config.models["c"].available and "DUET_X_KEY" in config.models["c"].unavailable
    assert config.models["c"].input_price == pytest.approx(0.15)  # from litellm's bundled price table
    monkeypatch.setenv("DUET_X_KEY", "sk-1")
    assert parse_config(raw).models["c"].api_key == "sk-1"


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="non-empty list"):
        parse_config({"models": []})
    with pytest.raises(ConfigError, match="tier"):
        parse_config({"models": [{"name": "a", "model": "openai/x", "tier": "edge"}]})
    with pytest.raises(ConfigError, match="twice"):
        parse_config({"models": [local_model(), local_model()]})
    missing = parse_config({"models": [{**local_model(), "gguf": str(tmp_path / "nope.gguf")}]})
    assert not missing.models["smollm2"].available


CARDS = [ModelCard("small", "local", 0, 0, 2048), ModelCard("big", "cloud", 5, 15, 128000),
         ModelCard("mid", "cloud", 0.5, 1.5, 128000)]


def test_cost_threshold_keeps_short_requests_local_and_sends_long_ones_to_the_cheapest_cloud() -> None:
    policy = CostThresholdPolicy(max_prompt_tokens=100)
    short = policy.decide(RouteRequest([{"role": "user", "content": "hi"}], prompt_tokens=5), CARDS)
    assert short.models == ["small", "mid", "big"]
    long = policy.decide(RouteRequest([{"role": "user", "content": "x"}], prompt_tokens=500), CARDS)
    assert long.models == ["mid", "big", "small"]
    huge = policy.decide(RouteRequest([{"role": "user", "content": "x"}], prompt_tokens=5000), CARDS)
    assert huge.models[-1] == "small"  # does not fit the local context window


def test_fixed_policy_and_registry() -> None:
    assert FixedPolicy("big").decide(RouteRequest([]), CARDS).models == ["big"]
    assert FixedPolicy("gone").decide(RouteRequest([]), CARDS).models == []
    assert isinstance(build_policy({"name": "fixed", "model": "big"}), FixedPolicy)
    with pytest.raises(ValueError, match="unknown policy"):
        build_policy({"name": "nope"})
