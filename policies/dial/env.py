"""The multi-turn routing environment contract shared by the simulator, the replay and the live env.

State = the dialogue so far plus the user's goal; action = index of a candidate model; transition =
that model's reply followed by the next user turn; reward = per-turn (and, at the end, final) goal
fulfilment minus lambda x cost. States are immutable values so a tree search can branch from any of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ModelSpec:
    """A candidate model as an environment knows it: name, tier and expected cost of one turn."""

    name: str
    tier: str = "cloud"  # "local" | "cloud"
    turn_cost: float = 0.0  # expected cost of one answer, in the env's cost unit


@dataclass(frozen=True)
class Observation:
    """What a router may see before choosing the model for the current turn (no hidden env state)."""

    messages: tuple[dict[str, Any], ...]  # the dialogue so far, ending with the user's current turn
    turn: int
    cost_so_far: float
    prev_action: int | None  # index of the model that answered the previous turn
    compact: tuple[float, ...] | None = None  # env-specific compact features (the simulator's)


@dataclass(frozen=True)
class Transition:
    state: Any
    reward: float  # fulfilment gained this turn (plus the final bonus on the last turn) - lambda x cost
    done: bool
    quality: float  # judged quality of this turn's answer in [0, 1]
    cost: float  # cost of this turn's answer
    success: bool | None = None  # goal fulfilled; set on the last turn only
    info: dict[str, Any] = field(default_factory=dict)


class DialEnv(ABC):
    """One dialogue episode per `reset(seed)`; `step` never mutates its input state."""

    name: str = "env"
    models: list[ModelSpec]
    lam: float  # lambda: reward units per cost unit

    @abstractmethod
    def reset(self, seed: int) -> Any:
        """The opening state of episode `seed` (same seed, same dialogue)."""

    @abstractmethod
    def step(self, state: Any, action: int) -> Transition:
        """Let model `action` answer the current turn and advance to the next user turn."""

    @abstractmethod
    def observe(self, state: Any) -> Observation:
        """The router's view of `state`."""

    @abstractmethod
    def done(self, state: Any) -> bool:
        """True once the dialogue has ended."""

    @property
    def n_actions(self) -> int:
        return len(self.models)

    def cost_scale(self) -> float:
        """Cost of the dearest model's turn: the unit features normalise cost with."""
        return max((m.turn_cost for m in self.models), default=1.0) or 1.0

    def strongest(self) -> int:
        """Index of the dearest model (the 'always strong' baseline)."""
        return int(np.argmax([m.turn_cost for m in self.models]))

    def weakest(self) -> int:
        """Index of the cheapest model (the 'always weak' baseline)."""
        return int(np.argmin([m.turn_cost for m in self.models]))
