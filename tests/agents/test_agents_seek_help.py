"""Seek-help graph end to end with the real SmolLM2 (local) and a recording loopback upstream as the LLM."""

from __future__ import annotations

import json

import numpy as np

from agents.seek_help import SeekHelpAgent, SeekHelpConfig, always, confidence_rule, never, step_features
from agents.seek_help_policy import FEATURES, AskPolicy, labelled_steps
from loopback import RecordingUpstream, completion, http_call

TASK = "A farm packs 3 crates with 12 eggs each. Then 5 eggs break. How many whole eggs are left?"


def mentor(body: dict) -> dict:
    """The LLM side: a fixed mentor that corrects the first step it sees and approves later ones."""
    first = not any("Previous step: (none)" not in m["content"] for m in body["messages"][1:]) \
        and "Previous step: (none)" in body["messages"][-1]["content"]
    reply = "FIX: 3 crates of 12 eggs make 3 * 12 = 36 eggs." if first else "OK"
    return completion(reply, None, 60, 12)


async def test_seek_help_asks_every_step_then_ends_with_the_slm_answer(local_call):
    async def call(role, messages, **params):
        return await (local_call if role == "local" else http)(role, messages, **params)

    with RecordingUpstream(mentor) as upstream:
        http = http_call(upstream.base_url)
        agent = SeekHelpAgent(call, SeekHelpConfig(max_steps=2, max_asks=2, should_ask=always,
                                                   step_params={"max_tokens": 32, "temperature": 0.0}))
        result = await agent.run(TASK)
    episode = result.episode()
    assert 1 <= len(result.steps) <= 2 and result.answer.strip()
    assert len(upstream.requests) == episode["llm_calls"] == len(result.steps)  # one focused question per step
    for step, request in zip(result.steps, upstream.requests):
        question = request["messages"][-1]["content"]
        assert step["question"] == question and "Proposed next step:" in question
        assert len(request["messages"]) == 2  # the mentor sees one step, not the SLM's whole conversation
    assert result.steps[0]["verdict"] == "fix" and "original" in result.steps[0]  # redrafted with the hint
    assert result.steps[0]["hint"].startswith("3 crates of 12 eggs")
    assert all(s["verdict"] == "ok" for s in result.steps[1:])
    features = result.steps[0]["features"]
    assert features["has_logprobs"] == 1.0 and features["mean_logprob"] < 0.0  # real token log-probabilities
    assert episode["llm_prompt_tokens"] == 60 * episode["llm_calls"]
    assert json.dumps(episode)  # loggable as is


async def test_never_asking_makes_no_llm_call_and_rule_reads_confidence(local_call):
    with RecordingUpstream(mentor) as upstream:
        http = http_call(upstream.base_url)

        async def call(role, messages, **params):
            return await (local_call if role == "local" else http)(role, messages, **params)

        result = await SeekHelpAgent(call, SeekHelpConfig(max_steps=2, should_ask=never,
                                                          step_params={"max_tokens": 32, "temperature": 0.0})).run(TASK)
    assert upstream.requests == [] and result.llm_calls == [] and result.answer.strip()
    rule = confidence_rule(-1.0)
    assert rule(step_features([-0.1, -0.2], "12 * 3 = 36", 0, 0)) is False
    assert rule(step_features([-3.0, -2.5], "12 * 3 = 38", 0, 0)) is True
    assert rule(step_features([], "no log-probs", 0, 0)) is True  # unknown confidence: ask


def test_learned_policy_fits_helped_steps_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    episodes = []
    for _ in range(40):  # low confidence steps needed fixing, confident ones did not
        steps = []
        for index in range(3):
            mean = float(rng.uniform(-3, 0))
            logprobs = [mean] * 8
            steps.append({"features": step_features(logprobs, f"{index} + 1 = {index + 1}", index, 0),
                          "asked": True, "verdict": "fix" if mean < -1.5 else "ok"})
        steps.append({"features": step_features([-0.1], "x", 3, 0), "asked": False, "verdict": None})
        episodes.append({"steps": steps})
    x, y = labelled_steps(episodes)
    assert x.shape == (120, len(FEATURES)) and 0.3 < y.mean() < 0.7  # unasked steps carry no label
    policy = AskPolicy().fit(x, y)
    assert policy.card["train_accuracy"] > 0.9
    assert policy(step_features([-2.8] * 8, "7 * 6 = 41", 1, 0)) is True
    assert policy(step_features([-0.2] * 8, "7 * 6 = 42", 1, 0)) is False
    loaded = AskPolicy.load(policy.save(tmp_path / "policy"))
    assert np.allclose(loaded.proba(x), policy.proba(x))
    assert json.loads((tmp_path / "policy" / "card.json").read_text())["rows"] == 120


def test_benchmark_greedy_logprobs_equal_llama_cpps(smollm2):
    """The seek-help benchmark reads greedy tokens' log-probabilities from a logits processor instead of
    llama.cpp's `logits_all` path; both must give the same numbers for the same step."""
    from agents.completions import token_logprobs
    from eval.seekhelp.models import greedy_chat

    messages = [{"role": "system", "content": "Reply with only the next step."},
                {"role": "user", "content": f"Task: {TASK}\nNext step:"}]
    reference = smollm2.create_chat_completion(messages=messages, max_tokens=16, temperature=0.0, logprobs=True,
                                               top_logprobs=1)
    fast = greedy_chat(smollm2, messages, max_tokens=16, temperature=0.0, logprobs=True, top_logprobs=1)
    assert fast["choices"][0]["message"]["content"] == reference["choices"][0]["message"]["content"]
    expected = token_logprobs(reference)
    assert len(expected) == fast["usage"]["completion_tokens"] >= 1
    assert np.allclose(token_logprobs(fast), expected, atol=1e-3)
    plain = greedy_chat(smollm2, messages, max_tokens=4, temperature=0.0)  # not asked: none computed
    assert not plain["choices"][0].get("logprobs")
