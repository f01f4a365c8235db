"""Exposure controller (CORE-style partial context exposure) as a langgraph graph.

The cloud model should see only the blocks it needs. The graph runs
  reveal -> coplan -> rank -> select -> answer -> (select -> answer)* -> end
- reveal: decide what the cloud may learn about the blocks while planning (nothing, titles, or
  one-line summaries written by the local model);
- coplan: the cloud states the sub-task from the request and that overview;
- rank: the local side ranks blocks for the sub-task (embeddings + keywords, optional SLM rescoring);
- select: first round sends the top blocks within a token budget, each later round adds the next
  ranked block(s);
- answer: the cloud answers or calls `request_more_context`; rounds stop at a cap.
Every cloud call is recorded with the context tokens it carried, so exposure is accounted exactly.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph

from agents.blocks import Block, TokenCounter, approx_tokens
from agents.completions import ModelCall, text_of, tool_calls_of, usage_of
from agents.partition.conversation import message_text
from agents.ranking import Embed, Ranked, rank_blocks, rescore_with_slm

NEED_MORE = "NEED_MORE_CONTEXT"
REQUEST_MORE_TOOL = {
    "type": "function",
    "function": {
        "name": "request_more_context",
        "description": "Call when the context blocks shown do not contain what you need to answer. "
                       "More blocks, ranked by relevance, will be added.",
        "parameters": {
            "type": "object",
            "properties": {"need": {"type": "string", "description": "What information is missing."}},
            "required": [],
        },
    },
}
ANSWER_SYSTEM = (
    "You answer using only the context blocks given with the question. They are a partial view of a "
    "larger context. If they do not contain the information needed, do not guess: reply only "
    f"{NEED_MORE} (or call the request_more_context tool) and more blocks will be added.")
FINAL_SYSTEM = "You answer using only the context blocks given with the question. Give your best answer."
PLAN_SYSTEM = (
    "A local assistant holds a large context split into blocks and will show you only the blocks you "
    "need. State in one sentence the sub-task: what specific information must be found in the context "
    "to handle the request. Do not answer the request.")
SUMMARY_SYSTEM = "Summarise the text in one short sentence of at most 15 words."


@dataclass
class ExposureConfig:
    """Knobs of the controller; defaults follow CORE (titles at planning, one block per extra round)."""

    reveal: str = "titles"  # what co-planning shows the cloud about blocks: nothing | titles | summaries
    coplan: bool = True  # ask the cloud for the sub-task first (otherwise rank on the question itself)
    budget_tokens: int = 300  # context tokens allowed in the first answer round (at least one block)
    max_rounds: int = 3  # cap on answer rounds, the first included
    blocks_per_round: int = 1  # blocks added when the cloud asks for more
    slm_rescore: bool = False  # rescore the top blocks with the local model's yes/no log-probability
    rescore_top: int = 5
    lexical_weight: float = 0.5
    order: str = "rank"  # how blocks are laid out for the cloud: rank (best first) | document
    subtask_in_answer: bool = False  # repeat the planned sub-task beside the question (small models echo it)
    use_tool: bool = True  # offer request_more_context as an OpenAI tool (the text sentinel always works)
    answer_params: dict[str, Any] = field(default_factory=lambda: {"max_tokens": 256, "temperature": 0.0})
    plan_params: dict[str, Any] = field(default_factory=lambda: {"max_tokens": 48, "temperature": 0.0})
    count_tokens: TokenCounter = approx_tokens


class ExposureState(TypedDict, total=False):
    messages: list[dict[str, Any]]  # the request with its context taken out; last user turn = question
    blocks: list[Block]
    overview: str  # what co-planning revealed about the blocks
    subtask: str
    ranked: list[Ranked]
    sent_ids: list[str]  # blocks exposed so far, in the order they were added
    need: str  # what the cloud said it was missing
    requested_more: bool
    rounds: list[dict[str, Any]]
    calls: list[dict[str, Any]]  # every cloud call with the context tokens it carried
    response: dict[str, Any]


def question_of(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def first_sentence(text: str, limit: int = 300) -> str:
    """The planner's sub-task: its first line up to the first sentence end (small models go on to
    echo the block list; that must not steer the ranking)."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    match = re.match(r"(.+?[.!?])(\s|$)", line)
    return (match.group(1) if match else line)[:limit]


def _asked_for_more(response: dict[str, Any]) -> tuple[bool, str]:
    for name, args in tool_calls_of(response):
        if name == "request_more_context":
            return True, str(args.get("need", ""))
    text = text_of(response)
    if NEED_MORE in text or re.search(r"request_more_context", text):
        return True, ""
    return False, ""


class ExposureController:
    """Builds and runs the graph; `call(role, messages, **params)` reaches "local" and "cloud" models."""

    def __init__(self, call: ModelCall, embed: Embed, config: ExposureConfig | None = None) -> None:
        self.call = call
        self.embed = embed
        self.config = config or ExposureConfig()
        self.graph = self._build()

    def _tokens(self, text: str) -> int:
        return self.config.count_tokens(text)

    # ---- nodes -------------------------------------------------------------------------------
    async def _reveal(self, state: ExposureState) -> dict[str, Any]:
        cfg, blocks = self.config, state["blocks"]
        if not cfg.coplan or cfg.reveal == "nothing":
            return {"overview": ""}
        if cfg.reveal == "titles":
            lines = [f"{b.id}: {b.title}" for b in blocks]
        elif cfg.reveal == "summaries":
            lines = []
            for b in blocks:
                summary = text_of(await self.call("local", [
                    {"role": "system", "content": SUMMARY_SYSTEM},
                    {"role": "user", "content": b.text[:2000]}], max_tokens=32, temperature=0.0))
                lines.append(f"{b.id}: {first_sentence(summary) or b.title}")
        else:
            raise ValueError(f"reveal must be nothing, titles or summaries, not {self.config.reveal!r}")
        return {"overview": "\n".join(lines)}

    async def _coplan(self, state: ExposureState) -> dict[str, Any]:
        question = question_of(state["messages"])
        if not self.config.coplan:
            return {"subtask": question, "calls": []}
        overview = state.get("overview", "")
        content = f"Request: {question}\n\n"
        content += (f"The context has {len(state['blocks'])} blocks:\n{overview}" if overview
                    else f"The context has {len(state['blocks'])} blocks (not described).")
        response = await self.call("cloud", [{"role": "system", "content": PLAN_SYSTEM},
                                             {"role": "user", "content": content}],
                                   **self.config.plan_params)
        prompt_tokens, completion_tokens = usage_of(response)
        subtask = first_sentence(text_of(response)) or question
        record = {"purpose": "coplan", "context_tokens": self._tokens(overview) if overview else 0,
                  "block_ids": [], "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
        return {"subtask": subtask, "calls": [record]}

    async def _rank(self, state: ExposureState) -> dict[str, Any]:
        query = f"{question_of(state['messages'])}\n{state.get('subtask', '')}".strip()
        ranked = await asyncio.to_thread(rank_blocks, query, state["blocks"], self.embed,
                                         self.config.lexical_weight)
        if self.config.slm_rescore:
            ranked = await rescore_with_slm(query, ranked, self.call, top=self.config.rescore_top)
        return {"ranked": ranked, "sent_ids": [], "rounds": []}

    async def _select(self, state: ExposureState) -> dict[str, Any]:
        sent = list(state.get("sent_ids", []))
        unsent = [r.block for r in state["ranked"] if r.block.id not in sent]
        if not sent:
            used = 0
            for block in unsent:
                cost = self._tokens(block.render())
                if sent and used + cost > self.config.budget_tokens:
                    break
                sent.append(block.id)
                used += cost
            return {"sent_ids": sent, "need": "", "requested_more": False}
        need = state.get("need", "")
        if need and len(unsent) > 1:  # the cloud said what it lacks: rank what is left for that
            query = f"{question_of(state['messages'])}\n{need}"
            unsent = [r.block for r in await asyncio.to_thread(rank_blocks, query, unsent, self.embed,
                                                               self.config.lexical_weight)]
        sent += [b.id for b in unsent[: self.config.blocks_per_round]]
        return {"sent_ids": sent, "need": "", "requested_more": False}

    def _cap_reached(self, state: ExposureState, rounds: int) -> bool:
        """No round after `rounds`: the cap is hit or every block has been sent."""
        return rounds >= self.config.max_rounds or len(state["sent_ids"]) >= len(state["blocks"])

    async def _answer(self, state: ExposureState) -> dict[str, Any]:
        cfg = self.config
        by_id = {b.id: b for b in state["blocks"]}
        if cfg.order == "document":
            position = {b.id: i for i, b in enumerate(state["blocks"])}
            shown = sorted(state["sent_ids"], key=position.__getitem__)
        else:  # best first: small models read the top of the context most reliably
            shown = list(state["sent_ids"])
        rendered = [by_id[i].render() for i in shown]
        last = self._cap_reached(state, len(state.get("rounds", [])) + 1)
        messages = self._answer_messages(state, rendered, last)
        params = dict(cfg.answer_params)
        if cfg.use_tool and not last:
            params["tools"] = [REQUEST_MORE_TOOL]
        response = await self.call("cloud", messages, **params)
        asked, need = _asked_for_more(response)
        prompt_tokens, completion_tokens = usage_of(response)
        previous = set(state["rounds"][-1]["block_ids"]) if state.get("rounds") else set()
        round_record = {
            "round": len(state.get("rounds", [])) + 1,
            "block_ids": shown,
            "new_block_ids": [i for i in shown if i not in previous],
            "context_tokens": sum(self._tokens(r) for r in rendered),
            "requested_more": asked,
            "final": last or not asked,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
        }
        call_record = {"purpose": "answer", "context_tokens": round_record["context_tokens"],
                       "block_ids": shown, "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
        return {"response": response, "requested_more": asked, "need": need,
                "rounds": [*state.get("rounds", []), round_record],
                "calls": [*state.get("calls", []), call_record]}

    def _answer_messages(self, state: ExposureState, rendered: list[str], last: bool) -> list[dict[str, Any]]:
        messages = state["messages"]
        last_user = max(i for i, m in enumerate(messages) if m.get("role") == "user")
        system = FINAL_SYSTEM if last else ANSWER_SYSTEM
        app_system = [message_text(m) for m in messages[:last_user] if m.get("role") == "system"]
        history = [m for m in messages[:last_user] if m.get("role") != "system"]
        context = "\n\n".join(rendered)
        subtask = state.get("subtask", "")
        show_task = self.config.subtask_in_answer and subtask and subtask != question_of(messages)
        task_line = f"Sub-task: {subtask}\n\n" if show_task else ""
        user = (f"Context blocks ({len(rendered)} of {len(state['blocks'])}):\n\n{context}\n\n"
                f"{task_line}Question: {question_of(messages)}")
        return [{"role": "system", "content": "\n\n".join([system, *app_system])}, *history,
                {"role": "user", "content": user}]

    def _after_answer(self, state: ExposureState) -> str:
        if state.get("requested_more") and not self._cap_reached(state, len(state["rounds"])):
            return "select"
        return END

    def _build(self):
        graph = StateGraph(ExposureState)
        graph.add_node("reveal", self._reveal)
        graph.add_node("coplan", self._coplan)
        graph.add_node("rank", self._rank)
        graph.add_node("select", self._select)
        graph.add_node("answer", self._answer)
        graph.add_edge(START, "reveal")
        graph.add_edge("reveal", "coplan")
        graph.add_edge("coplan", "rank")
        graph.add_edge("rank", "select")
        graph.add_edge("select", "answer")
        graph.add_conditional_edges("answer", self._after_answer, {"select": "select", END: END})
        return graph.compile()

    # ---- entry point -------------------------------------------------------------------------
    async def run(self, messages: list[dict[str, Any]], blocks: list[Block]) -> ExposureResult:
        """Answer the request's last user turn from `blocks`, exposing as few of them as it can."""
        if not blocks:
            raise ValueError("exposure control needs at least one block")
        if not any(m.get("role") == "user" for m in messages):
            raise ValueError("exposure control needs a user message to answer")
        state = await self.graph.ainvoke({"messages": messages, "blocks": blocks},
                                         {"recursion_limit": 2 * self.config.max_rounds + 10})
        return ExposureResult(response=state["response"], exposure=self._account(state), state=state)

    async def single_round(self, messages: list[dict[str, Any]],
                           blocks: list[Block]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Rank and select the first round only, without calling the cloud: the messages to send and the
        accounting. For callers that must stream one answer (no accumulation is possible then)."""
        state: ExposureState = {"messages": messages, "blocks": blocks, "subtask": question_of(messages)}
        state.update(await self._rank(state))  # type: ignore[typeddict-item]
        state.update(await self._select(state))  # type: ignore[typeddict-item]
        by_id = {b.id: b for b in blocks}
        rendered = [by_id[i].render() for i in state["sent_ids"]]
        sent = sum(self._tokens(r) for r in rendered)
        state["rounds"] = [{"round": 1, "block_ids": list(state["sent_ids"]), "context_tokens": sent,
                            "requested_more": False, "final": True, "prompt_tokens": 0, "completion_tokens": 0}]
        state["calls"] = [{"purpose": "answer", "context_tokens": sent, "block_ids": list(state["sent_ids"]),
                           "prompt_tokens": 0, "completion_tokens": 0}]
        return self._answer_messages(state, rendered, last=True), self._account(state)

    def _account(self, state: ExposureState) -> dict[str, Any]:
        blocks = state["blocks"]
        available = sum(self._tokens(b.render()) for b in blocks)
        calls = state.get("calls", [])
        sent_tokens = sum(c["context_tokens"] for c in calls)
        exposed = set(state["sent_ids"])
        return {
            "mode": "minimal",
            "blocks_available": len(blocks),
            "context_tokens_available": available,
            "blocks_sent": len(exposed),
            "block_ids_sent": list(state["sent_ids"]),
            "context_tokens_exposed": sum(self._tokens(b.render()) for b in blocks if b.id in exposed),
            "context_tokens_sent": sent_tokens,  # summed over every cloud call, repeats included
            "reveal": self.config.reveal if self.config.coplan else "nothing",
            "reveal_tokens": sum(c["context_tokens"] for c in calls if c["purpose"] == "coplan"),
            "rounds": len(state.get("rounds", [])),
            "round_log": state.get("rounds", []),
            "cloud_calls": len(calls),
            "cloud_prompt_tokens": sum(c["prompt_tokens"] for c in calls),
            "cloud_completion_tokens": sum(c["completion_tokens"] for c in calls),
            "exhausted": bool(state.get("requested_more")),
            "reduction": (1.0 - sent_tokens / available) if available else 0.0,
            "subtask": state.get("subtask", ""),
        }


@dataclass
class ExposureResult:
    response: dict[str, Any]  # the cloud's final completion, OpenAI-shaped
    exposure: dict[str, Any]  # accounting: tokens available vs sent, blocks, rounds
    state: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def answer(self) -> str:
        return text_of(self.response)
