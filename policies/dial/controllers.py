"""Turn-level controllers that act on an environment state, and the episode runner that scores them.

The baselines live here: always-strong, always-weak, random, the myopic single-turn router (the best
possible one: it knows each model's immediate reward exactly, by one-step lookahead) and online MCTS
(the upper bound: it searches the true environment at every turn).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from policies.dial.env import DialEnv
from policies.dial.mcts import MCTS, SearchConfig


class Controller(Protocol):
    name: str

    def act(self, env: DialEnv, state: Any) -> int: ...


class Fixed:
    def __init__(self, name: str, action: int) -> None:
        self.name, self.action = name, action

    def act(self, env: DialEnv, state: Any) -> int:
        return self.action


class RandomMix:
    """Picks the strong model with probability p_strong, else the weak one (p=None: uniform over all)."""

    def __init__(self, seed: int = 0, p_strong: float | None = None, name: str = "random") -> None:
        self.name, self.p_strong = name, p_strong
        self.rng = np.random.default_rng(seed)

    def act(self, env: DialEnv, state: Any) -> int:
        if self.p_strong is None:
            return int(self.rng.integers(env.n_actions))
        return env.strongest() if self.rng.random() < self.p_strong else env.weakest()


class Myopic:
    """Maximises this turn's reward (quality - lambda x cost) and ignores the future."""

    name = "myopic"

    def act(self, env: DialEnv, state: Any) -> int:
        rewards = [env.step(state, a).reward for a in range(env.n_actions)]
        return int(np.argmax(rewards))


class OnlineMCTS:
    name = "mcts"

    def __init__(self, config: SearchConfig, seed: int = 0) -> None:
        self.config, self.seed = config, seed

    def act(self, env: DialEnv, state: Any) -> int:
        return MCTS(env, self.config, seed=self.seed).search(state).best()


@dataclass
class Episode:
    reward: float = 0.0
    cost: float = 0.0
    success: bool = False
    turns: int = 0
    good_turns: int = 0
    actions: list[int] = field(default_factory=list)
    decision_ms: list[float] = field(default_factory=list)


def run_episode(env: DialEnv, controller: Controller, seed: int, good_threshold: float = 0.6) -> Episode:
    state = env.reset(seed)
    ep = Episode()
    while not env.done(state):
        t0 = time.perf_counter()
        action = controller.act(env, state)
        ep.decision_ms.append((time.perf_counter() - t0) * 1000.0)
        tr = env.step(state, action)
        ep.reward += tr.reward
        ep.cost += tr.cost
        ep.turns += 1
        ep.good_turns += int(tr.quality >= good_threshold)
        ep.actions.append(action)
        if tr.done:
            ep.success = bool(tr.success)
        state = tr.state
    return ep
