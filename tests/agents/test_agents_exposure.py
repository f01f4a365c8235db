"""Exposure controller graph: end to end with SmolLM2 behind a real loopback upstream, and the cap."""

from __future__ import annotations

import json
import re

from agents.blocks import approx_tokens
from agents.exposure import NEED_MORE, ExposureConfig, ExposureController
from agents.partition import partition_documents
from loopback import RecordingUpstream, completion, http_call
from test_agents_ranking import DOCS

BLOCK_HEADER = re.compile(r"^\[(b\d+)\] ", re.M)


def blocks_in(request: dict) -> list[str]:
    """Block ids the upstream actually received in a request's last user message."""
    return BLOCK_HEADER.findall(request["messages"][-1]["content"])


def context_tokens_in(request: dict, blocks) -> int:
    by_id = {b.id: b for b in blocks}
    return sum(approx_tokens(by_id[i].render()) for i in blocks_in(request))


def always_wants_more(body: dict) -> dict:
    if "tools" in body:  # an answer round that may ask for more: always does
        return completion(None, ("request_more_context", json.dumps({"need": "the opening hours"})), 100, 5)
    if "sub-task" in body["messages"][0]["content"]:
        return completion("Find the relevant fact.", None, 50, 5)
    return completion(NEED_MORE, None, 100, 3)  # the last round, without the tool: still cannot answer


async def test_accumulation_stops_at_cap_and_records_every_round(embed):
    blocks = partition_documents(DOCS)
    config = ExposureConfig(max_rounds=3, budget_tokens=30, blocks_per_round=1)
    with RecordingUpstream(always_wants_more) as upstream:
        result = await ExposureController(http_call(upstream.base_url), embed, config).run(
            [{"role": "user", "content": "When is the library open on Saturday?"}], blocks)
    exposure = result.exposure
    answers = [r for r in upstream.requests if "Question:" in r["messages"][-1]["content"]]
    assert len(upstream.requests) == 4 and len(answers) == 3  # co-plan + three answer rounds, no more
    assert exposure["rounds"] == 3 and exposure["exhausted"] is True
    assert [len(r["block_ids"]) for r in exposure["round_log"]] == [1, 2, 3]
    assert [r["requested_more"] for r in exposure["round_log"]] == [True, True, True]
    assert "tools" in answers[0] and "tools" in answers[1] and "tools" not in answers[2]  # last round: answer
    for record, request in zip(exposure["round_log"], answers):
        assert sorted(record["block_ids"]) == sorted(blocks_in(request))
        assert record["context_tokens"] == context_tokens_in(request, blocks)
    assert exposure["round_log"][0]["block_ids"] == [b.id for b in blocks if "Library" in b.text]  # best first
    assert exposure["blocks_sent"] == 3 and len(exposure["block_ids_sent"]) == 3
    overview = "\n".join(f"{b.id}: {b.title}" for b in blocks)  # what co-planning revealed
    assert overview in upstream.requests[0]["messages"][-1]["content"]
    assert exposure["reveal_tokens"] == approx_tokens(overview) > 0
    assert exposure["context_tokens_sent"] == sum(context_tokens_in(r, blocks) for r in answers) + approx_tokens(overview)
    assert exposure["context_tokens_available"] == sum(approx_tokens(b.render()) for b in blocks)
    assert exposure["cloud_prompt_tokens"] == 50 + 3 * 100


async def test_stops_when_blocks_run_out_before_the_cap(embed):
    blocks = partition_documents(DOCS[:2])
    config = ExposureConfig(max_rounds=5, budget_tokens=10, coplan=False)
    with RecordingUpstream(always_wants_more) as upstream:
        result = await ExposureController(http_call(upstream.base_url), embed, config).run(
            [{"role": "user", "content": "When does the ferry leave?"}], blocks)
    assert result.exposure["rounds"] == 2 and len(upstream.requests) == 2  # no co-planning call
    assert result.exposure["blocks_sent"] == 2 and result.exposure["reveal"] == "nothing"


async def test_end_to_end_with_smollm2_as_cloud_through_loopback(embed, smollm2):
    """The real local model answers as the "cloud"; the upstream's view must match the accounting."""
    def smollm2_upstream(body: dict) -> dict:
        params = {k: v for k, v in body.items() if k in ("max_tokens", "temperature")}
        return json.loads(json.dumps(smollm2.create_chat_completion(messages=body["messages"], **params),
                                     default=float))

    blocks = partition_documents(DOCS)
    question = "How much does it cost to rent a bicycle for a day?"
    with RecordingUpstream(smollm2_upstream) as upstream:
        result = await ExposureController(http_call(upstream.base_url), embed,
                                          ExposureConfig(budget_tokens=40, max_rounds=2, reveal="nothing",
                                                         answer_params={"max_tokens": 40})).run(
            [{"role": "system", "content": "Answer in one sentence."}, {"role": "user", "content": question}],
            blocks)
    exposure = result.exposure
    answers = [r for r in upstream.requests if "Question:" in r["messages"][-1]["content"]]
    assert exposure["round_log"][0]["block_ids"] == [blocks[5].id]  # the bike-rental block, alone
    assert exposure["rounds"] == len(answers) >= 1 and exposure["cloud_calls"] == len(upstream.requests)
    assert all(question in r["messages"][-1]["content"] for r in answers)
    assert "Answer in one sentence." in answers[0]["messages"][0]["content"]  # the app's system prompt kept
    assert exposure["context_tokens_sent"] == sum(context_tokens_in(r, blocks) for r in answers) + \
        exposure["reveal_tokens"]
    assert exposure["context_tokens_sent"] < exposure["context_tokens_available"]
    assert exposure["reduction"] > 0.3
    assert result.answer.strip()
    for request in upstream.requests:  # no block that was not selected ever crossed the wire
        for block in blocks:
            if block.id not in exposure["block_ids_sent"]:
                assert block.text not in json.dumps(request)
