"""User-configured private phrases and patterns (customer names, project code names) and the
allow-list of values that are never redacted."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from privacy.spans import Span


class PhraseLayer:
    """Finds configured phrases (whole words, any case) and configured regular expressions."""

    name = "phrase"

    def __init__(self, phrases: Mapping[str, Iterable[str]] | Iterable[str] = (),
                 patterns: Mapping[str, str] | None = None) -> None:
        by_category: dict[str, list[str]] = (
            {k: list(v) for k, v in phrases.items()} if isinstance(phrases, Mapping)
            else {"PHRASE": list(phrases)})
        self._phrase_res = [
            (category.upper(), re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(p.strip()) for p in sorted(words, key=len, reverse=True)
                                          if p.strip()) + r")(?!\w)", re.I))
            for category, words in by_category.items() if any(w.strip() for w in words)]
        self._patterns = [(category.upper(), re.compile(rx)) for category, rx in (patterns or {}).items()]

    def scan(self, text: str) -> list[Span]:
        out: list[Span] = []
        for category, regex in self._phrase_res + self._patterns:
            for m in regex.finditer(text):
                if m.end() > m.start():
                    out.append(Span(m.start(), m.end(), category, m.group(0),
                                    "a configured private phrase", source="phrase"))
        return out


class AllowList:
    """Values (exact, any case) or regular expressions that must stay readable."""

    def __init__(self, values: Iterable[str] = (), patterns: Iterable[str] = ()) -> None:
        self._values = {v.strip().casefold() for v in values if v.strip()}
        self._patterns = [re.compile(p) for p in patterns]

    def allows(self, value: str) -> bool:
        value = value.strip()
        return value.casefold() in self._values or any(p.fullmatch(value) for p in self._patterns)

    def __bool__(self) -> bool:
        return bool(self._values or self._patterns)
