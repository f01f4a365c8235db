"""A documented dialogue SIMULATOR for fast, reproducible multi-turn routing experiments.

It is a simulator, not real models: every number below is an explicit, editable parameter, and
results from it must be reported as simulator results.

Per turn t of a dialogue of type k, model m answers with quality

    q = clip(competence[k][m] - difficulty_t - vulnerability[m] * (1 - health), 0, 1)

`health` in [0, 1] is how well the conversation is going. A poor answer (q < threshold) derails it:
health -= fragility[k]; a good answer lets it recover: health += recovery (capped at 1). A derailed
dialogue hurts weak models more than strong ones (vulnerability), which is the delayed effect a
myopic router cannot see: a cheap answer early can force dear answers later.

Reward of a turn = turn_weight * q - lambda * turn_cost[m]; on the last turn the goal is fulfilled
when at least goal_fraction of the turns were good, adding goal_bonus. The horizon and the future
turns' difficulties are hidden from routers; the current turn's difficulty, the dialogue type, the
turn index, cost so far, previous model and health are observable (a router reading the
conversation sees its type, how hard the user's message is, and whether earlier answers went well).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from policies.dial.env import DialEnv, ModelSpec, Observation, Transition


@dataclass(frozen=True)
class SimModel:
    name: str
    tier: str
    turn_cost: float  # cost units per answer (the strongest model costs 1)
    vulnerability: float  # how much a derailed dialogue (1 - health) lowers this model's quality


@dataclass(frozen=True)
class DialogueType:
    name: str
    competence: dict[str, float]  # model name -> base quality on this type
    fragility: float  # health lost after a poor answer
    difficulty: tuple[float, ...]  # per-turn difficulty profile; the last value repeats
    turns: tuple[int, int]  # horizon range, inclusive (hidden from routers)
    weight: float = 1.0  # sampling weight
    openers: tuple[str, ...] = ()  # user messages for text features (our own templates)


@dataclass(frozen=True)
class SimConfig:
    models: tuple[SimModel, ...]
    types: tuple[DialogueType, ...]
    threshold: float = 0.6  # quality below this is a poor answer
    recovery: float = 0.1
    difficulty_noise: float = 0.05  # per-dialogue jitter of the difficulty profile
    turn_weight: float = 1.0
    goal_bonus: float = 1.0
    goal_fraction: float = 0.8
    lam: float = 0.45

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SimConfig":
        models = tuple(SimModel(**m) for m in data["models"])
        types = tuple(DialogueType(**{**t, "difficulty": tuple(t["difficulty"]), "turns": tuple(t["turns"]),
                                      "openers": tuple(t.get("openers", ()))}) for t in data["types"])
        rest = {k: v for k, v in data.items() if k not in ("models", "types")}
        return cls(models=models, types=types, **rest)

    @classmethod
    def load(cls, path: str | Path) -> "SimConfig":
        return cls.from_json(json.loads(Path(path).read_text()))


def default_config(lam: float = 0.45) -> SimConfig:
    """Three models (free local SLM, mid-priced, dear cloud LLM) and five dialogue types."""
    models = (
        SimModel("local-slm", "local", 0.0, vulnerability=1.0),
        SimModel("mid-llm", "cloud", 0.35, vulnerability=0.6),
        SimModel("cloud-llm", "cloud", 1.0, vulnerability=0.2),
    )
    types = (
        DialogueType("chit-chat", {"local-slm": 0.78, "mid-llm": 0.85, "cloud-llm": 0.92}, fragility=0.15,
                     difficulty=(0.05,), turns=(3, 6), weight=1.0,
                     openers=("hey, how was your weekend?", "tell me something fun about cats",
                              "what should I cook tonight?", "any tips for a rainy sunday?")),
        DialogueType("coding", {"local-slm": 0.72, "mid-llm": 0.82, "cloud-llm": 0.95}, fragility=0.5,
                     difficulty=(0.14, 0.04, 0.04, 0.08, 0.04), turns=(4, 8), weight=1.0,
                     openers=("write a python function that parses ISO dates and test it",
                              "my rust borrow checker complains about this loop, help",
                              "design a REST API for a todo app with auth",
                              "refactor this javascript class to use async/await")),
        DialogueType("math", {"local-slm": 0.62, "mid-llm": 0.78, "cloud-llm": 0.94}, fragility=0.6,
                     difficulty=(0.08, 0.08, 0.12), turns=(3, 6), weight=1.0,
                     openers=("prove that the square root of 2 is irrational",
                              "solve this integral step by step: x^2 e^x dx",
                              "how many ways can 8 rooks be placed on a chessboard?",
                              "explain eigenvalues with a worked 2x2 example")),
        DialogueType("support", {"local-slm": 0.74, "mid-llm": 0.82, "cloud-llm": 0.9}, fragility=0.35,
                     difficulty=(0.04, 0.04, 0.16, 0.04), turns=(4, 7), weight=1.0,
                     openers=("my order arrived damaged, what can I do?",
                              "I was charged twice for my subscription",
                              "the app logs me out every few minutes",
                              "how do I transfer my account to a new phone?")),
        DialogueType("domain-qa", {"local-slm": 0.6, "mid-llm": 0.76, "cloud-llm": 0.94}, fragility=0.45,
                     difficulty=(0.06, 0.1), turns=(3, 5), weight=1.0,
                     openers=("what are the side effects of combining ibuprofen and aspirin?",
                              "can my landlord keep my deposit for normal wear and tear?",
                              "explain how a Roth IRA conversion is taxed",
                              "what does a high ferritin level in a blood test mean?")),
    )
    return SimConfig(models=models, types=types, lam=lam)


@dataclass(frozen=True)
class SimState:
    kind: int
    horizon: int  # hidden
    difficulty: tuple[float, ...]  # hidden beyond the current turn
    variant: int  # picks the template texts of this dialogue
    turn: int = 0
    health: float = 1.0
    prev: int = -1
    cost: float = 0.0
    good: int = 0
    last_quality: float = -1.0  # -1 before the first answer
    models_used: tuple[int, ...] = field(default=())


class SimEnv(DialEnv):
    """The simulator as a `DialEnv`. Transitions are deterministic given the episode seed."""

    name = "sim"

    def __init__(self, config: SimConfig | None = None, lam: float | None = None) -> None:
        config = config or default_config()
        if lam is not None:
            config = replace(config, lam=lam)
        self.config = config
        self.lam = config.lam
        self.models = [ModelSpec(m.name, m.tier, m.turn_cost) for m in config.models]
        self._competence = np.array([[t.competence[m.name] for m in config.models] for t in config.types])
        self._vulnerability = np.array([m.vulnerability for m in config.models])
        self._weights = np.array([t.weight for t in config.types], dtype=float)
        self._weights /= self._weights.sum()

    def reset(self, seed: int) -> SimState:
        rng = np.random.default_rng(seed)
        kind = int(rng.choice(len(self.config.types), p=self._weights))
        spec = self.config.types[kind]
        horizon = int(rng.integers(spec.turns[0], spec.turns[1] + 1))
        profile = [spec.difficulty[min(t, len(spec.difficulty) - 1)] for t in range(horizon)]
        jitter = rng.normal(0.0, self.config.difficulty_noise, size=horizon)
        difficulty = tuple(float(np.clip(p + j, -0.1, 0.6)) for p, j in zip(profile, jitter))
        return SimState(kind=kind, horizon=horizon, difficulty=difficulty, variant=int(rng.integers(1 << 30)))

    def quality(self, state: SimState, action: int) -> float:
        q = (self._competence[state.kind, action] - state.difficulty[state.turn]
             - self._vulnerability[action] * (1.0 - state.health))
        return float(min(1.0, max(0.0, q)))

    def step(self, state: SimState, action: int) -> Transition:
        if self.done(state):
            raise ValueError("dialogue already ended")
        cfg = self.config
        q = self.quality(state, action)
        good = q >= cfg.threshold
        if good:
            health = min(1.0, state.health + cfg.recovery)
        else:
            health = max(0.0, state.health - cfg.types[state.kind].fragility)
        cost = self.models[action].turn_cost
        reward = cfg.turn_weight * q - cfg.lam * cost
        nxt = replace(state, turn=state.turn + 1, health=health, prev=action, cost=state.cost + cost,
                      good=state.good + int(good), last_quality=q, models_used=state.models_used + (action,))
        success = None
        if nxt.turn >= nxt.horizon:
            success = nxt.good >= cfg.goal_fraction * nxt.horizon - 1e-9
            reward += cfg.goal_bonus * float(success)
        return Transition(state=nxt, reward=reward, done=nxt.turn >= nxt.horizon, quality=q, cost=cost,
                          success=success)

    def done(self, state: SimState) -> bool:
        return state.turn >= state.horizon

    def observe(self, state: SimState) -> Observation:
        return Observation(messages=tuple(self.messages(state)), turn=state.turn, cost_so_far=state.cost,
                           prev_action=None if state.prev < 0 else state.prev, compact=self.compact(state))

    def compact(self, state: SimState) -> tuple[float, ...]:
        """Observable features: type one-hot, turn, cost so far, previous model, health, difficulty, last poor."""
        kinds = [0.0] * len(self.config.types)
        kinds[state.kind] = 1.0
        prev = [0.0] * (len(self.models) + 1)
        prev[state.prev + 1] = 1.0
        current = state.difficulty[state.turn] if state.turn < state.horizon else 0.0
        last_poor = float(0.0 <= state.last_quality < self.config.threshold)
        return tuple(kinds + [state.turn / 8.0, state.cost / (8.0 * self.cost_scale())] + prev
                     + [state.health, current * 4.0, last_poor])

    def messages(self, state: SimState) -> list[dict[str, Any]]:
        """A templated transcript (our own texts) so text features can be trained in the simulator too."""
        spec = self.config.types[state.kind]
        openers = spec.openers or (spec.name,)
        out: list[dict[str, Any]] = [{"role": "user", "content": openers[state.variant % len(openers)]}]
        for t, action in enumerate(state.models_used):
            out.append({"role": "assistant", "content": f"(answer by {self.models[action].name})"})
            if t + 1 < state.horizon:
                follow = "that is not right, try again. " if state.last_quality < self.config.threshold \
                    and t + 1 == len(state.models_used) else ""
                out.append({"role": "user", "content": f"{follow}follow-up {t + 1} on: "
                            + openers[(state.variant + t + 1) % len(openers)]})
        return out
