"""Monte Carlo Tree Search over model choices per turn (UCT, or PUCT when a prior is given).

The tree branches on the model that answers each turn; environment transitions are deterministic
given a state, so a child is the state its action leads to. Q values are normalised to [0, 1] with
the min/max seen in the tree, so one exploration constant works for any reward scale.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from policies.dial.env import DialEnv

PriorFn = Callable[[Any], np.ndarray]  # state -> action probabilities
ValueFn = Callable[[Any], float]  # state -> estimated return from here on


@dataclass(frozen=True)
class SearchConfig:
    budget: int = 128  # simulations per decision
    c: float = 1.4  # exploration constant
    depth: int = 12  # maximum tree depth below the root
    rollout: str = "random"  # leaf evaluation: "random" or "greedy" (one-step lookahead) rollouts
    rollout_depth: int = 12  # steps a rollout may take beyond the tree


@dataclass
class SearchResult:
    visits: np.ndarray  # visit distribution over actions at the root (sums to 1)
    counts: np.ndarray  # raw visit counts
    q: np.ndarray  # mean return per root action (nan where unvisited)
    value: float  # visit-weighted value of the root

    def best(self) -> int:
        return int(np.argmax(self.counts + 1e-9 * np.nan_to_num(self.q, nan=-1e9)))


@dataclass
class _Node:
    state: Any
    n_actions: int
    prior: np.ndarray | None = None
    n: np.ndarray = field(init=False)
    w: np.ndarray = field(init=False)
    children: dict[int, "_Node"] = field(default_factory=dict)
    rewards: dict[int, float] = field(default_factory=dict)
    terminal: dict[int, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.n = np.zeros(self.n_actions)
        self.w = np.zeros(self.n_actions)


class _MinMax:
    def __init__(self) -> None:
        self.lo, self.hi = math.inf, -math.inf

    def update(self, value: float) -> None:
        self.lo, self.hi = min(self.lo, value), max(self.hi, value)

    def norm(self, value: np.ndarray) -> np.ndarray:
        if self.hi > self.lo:
            return (value - self.lo) / (self.hi - self.lo)
        return np.full_like(value, 0.5)


class MCTS:
    """Search from a root state of `env`; `prior` switches UCT to PUCT, `value` replaces rollouts."""

    def __init__(self, env: DialEnv, config: SearchConfig | None = None, prior: PriorFn | None = None,
                 value: ValueFn | None = None, seed: int = 0) -> None:
        self.env = env
        self.config = config or SearchConfig()
        self.prior = prior
        self.value = value
        self.rng = np.random.default_rng(seed)

    def search(self, state: Any) -> SearchResult:
        if self.env.done(state):
            raise ValueError("cannot search from a finished dialogue")
        root = self._node(state)
        bounds = _MinMax()
        for _ in range(self.config.budget):
            self._simulate(root, bounds)
        q = np.where(root.n > 0, root.w / np.maximum(root.n, 1), np.nan)
        counts = root.n.copy()
        visits = counts / counts.sum()
        value = float(np.nansum(visits * np.nan_to_num(q)))
        return SearchResult(visits=visits, counts=counts, q=q, value=value)

    def _node(self, state: Any) -> _Node:
        prior = self.prior(state) if self.prior is not None else None
        return _Node(state, self.env.n_actions, prior)

    def _select(self, node: _Node, bounds: _MinMax) -> int:
        unvisited = np.flatnonzero(node.n == 0)
        if node.prior is None and len(unvisited):
            return int(self.rng.choice(unvisited))
        total = node.n.sum()
        q = bounds.norm(np.where(node.n > 0, node.w / np.maximum(node.n, 1), 0.0))
        if node.prior is None:  # UCT
            score = q + self.config.c * np.sqrt(math.log(max(total, 1.0)) / np.maximum(node.n, 1))
        else:  # PUCT
            q = np.where(node.n > 0, q, 0.0)
            score = q + self.config.c * node.prior * math.sqrt(total + 1.0) / (1.0 + node.n)
        best = np.flatnonzero(score >= score.max() - 1e-12)
        return int(self.rng.choice(best))

    def _simulate(self, root: _Node, bounds: _MinMax) -> None:
        path: list[tuple[_Node, int]] = []
        node, depth, ret_leaf = root, 0, 0.0
        while True:
            action = self._select(node, bounds)
            path.append((node, action))
            if action not in node.children:
                tr = self.env.step(node.state, action)
                node.rewards[action] = tr.reward
                node.terminal[action] = tr.done
                node.children[action] = self._node(tr.state) if not tr.done else _Node(tr.state, 0)
                if not tr.done:
                    ret_leaf = self._evaluate(tr.state)
                break
            depth += 1
            if node.terminal[action] or depth >= self.config.depth:
                if not node.terminal[action]:
                    ret_leaf = self._evaluate(node.children[action].state)
                break
            node = node.children[action]
        ret = ret_leaf
        for node, action in reversed(path):
            ret = node.rewards[action] + ret
            node.n[action] += 1
            node.w[action] += ret
            bounds.update(ret)

    def _evaluate(self, state: Any) -> float:
        if self.value is not None:
            return float(self.value(state))
        total, steps = 0.0, 0
        while not self.env.done(state) and steps < self.config.rollout_depth:
            if self.config.rollout == "greedy":
                best = None
                for a in range(self.env.n_actions):
                    tr = self.env.step(state, a)
                    if best is None or tr.reward > best.reward:
                        best = tr
                tr = best
            else:
                tr = self.env.step(state, int(self.rng.integers(self.env.n_actions)))
            total += tr.reward
            state = tr.state
            steps += 1
        return total
