"""Seek-help agent ("Learning to Seek Help", Zeng et al. 2026) as a langgraph graph.

The local SLM works a multi-step task one step at a time. After drafting each step it decides to
continue alone or to ask the LLM one focused question about that step (never the whole task). The
LLM answers with a verdict and, when the step is wrong, a hint; the SLM redrafts with the hint and
stays in charge: the answer is always the SLM's. The ask/continue decision is a confidence rule on
the SLM's token log-probabilities, or a learned policy (agents.seek_help_policy) trained from logs.

    draft -> decide -> (consult -> revise?) -> accept -> draft | finish
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph

from agents.completions import ModelCall, text_of, token_logprobs, usage_of

STEP_SYSTEM = ("Solve the task step by step. Reply with only the next step, one short sentence with the "
               "calculation and its result. When you know the result, reply 'Final answer: <answer>'.")
MENTOR_SYSTEM = ("You check one step of a student's work. Reply 'OK' only if the step states a correct "
                 "calculation that moves toward the answer. Otherwise reply 'FIX:' followed by the correct "
                 "calculation for this one step, in one sentence. Do not solve the rest of the task.")
FINAL_RE = re.compile(r"final answer\s*[:\-]?\s*(.+)", re.I)


def step_features(logprobs: list[float], text: str, index: int, asks_so_far: int) -> dict[str, float]:
    """What the ask/continue decision may look at: the SLM's confidence and where it is in the task."""
    n = len(logprobs)
    mean = sum(logprobs) / n if n else 0.0
    return {
        "mean_logprob": mean,
        "min_logprob": min(logprobs) if n else 0.0,
        "low_share": sum(lp < -2.0 for lp in logprobs) / n if n else 0.0,
        "tokens": float(n),
        "step_index": float(index),
        "has_number": float(bool(re.search(r"\d", text))),
        "has_operator": float(bool(re.search(r"\d\s*[-+*/x×=]\s*\d", text))),
        "is_final": float(bool(FINAL_RE.search(text))),
        "asks_so_far": float(asks_so_far),
        "has_logprobs": float(n > 0),
    }


AskRule = Callable[[dict[str, float]], bool]


def confidence_rule(threshold: float = -0.6) -> AskRule:
    """Ask when the step's mean token log-probability is below `threshold` (no log-probs: ask)."""
    def rule(features: dict[str, float]) -> bool:
        return not features["has_logprobs"] or features["mean_logprob"] < threshold
    return rule


def always(features: dict[str, float]) -> bool:
    """The static pipeline: consult the LLM on every step."""
    return True


def never(features: dict[str, float]) -> bool:
    """SLM only."""
    return False


@dataclass
class SeekHelpConfig:
    max_steps: int = 5
    max_asks: int = 5
    should_ask: AskRule = field(default_factory=confidence_rule)
    logprobs: bool = True  # request token log-probabilities for each step (False: the local model has none)
    step_system: str = STEP_SYSTEM  # the SLM's instructions per step
    mentor_system: str = MENTOR_SYSTEM  # the LLM's instructions per question
    step_params: dict[str, Any] = field(default_factory=lambda: {"max_tokens": 48, "temperature": 0.0})
    mentor_params: dict[str, Any] = field(default_factory=lambda: {"max_tokens": 48, "temperature": 0.0})


class SeekHelpState(TypedDict, total=False):
    task: str
    steps: list[dict[str, Any]]  # accepted steps with their features, question, verdict and hint
    draft: dict[str, Any]  # the step being decided on
    asks: int
    answer: str
    llm_calls: list[dict[str, Any]]  # every LLM call: question sent and tokens used


def final_answer(text: str) -> str | None:
    match = FINAL_RE.search(text)
    return match.group(1).strip().rstrip(".") if match else None


class SeekHelpAgent:
    def __init__(self, call: ModelCall, config: SeekHelpConfig | None = None) -> None:
        self.call = call
        self.config = config or SeekHelpConfig()
        self.graph = self._build()

    def _step_messages(self, state: SeekHelpState, hint: str = "", draft: str = "") -> list[dict[str, str]]:
        done = "\n".join(f"Step {i + 1}: {s['text']}" for i, s in enumerate(state.get("steps", [])))
        user = f"Task: {state['task']}\n"
        user += f"Steps so far:\n{done}\n" if done else "No steps yet.\n"
        if hint:
            user += f"Your draft of the next step was: {draft}\nA mentor says: {hint}\n"
        user += "Next step:"
        return [{"role": "system", "content": self.config.step_system}, {"role": "user", "content": user}]

    async def _slm_step(self, messages: list[dict[str, str]]) -> tuple[str, list[float]]:
        params = dict(self.config.step_params)
        if not self.config.logprobs:
            response = await self.call("local", messages, **params)
        else:
            try:
                response = await self.call("local", messages, **params, logprobs=True, top_logprobs=1)
            except Exception:  # noqa: BLE001 - a local provider without log-probs still serves the step
                response = await self.call("local", messages, **params)
        text = text_of(response).strip().splitlines()
        return (text[0].strip() if text else ""), token_logprobs(response)

    # ---- nodes -------------------------------------------------------------------------------
    async def _draft(self, state: SeekHelpState) -> dict[str, Any]:
        text, logprobs = await self._slm_step(self._step_messages(state))
        features = step_features(logprobs, text, len(state.get("steps", [])), state.get("asks", 0))
        return {"draft": {"text": text, "features": features}}

    def _decide(self, state: SeekHelpState) -> str:
        if state.get("asks", 0) >= self.config.max_asks:
            return "accept"
        return "consult" if self.config.should_ask(state["draft"]["features"]) else "accept"

    async def _consult(self, state: SeekHelpState) -> dict[str, Any]:
        draft = state["draft"]
        previous = state.get("steps", [])[-1]["text"] if state.get("steps") else "(none)"
        question = (f"Task: {state['task']}\nPrevious step: {previous}\nProposed next step: {draft['text']}\n"
                    "Is the proposed step correct?")
        response = await self.call("cloud", [{"role": "system", "content": self.config.mentor_system},
                                             {"role": "user", "content": question}], **self.config.mentor_params)
        reply = text_of(response).strip()
        verdict = "ok" if re.match(r"\W*ok\b", reply, re.I) and "fix" not in reply[:12].lower() else "fix"
        hint = re.sub(r"^\W*fix\s*:?\s*", "", reply, flags=re.I) if verdict == "fix" else ""
        prompt_tokens, completion_tokens = usage_of(response)
        record = {"step": len(state.get("steps", [])), "question": question, "reply": reply,
                  "question_chars": len(question), "prompt_tokens": prompt_tokens,
                  "completion_tokens": completion_tokens}
        return {"draft": {**draft, "asked": True, "question": question, "verdict": verdict, "hint": hint},
                "asks": state.get("asks", 0) + 1, "llm_calls": [*state.get("llm_calls", []), record]}

    def _after_consult(self, state: SeekHelpState) -> str:
        return "revise" if state["draft"]["verdict"] == "fix" and state["draft"]["hint"] else "accept"

    async def _revise(self, state: SeekHelpState) -> dict[str, Any]:
        draft = state["draft"]
        text, _ = await self._slm_step(self._step_messages(state, draft["hint"], draft["text"]))
        return {"draft": {**draft, "original": draft["text"], "text": text or draft["text"]}}

    async def _accept(self, state: SeekHelpState) -> dict[str, Any]:
        step = {"asked": False, **state["draft"]}
        return {"steps": [*state.get("steps", []), step]}

    def _after_accept(self, state: SeekHelpState) -> str:
        steps = state["steps"]
        if final_answer(steps[-1]["text"]) is not None or len(steps) >= self.config.max_steps:
            return "finish"
        return "draft"

    async def _finish(self, state: SeekHelpState) -> dict[str, Any]:
        answer = final_answer(state["steps"][-1]["text"])
        if answer is None:  # out of steps: the SLM states its answer from its own steps
            messages = self._step_messages(state)
            messages[-1]["content"] += " (give the final answer now, as 'Final answer: <answer>')"
            text, _ = await self._slm_step(messages)
            answer = final_answer(text) or text
        return {"answer": answer}

    def _build(self):
        graph = StateGraph(SeekHelpState)
        for name in ("draft", "consult", "revise", "accept", "finish"):
            graph.add_node(name, getattr(self, f"_{name}"))
        graph.add_edge(START, "draft")
        graph.add_conditional_edges("draft", self._decide, {"consult": "consult", "accept": "accept"})
        graph.add_conditional_edges("consult", self._after_consult, {"revise": "revise", "accept": "accept"})
        graph.add_edge("revise", "accept")
        graph.add_conditional_edges("accept", self._after_accept, {"draft": "draft", "finish": "finish"})
        graph.add_edge("finish", END)
        return graph.compile()

    async def run(self, task: str) -> SeekHelpResult:
        state = await self.graph.ainvoke({"task": task, "steps": [], "asks": 0, "llm_calls": []},
                                         {"recursion_limit": 5 * self.config.max_steps + 10})
        return SeekHelpResult(answer=state["answer"], steps=state["steps"], llm_calls=state["llm_calls"])


@dataclass
class SeekHelpResult:
    answer: str
    steps: list[dict[str, Any]]
    llm_calls: list[dict[str, Any]]

    def episode(self) -> dict[str, Any]:
        """The loggable trace: per step the features, whether it asked, and the mentor's verdict."""
        return {"steps": [{"features": s["features"], "asked": s.get("asked", False),
                           "verdict": s.get("verdict"), "revised": "original" in s} for s in self.steps],
                "llm_calls": len(self.llm_calls),
                "llm_prompt_tokens": sum(c["prompt_tokens"] for c in self.llm_calls),
                "llm_completion_tokens": sum(c["completion_tokens"] for c in self.llm_calls),
                "question_chars": sum(c["question_chars"] for c in self.llm_calls)}
