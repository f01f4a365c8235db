"""Readers for public privacy data formats, turned into texts with gold spans."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    category: str  # the data set's own label
    text: str


@dataclass
class Sample:
    text: str
    gold: list[Gold] = field(default_factory=list)
    phrases: list[tuple[str, str]] = field(default_factory=list)  # annotation format: (phrase, info)


def load_presidio(path: str | Path) -> list[Sample]:
    """presidio-research synthetic data: `[{full_text, spans: [{entity_type, start_position, ...}]}]`."""
    out = []
    for row in json.loads(Path(path).read_text(encoding="utf-8")):
        text = row["full_text"]
        gold = [Gold(s["start_position"], s["end_position"], s["entity_type"],
                     text[s["start_position"]:s["end_position"]]) for s in row.get("spans") or []]
        out.append(Sample(text, sorted(gold, key=lambda g: g.start)))
    return out


def load_annotation(path: str | Path) -> list[Sample]:
    """The annotation paper's dialogues: one sample per user turn, with its annotated phrases.
    Gold spans are every occurrence of each phrase in the turn (phrases not found verbatim are
    kept in `phrases` and still count at phrase level)."""
    out = []
    for dialogue in json.loads(Path(path).read_text(encoding="utf-8")):
        for turn in dialogue.get("conversation", []):
            text = turn.get("user") or ""
            phrases = [(p.get("phrase", ""), p.get("privacy information", "")) for p in turn.get("privacy") or []
                       if p.get("phrase")]
            gold = []
            for phrase, info in phrases:
                pos = text.find(phrase)
                while pos != -1:
                    gold.append(Gold(pos, pos + len(phrase), info or "PRIVATE", phrase))
                    pos = text.find(phrase, pos + 1)
            out.append(Sample(text, sorted(gold, key=lambda g: g.start), phrases))
    return out


LOADERS = {"presidio": load_presidio, "annotation": load_annotation}
