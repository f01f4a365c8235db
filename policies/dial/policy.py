"""DialRouter: decides each turn of a conversation without search, from a distilled network blended
with retrieved action values of similar searched states.

score(a) = log pi(a | s) + beta * Qhat(s, a) / q_scale,  Qhat = gamma * Q_knn + (1 - gamma) * Q_net
(Q_net fills in where no neighbour tried the action). beta and gamma are chosen on validation
dialogues at training time and stored in the artifact's card.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from policies.base import Decision, ModelCard, Policy, RouteRequest, Scored
from policies.dial import net as netlib
from policies.dial.env import DialEnv, ModelSpec, Observation
from policies.dial.features import Featurizer, make_featurizer
from policies.dial.knn import ActionValueIndex

CARD = "card.json"
WEIGHTS = "policy.pt"
INDEX = "knn.npz"


@dataclass
class ActionScores:
    probs: np.ndarray  # distilled policy
    q_net: np.ndarray  # value head's action values
    q_knn: np.ndarray  # retrieved action values (nan where unknown)
    q: np.ndarray  # blended action values
    score: np.ndarray  # final ranking score
    knn_distance: float

    def best(self) -> int:
        return int(np.argmax(self.score))


class DialRouterPolicy(Policy):
    name = "dialrouter"
    blocking = True  # a torch forward pass, and text features embed the dialogue

    def __init__(self, network: netlib.PolicyValueNet, index: ActionValueIndex | None, card: dict[str, Any],
                 featurizer: Featurizer | None = None) -> None:
        self.net = network
        self.index = index
        self.card = card
        self.models = [ModelSpec(**m) for m in card["models"]]
        self.beta = float(card.get("beta", 0.0))
        self.gamma = float(card.get("gamma", 1.0))
        self.q_scale = float(network.q_scale)
        self.featurizer = featurizer or make_featurizer(card["features"], len(self.models), card["cost_scale"])

    # --- artifact ---------------------------------------------------------------------------
    @classmethod
    def load(cls, directory: str | Path, featurizer: Featurizer | None = None, **overrides: float) -> "DialRouterPolicy":
        """`overrides` (beta, gamma) replace the blend weights chosen at training time."""
        directory = Path(directory)
        card = json.loads((directory / CARD).read_text())
        unknown = set(overrides) - {"beta", "gamma"}
        if unknown:
            raise ValueError(f"dialrouter accepts beta and gamma overrides, not {sorted(unknown)}")
        card.update(overrides)
        index = ActionValueIndex.load(str(directory / INDEX)) if (directory / INDEX).exists() else None
        return cls(netlib.load(str(directory / WEIGHTS)), index, card, featurizer)

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        netlib.save(self.net, str(directory / WEIGHTS))
        if self.index is not None:
            self.index.save(str(directory / INDEX))
        self.card["beta"], self.card["gamma"] = self.beta, self.gamma
        (directory / CARD).write_text(json.dumps(self.card, indent=2, sort_keys=True))

    # --- scoring ----------------------------------------------------------------------------
    def evaluate_features(self, x: np.ndarray) -> ActionScores:
        probs, q_net, _ = self.net.predict(x)
        probs, q_net = probs[0], q_net[0]
        q_knn, dist = (self.index.query(x) if self.index is not None
                       else (np.full(len(probs), np.nan), float("nan")))
        q = np.where(np.isnan(q_knn), q_net, self.gamma * np.nan_to_num(q_knn) + (1 - self.gamma) * q_net)
        score = np.log(np.maximum(probs, 1e-9)) + self.beta * q / max(self.q_scale, 1e-9)
        return ActionScores(probs, q_net, q_knn, q, score, dist)

    def evaluate(self, obs: Observation) -> ActionScores:
        return self.evaluate_features(self.featurizer(obs))

    def act(self, env: DialEnv, state: Any) -> int:
        """Controller interface for the evaluation harness: decide from the observation only."""
        return self.evaluate(env.observe(state)).best()

    # --- gateway ----------------------------------------------------------------------------
    def observation(self, request: RouteRequest, mapping: dict[str, int] | None = None) -> Observation:
        """Rebuild the router's view from the request's messages and the session's routing state
        (`session["models"]`: who answered each earlier turn, by gateway name or artifact name)."""
        session = request.session or {}
        names = {m.name: i for i, m in enumerate(self.models)}
        names.update(mapping or {})
        used = [names.get(n) for n in session.get("models") or []]
        cost = sum(self.models[a].turn_cost for a in used if a is not None)
        turn = int(session.get("turn") or sum(1 for m in request.messages if m.get("role") == "assistant"))
        compact = (session.get("state") or {}).get("compact", session.get("compact"))
        return Observation(messages=tuple(request.messages), turn=turn, cost_so_far=float(cost),
                           prev_action=used[-1] if used else None,
                           compact=tuple(compact) if compact is not None else None)

    def action_for(self, models: list[ModelCard]) -> dict[str, int]:
        """Map available models onto the artifact's actions: same name, else same tier by price rank
        (a lone local model takes the cheapest local action, a lone cloud model the dearest)."""
        names = [m.name for m in self.models]
        out = {c.name: names.index(c.name) for c in models if c.name in names}
        by_cost = sorted(range(len(self.models)), key=lambda i: self.models[i].turn_cost)
        for local in (True, False):
            cards = sorted((c for c in models if (c.tier == "local") == local and c.name not in out),
                           key=lambda c: c.input_price + c.output_price)
            actions = [i for i in by_cost if (self.models[i].tier == "local") == local] or by_cost
            for rank, card in enumerate(cards):
                frac = (0.0 if local else 1.0) if len(cards) == 1 else rank / (len(cards) - 1)
                out[card.name] = actions[round(frac * (len(actions) - 1))]
        return out

    def decide(self, request: RouteRequest, models: list[ModelCard]) -> Decision:
        if request.local_only:
            models = [m for m in models if m.tier == "local"] or models
        mapping = self.action_for(models)
        obs = self.observation(request, mapping)
        scores = self.evaluate(obs)
        raw = np.array([scores.score[mapping[c.name]] for c in models])
        weights = np.exp(raw - raw.max())
        prob = dict(zip((c.name for c in models), weights / weights.sum()))
        ranked = sorted(models, key=lambda c: -prob[c.name])
        values = {self.models[a].name: round(float(v), 4) for a, v in enumerate(scores.q)}
        knob = {"beta": self.beta, "gamma": self.gamma, "lambda": float(self.card.get("lambda", 0.0))}
        knob.update({f"q:{c.name}": float(scores.q[mapping[c.name]]) for c in models})
        return Decision(ranked=[Scored(c.name, float(prob[c.name])) for c in ranked], policy=self.name,
                        knob=knob, reason=json.dumps({"action_values": values, "turn": obs.turn, "cost_so_far": obs.cost_so_far,
                                          "prev_model": ((request.session or {}).get("models") or [None])[-1]}))
