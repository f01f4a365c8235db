"""Distillation + retrieval: a policy trained on search data beats the myopic router in the simulator,
decides without search, and round-trips through its artifact directory."""

import functools

import numpy as np
import pytest

from policies.base import ModelCard, RouteRequest
from policies.dial.knn import ActionValueIndex
from policies.dial.controllers import Myopic, run_episode
from policies.dial.policy import DialRouterPolicy
from policies.dial.sim_factory import make_sim
from policies.dial.store import TrajectoryStore
from policies.dial.train import TrainConfig, train

HELD_OUT = range(90_000, 90_150)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("dial") / "policy"
    cfg = TrainConfig(episodes=80, budget=32, workers=1, seed=3, epochs=30, val_episodes=40)
    card = train(functools.partial(make_sim, None, None), {"name": "sim"}, out, cfg, progress=False, log=lambda _: None)
    return out, card


def mean_reward(env, controller):
    return float(np.mean([run_episode(env, controller, s).reward for s in HELD_OUT]))


def test_distilled_policy_beats_myopic(trained):
    out, _ = trained
    env = make_sim()
    policy = DialRouterPolicy.load(out)
    ours, myopic = mean_reward(env, policy), mean_reward(env, Myopic())
    assert ours > myopic * 1.03, (ours, myopic)


def test_retrieval_index_answers_from_searched_states(trained):
    out, _ = trained
    policy = DialRouterPolicy.load(out)
    data = TrajectoryStore(out / "trajectories.sqlite").dataset()
    exact = ActionValueIndex(data.features, data.q, k=1)
    for i in (0, 7, 33):
        values, distance = exact.query(data.features[i])
        assert distance == pytest.approx(0.0, abs=1e-2)
        known = ~np.isnan(data.q[i])
        np.testing.assert_allclose(values[known], data.q[i][known], rtol=1e-5)
    _, near = policy.index.query(data.features[0])
    _, far = policy.index.query(data.features[0] + 5.0)
    assert near < far


def test_artifact_round_trip_and_decide(trained):
    out, card = trained
    policy = DialRouterPolicy.load(out)
    assert card["states"] > 80 and 0.0 <= card["fit"]["top1_agreement"] <= 1.0
    env = make_sim()
    state = env.reset(5)
    obs = env.observe(state)
    request = RouteRequest(messages=list(obs.messages), session={"turn": 0, "models": [], "compact": list(obs.compact)})
    models = [ModelCard("tiny-local", "local"), ModelCard("big-cloud", "cloud", 5.0, 15.0)]
    decision = policy.decide(request, models)
    assert sorted(decision.models) == ["big-cloud", "tiny-local"]
    assert decision.policy == "dialrouter"
    assert sum(s.score for s in decision.ranked) == pytest.approx(1.0, abs=1e-5)
    assert any(k.startswith("q:") for k in decision.knob)


def test_resume_skips_stored_episodes(trained, tmp_path):
    out, _ = trained
    store = TrajectoryStore(out / "trajectories.sqlite")
    before = store.episode_stats()["episodes"]
    assert before == 80
    lines = []
    cfg = TrainConfig(episodes=82, budget=32, workers=1, seed=3, epochs=2, val_episodes=0)
    train(functools.partial(make_sim, None, None), {"name": "sim"}, out, cfg, progress=False, log=lines.append)
    assert "80 of 82" in lines[0]
    assert TrajectoryStore(out / "trajectories.sqlite").episode_stats()["episodes"] == 82
    with pytest.raises(ValueError):  # a different search budget may not mix into the same run
        train(functools.partial(make_sim, None, None), {"name": "sim"}, out,
              TrainConfig(episodes=82, budget=16, seed=3), progress=False, log=lines.append)
