"""MT-Bench two-turn replay (RouteLLM's GPT-4 judgements of GPT-4-1106 and Mixtral-8x7B, scores 1-10 per turn).

Each of the 80 questions is a two-turn dialogue; a router picks a model per turn and receives that
model's judged score for that turn / 10 minus lambda x cost (GPT-4 = 1 cost unit per turn, Mixtral =
0.05, roughly their 2024 per-token price ratio). Approximation: the data only holds each model's own
two-turn conversation, so after a switch the turn-2 score is the turn-2 model's score in its own
conversation (carry-over from the other model's first answer is not observed). Success = both turns
scored >= 8. Policies are evaluated with k-fold cross-validation over questions: DialRouter is trained
(search on the training questions, text features) per fold; the myopic router is a per-turn kNN
score predictor trained on the same fold; online MCTS searches the true scores (an oracle bound).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from policies.base import message_text
from policies.dial.controllers import Episode, Fixed, OnlineMCTS, RandomMix, run_episode
from policies.dial.env import DialEnv, ModelSpec, Observation, Transition
from policies.dial.mcts import SearchConfig
from policies.dial.policy import DialRouterPolicy
from policies.dial.train import TrainConfig, train

MODELS = (("mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b", 0.05), ("gpt-4-1106-preview", "gpt-4-1106", 1.0))
GOOD = 8.0


@dataclass(frozen=True)
class Dialogue:
    question_id: int
    category: str
    turns: tuple[str, str]
    scores: tuple[tuple[float, float], ...]  # [model][turn], 1-10


def load(directory: str | Path) -> list[Dialogue]:
    directory = Path(directory)
    questions = {}
    for line in (directory / "question.jsonl").read_text().splitlines():
        if line.strip():
            q = json.loads(line)
            questions[q["question_id"]] = q
    scores: dict[tuple[int, str, int], float] = {}
    for line in (directory / "judgements.jsonl").read_text().splitlines():
        if line.strip():
            j = json.loads(line)
            if j.get("score", -1) >= 0:
                scores[(j["question_id"], j["model"], j["turn"])] = float(j["score"])
    out = []
    for qid, q in sorted(questions.items()):
        try:
            table = tuple(tuple(scores[(qid, m, t)] for t in (1, 2)) for m, _, _ in MODELS)
        except KeyError:
            continue
        out.append(Dialogue(qid, q.get("category", ""), (q["turns"][0], q["turns"][1]), table))
    return out


@dataclass(frozen=True)
class ReplayState:
    index: int
    turn: int = 0
    prev: int = -1
    cost: float = 0.0
    scores: tuple[float, ...] = ()


class ReplayEnv(DialEnv):
    name = "mtbench-replay"

    def __init__(self, dialogues: list[Dialogue], lam: float = 0.3) -> None:
        self.dialogues = dialogues
        self.lam = lam
        self.models = [ModelSpec(short, "cloud", cost) for _, short, cost in MODELS]

    def reset(self, seed: int) -> ReplayState:
        return ReplayState(index=seed % len(self.dialogues))

    def step(self, state: ReplayState, action: int) -> Transition:
        score = self.dialogues[state.index].scores[action][state.turn]
        cost = self.models[action].turn_cost
        nxt = replace(state, turn=state.turn + 1, prev=action, cost=state.cost + cost, scores=state.scores + (score,))
        done = nxt.turn >= 2
        return Transition(nxt, score / 10.0 - self.lam * cost, done, score / 10.0, cost,
                          success=all(s >= GOOD for s in nxt.scores) if done else None)

    def done(self, state: ReplayState) -> bool:
        return state.turn >= 2

    def observe(self, state: ReplayState) -> Observation:
        d = self.dialogues[state.index]
        messages: list[dict[str, Any]] = [{"role": "user", "content": d.turns[0]}]
        if state.turn >= 1:
            messages += [{"role": "assistant", "content": ""}, {"role": "user", "content": d.turns[1]}]
        return Observation(tuple(messages), state.turn, state.cost, None if state.prev < 0 else state.prev)


def make_replay(dialogues: list[Dialogue], lam: float) -> ReplayEnv:
    return ReplayEnv(dialogues, lam)


class LearnedMyopic:
    """Single-turn router: predicts each model's score for this turn from the k nearest training turns."""

    name = "myopic"

    def __init__(self, train: list[Dialogue], encoder: Any, k: int = 5) -> None:
        self.encoder, self.k = encoder, k
        self.x = [encoder.encode([d.turns[t] for d in train]) for t in (0, 1)]
        self.y = [np.array([[d.scores[m][t] for m in range(len(MODELS))] for d in train]) for t in (0, 1)]

    def act(self, env: DialEnv, state: Any) -> int:
        obs = env.observe(state)
        text = message_text([m for m in obs.messages if m["role"] == "user"][-1])
        t = min(obs.turn, 1)
        sims = self.x[t] @ self.encoder.encode([text])[0]
        near = np.argsort(-sims)[:self.k]
        predicted = self.y[t][near].mean(0)
        return int(np.argmax(predicted / 10.0 - env.lam * np.array([m.turn_cost for m in env.models])))


def _summary(episodes: list[Episode]) -> dict[str, float]:
    decisions = np.concatenate([e.decision_ms for e in episodes])
    return {"reward": float(np.mean([e.reward for e in episodes])),
            "success": float(np.mean([e.success for e in episodes])),
            "cost": float(np.mean([e.cost for e in episodes])),
            "strong_share": float(np.mean([a == 1 for e in episodes for a in e.actions])),
            "decision_ms_p50": float(np.percentile(decisions, 50)), "episodes": len(episodes)}


def evaluate(data_dir: str | Path, out_dir: str | Path, lam: float = 0.3, folds: int = 4, seed: int = 0,
             budget: int = 16, progress: bool = False) -> dict[str, Any]:
    from policies.encoder import shared_encoder

    dialogues = load(data_dir)
    if len(dialogues) < folds * 2:
        raise ValueError(f"only {len(dialogues)} complete dialogues in {data_dir}")
    order = np.random.default_rng(seed).permutation(len(dialogues))
    encoder = shared_encoder()
    episodes: dict[str, list[Episode]] = {k: [] for k in
                                          ("dialrouter", "myopic", "mcts", "always_strong", "always_weak", "random")}
    for fold in range(folds):
        test_idx = set(order[fold::folds].tolist())
        train_d = [d for i, d in enumerate(dialogues) if i not in test_idx]
        test_d = [d for i, d in enumerate(dialogues) if i in test_idx]
        cfg = TrainConfig(episodes=len(train_d) * 3, budget=budget, workers=1, seed=seed + fold, features="text",
                          rollout="random", epsilon=0.3, epochs=60, hidden=64, k=8, val_episodes=len(train_d))
        out = Path(out_dir) / f"fold{fold}"
        train(functools.partial(make_replay, train_d, lam), {"name": "mtbench-replay", "fold": fold}, out, cfg,
              progress=progress, log=lambda _: None)
        policy = DialRouterPolicy.load(out)
        env = ReplayEnv(test_d, lam)
        controllers = {"dialrouter": policy, "myopic": LearnedMyopic(train_d, encoder),
                       "mcts": OnlineMCTS(SearchConfig(budget=budget, rollout="random"), seed=seed),
                       "always_strong": Fixed("always_strong", 1), "always_weak": Fixed("always_weak", 0),
                       "random": RandomMix(seed + fold)}
        for name, controller in controllers.items():
            episodes[name] += [run_episode(env, controller, i) for i in range(len(test_d))]
    return {"env": "mtbench-replay", "lambda": lam, "folds": folds, "dialogues": len(dialogues),
            "note": __doc__.split("\n\n")[0].strip(), "policies": {k: _summary(v) for k, v in episodes.items()}}
