"""The live environment on real models, offline: SmolLM2 answers, plays the user and judges; a cloud-tier
model is a real OpenAI-compatible server on loopback. MCTS searches it like the simulator."""

from __future__ import annotations

import time

from policies.dial.train import collect
from policies.dial.mcts import SearchConfig
from service.commands.dial_live import make_live
from tests.servers import ScriptedUpstream, cloud_model, local_model, write_config


def test_live_env_searches_real_models(tmp_path):
    with ScriptedUpstream("Day one: Alfama and the castle. Day two: Belem. Eat pasteis de nata.") as upstream:
        config = write_config(tmp_path / "duet.yaml", [local_model(max_tokens=16),
                                                       cloud_model("cloud-big", upstream.url, price=(5.0, 15.0))])
        env = make_live(str(config), lam=0.3, turns=2, max_tokens=16)
        assert [m.tier for m in env.models] == ["local", "cloud"]
        assert env.models[1].turn_cost > env.models[0].turn_cost == 0.0
        got = collect(env, SearchConfig(budget=3, rollout="random", rollout_depth=1), episode=0, seed=0, epsilon=0.0)
        assert len(got.actions) == 2
        assert all(abs(sum(v) - 1.0) < 1e-6 for v in got.visits)
        second = got.observations[1]
        assert [m["role"] for m in second.messages] == ["user", "assistant", "user"]
        assert second.messages[2]["content"]  # written by the user-simulator model
        assert upstream.received, "the search must have tried the cloud model"
        state = env.reset(0)
        first = env.step(state, 1)
        assert 0.0 <= first.quality <= 1.0 and first.cost > 0
        t0 = time.perf_counter()
        assert env.step(state, 1) is first  # memoised: a search never pays twice for a branch
        assert time.perf_counter() - t0 < 0.01
