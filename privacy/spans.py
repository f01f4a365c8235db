"""A detected private span and the rule that resolves overlapping detections.

Every layer (patterns, phrase lists, NER, SLM) returns `Span`s over the same text; the detector
merges them so each private character is covered by exactly one span with the most trusted type.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any

# Canonical categories, with the short description of what each leaks (shown to users, logged).
CATEGORIES: dict[str, str] = {
    "EMAIL": "an e-mail address",
    "PHONE": "a phone number",
    "CREDIT_CARD": "a payment card number",
    "IBAN": "a bank account number (IBAN)",
    "IP_ADDRESS": "a network address",
    "SSN": "a national identity number",
    "NATIONAL_ID": "an identity document number",
    "URL": "a web address or domain",
    "CREDENTIAL": "a password, key, token or secret",
    "DATE_OF_BIRTH": "a date of birth",
    "DATE_TIME": "a date or time",
    "AGE": "a person's age",
    "ADDRESS": "a postal address",
    "PERSON": "a person's name",
    "LOCATION": "a place",
    "ORGANIZATION": "an organisation",
    "TITLE": "a title or job",
    "NRP": "a nationality, religion or political group",
    "PHRASE": "a configured private phrase",
    "PROPER_NOUN": "a name of a person, place or organisation",
    "PRIVATE": "a private detail",
}

# Higher wins when two spans overlap: validated structure beats guessed language.
PRIORITY: dict[str, int] = {
    "CREDENTIAL": 100, "CREDIT_CARD": 95, "IBAN": 95, "SSN": 90, "EMAIL": 90, "IP_ADDRESS": 85,
    "URL": 80, "PHONE": 70, "NATIONAL_ID": 70, "DATE_OF_BIRTH": 65, "PHRASE": 60, "ADDRESS": 50,
    "PERSON": 45, "ORGANIZATION": 40, "LOCATION": 40, "TITLE": 35, "NRP": 30, "AGE": 30,
    "DATE_TIME": 25, "PROPER_NOUN": 22, "PRIVATE": 20,
}


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of a text that leak something private."""

    start: int
    end: int
    category: str
    text: str
    description: str = ""
    source: str = ""  # which layer found it: "pattern", "phrase", "ner", "slm"
    score: float = 1.0

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad span bounds {self.start}..{self.end}")
        if not self.description:
            object.__setattr__(self, "description", CATEGORIES.get(self.category, "a private detail"))

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_span(text: str, start: int, end: int, category: str, source: str, score: float = 1.0,
              description: str = "") -> Span | None:
    """A span trimmed of surrounding whitespace and punctuation, or None if nothing is left."""
    while start < end and (text[start].isspace() or text[start] in "\"'[{<,;"
                           or (text[start] == "(" and ")" not in text[start:end])):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "\"']}>,;:"
                           or (text[end - 1] == ")" and "(" not in text[start:end])):
        end -= 1
    if end <= start:
        return None
    return Span(start, end, category, text[start:end], description, source, score)


def _rank(span: Span) -> tuple[int, int, float]:
    default = PRIORITY["PHRASE"] if span.source == "phrase" else 10  # user-named categories rank as phrases
    return (PRIORITY.get(span.category, default), len(span), span.score)


def resolve(spans: list[Span], text: str) -> list[Span]:
    """Non-overlapping spans in text order; on overlap the higher-priority span wins, and a
    lower-priority span that sticks out keeps its uncovered part only if it is not a fragment."""
    starts: list[int] = []  # chosen spans, kept sorted by start and never overlapping
    chosen: list[Span] = []
    for span in sorted(spans, key=_rank, reverse=True):
        for piece in _uncovered(span, starts, chosen, text):
            i = bisect.bisect_left(starts, piece.start)
            starts.insert(i, piece.start)
            chosen.insert(i, piece)
    return chosen


def _uncovered(span: Span, starts: list[int], chosen: list[Span], text: str) -> list[Span]:
    i = bisect.bisect_left(starts, span.start)
    if i > 0 and chosen[i - 1].end > span.start:
        i -= 1
    blockers = []
    while i < len(chosen) and chosen[i].start < span.end:
        blockers.append(chosen[i])
        i += 1
    if not blockers:
        return [span]
    covered = sum(min(k.end, span.end) - max(k.start, span.start) for k in blockers)
    if covered * 2 > len(span):  # mostly someone else's: what sticks out is an edge, not a find
        return []
    pieces, pos = [], span.start
    for kept in blockers + [None]:
        b = kept.start if kept is not None else span.end
        if b - pos >= 3 and any(ch.isalnum() for ch in text[pos:b]):
            part = make_span(text, pos, b, span.category, span.source, span.score, span.description)
            if part is not None and len(part) >= 3:
                pieces.append(part)
        if kept is not None:
            pos = max(pos, kept.end)
    return pieces
