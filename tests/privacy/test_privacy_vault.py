"""Placeholders, restoring whole and streamed answers, and encrypted persistence."""

import random

import pytest
from cryptography.fernet import InvalidToken

from privacy.config import PrivacyConfig, build_detector
from privacy.detector import Detector, DetectorError, DetectorTimeout
from privacy.redactor import Redactor
from privacy.vault import Vault, VaultStore

redactor = Redactor(build_detector(PrivacyConfig(ner=None)))


def test_same_value_same_placeholder_across_turns():
    vault = Vault("s1")
    first = redactor.redact([{"role": "user", "content": "Mail ann@x.org and bob@y.org"}], vault)
    second = redactor.redact([{"role": "user", "content": "Did bob@y.org answer? Also ANN@x.org"}], vault)
    assert first.messages[0]["content"] == "Mail <EMAIL_1> and <EMAIL_2>"
    assert second.messages[0]["content"] == "Did <EMAIL_2> answer? Also <EMAIL_1>"
    assert vault.restore("<EMAIL_2> wrote to <EMAIL_1>") == "bob@y.org wrote to ann@x.org"


def test_report_has_no_raw_values():
    r = redactor.redact([{"role": "user", "content": "card 4111 1111 1111 1111, mail ann@x.org"}], Vault())
    report = r.report()
    assert report["counts"] == {"CREDIT_CARD": 1, "EMAIL": 1}
    assert "4111" not in repr(report) and "ann@" not in repr(report)


def test_content_parts_and_tool_calls_are_redacted():
    msgs = [{"role": "user", "content": [{"type": "text", "text": "mail ann@x.org"}, {"type": "image_url"}]},
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "1", "type": "function",
                             "function": {"name": "send", "arguments": '{"to": "ann@x.org"}'}}]}]
    out = redactor.redact(msgs, Vault()).messages
    assert out[0]["content"][0]["text"] == "mail <EMAIL_1>"
    assert out[1]["tool_calls"][0]["function"]["arguments"] == '{"to": "<EMAIL_1>"}'
    assert msgs[0]["content"][0]["text"] == "mail ann@x.org"  # the caller's messages are untouched


@pytest.mark.parametrize("seed", range(20))
def test_stream_restorer_handles_any_split(seed):
    vault = Vault()
    vault.placeholder("Ann Lee", "PERSON")
    vault.placeholder("ann@x.org", "EMAIL")
    answer = "Dear <PERSON_1>, write to <EMAIL_1> <soon> a<b and <UNKNOWN_7>. Bye <PERSON_1>"
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(answer)), 12))
    chunks = [answer[a:b] for a, b in zip([0] + cuts, cuts + [len(answer)])]
    restorer = vault.stream_restorer()
    out = [restorer.feed(c) for c in chunks] + [restorer.flush()]
    assert "".join(out) == vault.restore(answer)
    assert "".join(out) == "Dear Ann Lee, write to ann@x.org <soon> a<b and <UNKNOWN_7>. Bye Ann Lee"


def test_stream_restorer_holds_back_only_a_possible_placeholder():
    vault = Vault()
    vault.placeholder("Ann", "PERSON")
    r = vault.stream_restorer()
    assert r.feed("Hello <PER") == "Hello "
    assert r.feed("SON_1> how") == "Ann how"
    assert r.feed(" x < y") == " x < y"
    assert r.feed("<") == ""
    assert r.feed("3") == "<3"


def test_encrypted_persistence(tmp_path):
    key = VaultStore.new_key()
    store = VaultStore(tmp_path, key)
    vault = store.get("session-a")
    redactor.redact([{"role": "user", "content": "mail ann@secret-domain.org"}], vault)
    store.save(vault)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"ann@secret-domain.org" not in raw and b"session-a" not in raw
    again = VaultStore(tmp_path, key).get("session-a")
    assert again.restore("<EMAIL_1>") == "ann@secret-domain.org"
    with pytest.raises(InvalidToken):
        VaultStore(tmp_path, VaultStore.new_key()).get("session-a")


class Exploding:
    name = "exploding"

    def scan(self, text):
        raise RuntimeError("model crashed")


class Slow:
    name = "slow"

    def scan(self, text):
        import time
        time.sleep(0.05)
        return []


def test_detector_failures_raise_for_fail_closed():
    with pytest.raises(DetectorError):
        Redactor(Detector([Exploding()])).redact([{"role": "user", "content": "hi"}], Vault())
    with pytest.raises(DetectorTimeout):
        Detector([Slow()], budget_ms=10).scan("hello there")


@pytest.mark.parametrize("bad", [
    [{"role": "user", "content": {"nested": {"deep": ["x"]}}}],
    [{"role": "user", "content": [["not", "a", "part"]]}],
    ["just a string"],
    "not a list",
])
def test_bad_messages_give_a_clear_error(bad):
    with pytest.raises(DetectorError):
        redactor.redact(bad, Vault())


def test_binary_junk_and_large_text():
    junk = bytes(range(256)).decode("latin-1") * 20
    redactor.redact([{"role": "user", "content": junk}], Vault())
    big = ("Lorem ipsum dolor sit amet, mail ann@x.org. " * 25000)[:1_000_000]
    out = redactor.redact([{"role": "user", "content": big}], Vault())
    assert "ann@x.org" not in out.messages[0]["content"]
