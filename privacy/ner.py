"""Our NER layer: a linear-chain CRF (python-crfsuite) over cheap token features.

Trained only on text the project generates (Faker values in templates we wrote, see
`privacy.ner_train`), it tags persons, places, organisations, street addresses and titles at a
few ms per KB on one core, far below spaCy's pipeline cost.
"""

from __future__ import annotations

import gzip

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from privacy.spans import Span, make_span

LABELS = ("PERSON", "LOCATION", "ORGANIZATION", "ADDRESS", "TITLE")
DEFAULT_MODEL = Path(__file__).parent / "models" / "ner_crf.bin.gz"  # gzip: half the size in the repo
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    newline_before: bool


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    last = 0
    for m in _TOKEN.finditer(text):
        out.append(Token(m.group(0), m.start(), m.end(), "\n" in text[last:m.start()]))
        last = m.end()
    return out


@lru_cache(maxsize=50000)
def _word_features(w: str) -> tuple[str, ...]:
    lw = w.lower()
    shape = re.sub(r"(.)\1+", r"\1\1", re.sub(r"\d", "d", re.sub(r"[a-z]", "x", re.sub(r"[A-Z]", "X", w))))
    # Non-ASCII letters count as letters of their case.
    if not w.isascii():
        shape = "".join("X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c
                        for c in w)
        shape = re.sub(r"(.)\1+", r"\1\1", shape)
    f = ["w=" + lw, "sh=" + shape, "s3=" + lw[-3:], "s2=" + lw[-2:], "p3=" + lw[:3]]
    if w[:1].isupper():
        f.append("cap")
    if w.isupper() and len(w) > 1:
        f.append("upper")
    if w.isdigit():
        f.append("digit" + str(min(len(w), 6)))
    elif any(c.isdigit() for c in w):
        f.append("hasdigit")
    if not w.isascii():
        f.append("nonascii")
    if len(w) == 1 and not w.isalnum():
        f.append("punct=" + w)
    return tuple(f)


@lru_cache(maxsize=50000)
def _context_features(w: str) -> dict[int, tuple[str, ...]]:
    """The features a word lends its neighbours at each offset, built once per distinct word."""
    lw, shape = w.lower(), _word_features(w)[1]
    out = {}
    for off in (-2, -1, 1, 2):
        f = (f"{off}w={lw}", f"{off}{shape}")
        if off in (-1, 1) and w[:1].isupper():
            f += (f"{off}cap",)
        out[off] = f
    return out


_EDGE = {off: (f"{off}edge",) for off in (-2, -1, 1, 2)}


def features(tokens: list[Token]) -> list[list[str]]:
    words = [t.text for t in tokens]
    lows = [w.lower() for w in words]
    ctx = [_context_features(w) for w in words]
    n = len(tokens)
    out = []
    for i, tok in enumerate(tokens):
        f = ["bias", *_word_features(words[i])]
        if tok.newline_before or i == 0:
            f.append("linestart")
        if i + 1 == n or tokens[i + 1].newline_before:
            f.append("lineend")
        for off in (-2, -1, 1, 2):
            j = i + off
            f.extend(ctx[j][off] if 0 <= j < n else _EDGE[off])
        if i > 0:
            f.append("bigram=" + lows[i - 1] + "|" + lows[i])
        out.append(f)
    return out


def bio_to_spans(text: str, tokens: list[Token], tags: list[str]) -> list[Span]:
    spans: list[Span] = []
    start = end = None
    label = None
    for tok, tag in zip(tokens + [None], tags + ["O"]):  # type: ignore[operator]
        inside = tag.startswith("I-") and label == tag[2:]
        if start is not None and not inside:
            span = make_span(text, start, end, label, "ner", 0.9)
            if span is not None:
                spans.append(span)
            start = None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, end, label = tok.start, tok.end, tag[2:]
        elif inside:
            end = tok.end
    return spans


class CrfNerLayer:
    """Tags names, places, organisations, addresses and titles with a trained CRF."""

    name = "ner"

    def __init__(self, tagger, model_bytes: bytes | None = None) -> None:
        self._tagger = tagger
        self._model_bytes = model_bytes  # crfsuite reads an in-memory model in place: keep it alive

    @classmethod
    def load(cls, path: str | Path | None = None) -> "CrfNerLayer":
        import pycrfsuite

        model = Path(path) if path else DEFAULT_MODEL
        if not model.exists():
            raise FileNotFoundError(f"no NER model at {model}; train one with `duet train privacy-ner`")
        tagger = pycrfsuite.Tagger()
        if model.suffix != ".gz":
            tagger.open(str(model))
            return cls(tagger)
        data = gzip.decompress(model.read_bytes())
        tagger.open_inmemory(data)
        return cls(tagger, data)

    def scan(self, text: str) -> list[Span]:
        spans: list[Span] = []
        mixed_case = _mixed_case(text)
        for offset, part in _chunks(text):
            tokens = tokenize(part)
            if not tokens:
                continue
            self._tagger.set(features(tokens))
            tags = self._tagger.tag()
            for s in (piece for whole in bio_to_spans(part, tokens, tags) for piece in _refine(part, whole, mixed_case)):
                if not _plausible(s, mixed_case):
                    continue
                score = self._confidence(tokens, tags, s)
                needed = MIN_CONFIDENCE.get(s.category, 0.0)
                if s.category == "TITLE" and mixed_case and s.text.islower():
                    needed = MIN_CONFIDENCE_LOWER_TITLE  # a lowercase noun is usually just a noun
                if score < needed:
                    continue
                spans.append(Span(s.start + offset, s.end + offset, s.category, s.text, "", "ner", score))
        return spans

    def _confidence(self, tokens: list[Token], tags: list[str], span: Span) -> float:
        """Lowest marginal probability of the span's tags: how sure the CRF is of all of it."""
        return min(self._tagger.marginal(tags[i], i) for i, t in enumerate(tokens)
                   if span.start <= t.start < span.end)


# Minimum span confidence per category, chosen on generated held-out text (privacy.ner_train).
MIN_CONFIDENCE = {"TITLE": 0.5, "PERSON": 0.05, "LOCATION": 0.05, "ORGANIZATION": 0.05, "ADDRESS": 0.05}
MIN_CONFIDENCE_LOWER_TITLE = 0.8
_FUNCTION_WORDS = frozenset("""a an the it its it's here there this that these those i we you he she they me my
our your his her their don doesn didn isn maybe yes no ok okay hi hello hey dear please thanks thank what why how
when where who which bot user sir madam so and or but if then also just very not""".split())


def _mixed_case(text: str) -> bool:
    letters = [c for c in text[:5000] if c.isalpha()]
    uppers = sum(c.isupper() for c in letters)
    return 0 < uppers < 0.6 * len(letters)


def _plausible(span: Span, mixed_case: bool) -> bool:
    """Cheap checks that remove the CRF's typical mistakes on ordinary prose."""
    words = _TOKEN.findall(span.text)
    if not any(any(c.isalnum() for c in w) for w in words):
        return False
    if all(w.lower() in _FUNCTION_WORDS or not w.isalnum() for w in words):
        return False
    if mixed_case and span.category != "TITLE" and not any(w[0].isupper() or w[0].isdigit() for w in words):
        return False
    return True


_CONNECTORS = frozenset("de van von der den da del di la le du dos das do y e i and & of the -  ' . bin ibn al el".split())
_NAMES = ("PERSON", "LOCATION", "ORGANIZATION")


_ADDRESS_LEAD = re.compile(r"(?:^|\n)[^\w\n]*((?:[^\W_a-z][\w.'-]*[ \t]+){1,3})$")


def _extend_address(text: str, span: Span) -> Span:
    """A street line often starts with a house number or a word the CRF left out ("974 Via Roma
    131"): the address takes the rest of its first line when that is short and looks like one."""
    if not any(c.isalpha() for c in span.text):
        return span
    m = _ADDRESS_LEAD.search(text, max(0, span.start - 30), span.start)
    if m is None or not any(c.isdigit() or c.isupper() for c in m.group(1)):
        return span
    return make_span(text, m.start(1), span.end, "ADDRESS", "ner", span.score) or span


def _refine(text: str, span: Span, mixed_case: bool) -> list[Span]:
    """In mixed-case text a name is a run of capitalised words (with connectors such as "van" or
    "&" inside): trims prose the CRF let a span run into, and splits a span at prose inside it."""
    if span.category == "ADDRESS":
        return [_extend_address(text, span)]
    if span.category == "TITLE":
        return [span] if len(_TOKEN.findall(span.text)) <= 6 else []
    if span.category not in _NAMES or not mixed_case:
        return [span]
    pieces: list[Span] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        while run and (run[-1].group(0).lower() in _CONNECTORS or not run[-1].group(0)[0].isalnum()):
            run.pop()
        if run:
            piece = make_span(text, span.start + run[0].start(), span.start + run[-1].end(), span.category, "ner",
                              span.score)
            if piece is not None:
                pieces.append(piece)
        run.clear()

    for m in _TOKEN.finditer(span.text):
        word = m.group(0)
        if word[0].isupper() or word[0].isdigit():
            run.append(m)
        elif run and (word.lower() in _CONNECTORS or (word == "," and span.category == "ORGANIZATION")):
            run.append(m)
        else:
            close()
    close()
    return pieces


def _chunks(text: str, size: int = 4000) -> list[tuple[int, str]]:
    """Splits long texts at blank lines or sentence ends so tagging stays linear in length."""
    if len(text) <= size:
        return [(0, text)]
    out, pos = [], 0
    while pos < len(text):
        end = min(len(text), pos + size)
        if end < len(text):
            cut = max(text.rfind("\n\n", pos, end), text.rfind(". ", pos, end))
            if cut > pos + size // 2:
                end = cut + 1
        out.append((pos, text[pos:end]))
        pos = end
    return out
