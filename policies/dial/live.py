"""The live environment: real models answer, a user-simulator model plays the user from a goal, and a
judge model scores goal fulfilment against the goal's checklist (as DialRouter's reward does).

The library knows nothing of duet's router: it is given a `chat(model, messages, max_tokens)`
callable returning (text, cost). Model calls are deterministic (temperature 0) and memoised per
(dialogue, action sequence), so a tree search never pays twice for the same branch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from policies.dial.env import DialEnv, ModelSpec, Observation, Transition

Chat = Callable[[str, list[dict[str, Any]], int], tuple[str, float]]


@dataclass(frozen=True)
class Goal:
    name: str
    opener: str
    goal: str  # what the simulated user wants by the end of the dialogue
    checklist: tuple[str, ...]  # what the judge checks


GOALS = (
    Goal("trip", "I want to plan a weekend in Lisbon.", "get a two-day Lisbon itinerary with food tips",
         ("names places to visit", "splits the plan into two days", "recommends food")),
    Goal("python", "How do I read a CSV file in Python?", "read a CSV in Python and compute a column average",
         ("uses the csv module or pandas", "shows code", "computes an average")),
    Goal("email", "Help me write an email asking my manager for a day off.", "a short polite email asking for leave",
         ("is polite", "asks for a specific day off", "is short")),
    Goal("math", "What is 15% of 240?", "the correct value of 15% of 240 (36) and how to compute it",
         ("gives 36", "explains the method")),
    Goal("recipe", "I have eggs, spinach and cheese. What can I cook?", "a simple recipe with those ingredients",
         ("uses eggs, spinach and cheese", "gives steps")),
    Goal("sleep", "I can't sleep well lately. Any advice?", "practical sleep hygiene tips",
         ("gives several concrete tips", "mentions a regular schedule")),
)


@dataclass(frozen=True)
class LiveState:
    goal: int
    turn: int
    horizon: int
    messages: tuple[tuple[str, str], ...]  # (role, content)
    actions: tuple[int, ...] = ()
    cost: float = 0.0
    scores: tuple[float, ...] = ()


class LiveEnv(DialEnv):
    name = "live"

    def __init__(self, candidates: list[ModelSpec], chat: Chat, user_model: str, judge_model: str,
                 lam: float = 0.3, turns: int = 3, max_tokens: int = 96, cost_unit: float | None = None,
                 goals: tuple[Goal, ...] = GOALS) -> None:
        if not candidates:
            raise ValueError("the live env needs at least one candidate model")
        self.models = list(candidates)
        self.chat = chat
        self.user_model, self.judge_model = user_model, judge_model
        self.lam, self.turns, self.max_tokens = lam, turns, max_tokens
        self.cost_unit = cost_unit or self.cost_scale() or 1.0
        self.goals = goals
        self._memo: dict[tuple[int, tuple[int, ...]], Transition] = {}

    def reset(self, seed: int) -> LiveState:
        goal = seed % len(self.goals)
        return LiveState(goal, 0, self.turns, (("user", self.goals[goal].opener),))

    def done(self, state: LiveState) -> bool:
        return state.turn >= state.horizon

    def observe(self, state: LiveState) -> Observation:
        prev = state.actions[-1] if state.actions else None
        return Observation(tuple({"role": r, "content": c} for r, c in state.messages), state.turn, state.cost, prev)

    def step(self, state: LiveState, action: int) -> Transition:
        key = (state.goal, state.actions + (action,))
        if key in self._memo:
            return self._memo[key]
        messages = [{"role": r, "content": c} for r, c in state.messages]
        answer, cost = self.chat(self.models[action].name, messages, self.max_tokens)
        history = state.messages + (("assistant", answer),)
        quality = self.judge(state.goal, history)
        done = state.turn + 1 >= state.horizon
        if not done:
            history = history + (("user", self.next_user_turn(state.goal, history)),)
        nxt = replace(state, turn=state.turn + 1, messages=history, actions=state.actions + (action,),
                      cost=state.cost + cost, scores=state.scores + (quality,))
        reward = quality - self.lam * cost / self.cost_unit
        success = None
        if done:
            success = sum(nxt.scores) / len(nxt.scores) >= 0.7
            reward += float(success)
        tr = Transition(nxt, reward, done, quality, cost, success)
        self._memo[key] = tr
        return tr

    def judge(self, goal: int, history: tuple[tuple[str, str], ...]) -> float:
        """Share of checklist items the judge model says the latest answer meets (0 to 1)."""
        g = self.goals[goal]
        items = "\n".join(f"{i + 1}. {c}" for i, c in enumerate(g.checklist))
        prompt = [{"role": "system", "content": "You are a strict judge. Reply with one number only."},
                  {"role": "user", "content": f"User goal: {g.goal}\nAnswer:\n{history[-1][1][:1500]}\n\n"
                                              f"Checklist:\n{items}\nHow many checklist items does the answer meet? "
                                              f"Reply with a number from 0 to {len(g.checklist)}."}]
        text, _ = self.chat(self.judge_model, prompt, 8)
        found = re.search(r"\d+", text)
        met = min(len(g.checklist), int(found.group())) if found else 0
        return met / len(g.checklist)

    def next_user_turn(self, goal: int, history: tuple[tuple[str, str], ...]) -> str:
        g = self.goals[goal]
        transcript = "\n".join(f"{r}: {c[:400]}" for r, c in history[-4:])
        prompt = [{"role": "system", "content": f"You play a user whose goal is: {g.goal}. Write the user's next "
                                                "short message (one or two sentences), nothing else."},
                  {"role": "user", "content": transcript}]
        text, _ = self.chat(self.user_model, prompt, 48)
        return text.strip() or "Can you say more?"
