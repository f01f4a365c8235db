"""Deterministic recognizers on values generated here (Faker and hand-made), never shared data."""

import random

import pytest
from faker import Faker

from privacy.config import PrivacyConfig, build_detector
from privacy.detector import Detector
from privacy.patterns import PatternLayer
from privacy.validators import iban_ok, luhn_ok, us_ssn_ok

fake = Faker(["en_US", "de_DE", "fr_FR", "en_GB", "nl_NL"])
Faker.seed(7)
random.seed(7)
detector = Detector([PatternLayer()])


def categories(text: str) -> dict[str, str]:
    return {s.text: s.category for s in detector.scan(text)}


def caught(text: str, value: str, category: str) -> bool:
    return any(s.category == category and s.start <= text.index(value) and s.end >= text.index(value) + len(value)
               for s in detector.scan(text))


def test_checksums_accept_valid_and_reject_tampered():
    assert luhn_ok("4111 1111 1111 1111") and not luhn_ok("4111 1111 1111 1112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB82 WEST 1234 5698 7654 33")
    assert us_ssn_ok("536-22-8726")
    assert not any(us_ssn_ok(x) for x in ("000-12-3456", "666-12-3456", "912-12-3456", "536-00-8726"))


@pytest.mark.parametrize("i", range(30))
def test_generated_structured_values_are_caught(i):
    values = [
        (fake.email(), "EMAIL"),
        (fake.credit_card_number(), "CREDIT_CARD"),
        (fake.iban(), "IBAN"),
        (fake.ipv4(), "IP_ADDRESS"),
        (fake.ipv6(), "IP_ADDRESS"),
        (fake.ssn(), "SSN"),
    ]
    for value, category in values:
        text = f"Please note {value} for the record."
        if category == "SSN" and not (us_ssn_ok(value) and value.count("-") == 2):
            continue
        assert caught(text, value, category), (value, category, detector.scan(text))


@pytest.mark.parametrize("phone", [
    "+1 (415) 555-0132", "+44 20 7946 0958", "+49 30 901820", "020 7946 0958", "+33 1 42 68 53 00",
    "(72) 754-186", "463-612-6138x036", "+41 (0)71 526 99 04", "0378 3549890", "+81-3-1234-5678"])
def test_international_phone_formats(phone):
    assert categories(f"Call me on {phone} tomorrow").get(phone) == "PHONE"


def test_secrets_by_prefix_entropy_and_assignment():
    text = ("export OPENAI_API_KEY=sk-proj-abcdEFGH1234ijklMNOP5678 ; token 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b"
            "822cd15d6c15b0f00a08 and AKIAIOSFODNN7EXAMPLE, password: hunter2!x, "
            "repo https://bob:s3cret@git.example.com/x.git")
    found = categories(text)
    for secret in ("sk-proj-abcdEFGH1234ijklMNOP5678", "AKIAIOSFODNN7EXAMPLE", "hunter2!x",
                   "https://bob:s3cret@git.example.com/x.git"):
        assert found.get(secret) == "CREDENTIAL", (secret, found)
    assert any(v.startswith("9f86d081") for v, c in found.items() if c == "CREDENTIAL")


def test_dates_of_birth_need_context():
    assert categories("I was born on 12/03/1984.")["12/03/1984"] == "DATE_OF_BIRTH"
    assert categories("The meeting is on 12/03/2024.")["12/03/2024"] == "DATE_TIME"


def test_ordinary_text_is_left_alone():
    text = ("Python 3.11.7 is out; the loop ran 1500 times and took 12 percent more memory. "
            "Use git rebase main, then run the tests. The function returns a list of strings.")
    assert detector.scan(text) == []


def test_phrases_and_allow_list_from_config():
    cfg = PrivacyConfig.from_dict({"phrases": {"PROJECT": ["Blue Falcon"], "CUSTOMER": ["Initech"]},
                                   "allow": ["support@duet.dev"], "ner": None})
    d = build_detector(cfg)
    spans = d.scan("Ask support@duet.dev about project blue falcon for Initech, or mail bob@corp.com")
    found = {s.text: s.category for s in spans}
    assert found == {"blue falcon": "PROJECT", "Initech": "CUSTOMER", "bob@corp.com": "EMAIL"}


def test_allow_mode_turns_a_category_off():
    d = build_detector(PrivacyConfig.from_dict({"ner": None, "modes": {"DATE_TIME": "allow"}}))
    assert [s.category for s in d.scan("See you on 2024-05-01, mail a@b.io")] == ["EMAIL"]


def test_bad_config_is_refused():
    with pytest.raises(ValueError):
        PrivacyConfig.from_dict({"modes": {"EMAIL": "shred"}})
    with pytest.raises(ValueError):
        PrivacyConfig.from_dict({"nre": "crf"})
