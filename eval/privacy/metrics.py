"""Span- and character-level scores for privacy detectors.

Three span matches: exact (same bounds, same type), overlap with a compatible type, and overlap
ignoring type ("caught": was the private text touched at all, what matters for redaction); plus the
fraction of private characters covered and of redacted characters that were private.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

# Gold labels (presidio-research) -> the detector categories that count as the same type.
GOLD_TO_CATEGORIES: dict[str, set[str]] = {
    "PERSON": {"PERSON"}, "STREET_ADDRESS": {"ADDRESS"}, "GPE": {"LOCATION"},
    "ORGANIZATION": {"ORGANIZATION"}, "CREDIT_CARD": {"CREDIT_CARD"}, "DATE_TIME": {"DATE_TIME", "DATE_OF_BIRTH"},
    "TITLE": {"TITLE"}, "PHONE_NUMBER": {"PHONE"}, "AGE": {"AGE"}, "NRP": {"NRP"}, "EMAIL_ADDRESS": {"EMAIL"},
    "ZIP_CODE": {"ADDRESS"}, "DOMAIN_NAME": {"URL"}, "IBAN_CODE": {"IBAN"}, "US_SSN": {"SSN"},
    "IP_ADDRESS": {"IP_ADDRESS"}, "US_DRIVER_LICENSE": {"NATIONAL_ID"},
}
STRUCTURED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN", "DOMAIN_NAME")


@dataclass(frozen=True)
class Pred:
    start: int
    end: int
    category: str


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _compatible(gold_label: str, category: str) -> bool:
    return category in GOLD_TO_CATEGORIES.get(gold_label, {gold_label})


def _prf(tp_p: int, n_p: int, tp_r: int, n_r: int) -> dict[str, float]:
    p = tp_p / n_p if n_p else 1.0
    r = tp_r / n_r if n_r else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "support": n_r, "predicted": n_p}


@dataclass
class SpanScorer:
    """Accumulates matches over samples; `result()` gives overall and per-category tables."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    gold_by: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    pred_by: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def add(self, text: str, gold: list[Any], preds: list[Pred]) -> None:
        c = self.counts
        c["gold"] += len(gold)
        c["pred"] += len(preds)
        for g in gold:
            row = self.gold_by[g.category]
            row["n"] += 1
            hits = [p for p in preds if _overlaps(g.start, g.end, p.start, p.end)]
            exact = any(p.start == g.start and p.end == g.end and _compatible(g.category, p.category) for p in hits)
            typed = any(_compatible(g.category, p.category) for p in hits)
            for key, ok in (("exact", exact), ("typed", typed), ("caught", bool(hits))):
                c[f"gold_{key}"] += ok
                row[key] += ok
            covered = self._covered(g.start, g.end, preds)
            row["chars"] += g.end - g.start
            row["chars_covered"] += covered
        for p in preds:
            row = self.pred_by[p.category]
            row["n"] += 1
            hits = [g for g in gold if _overlaps(g.start, g.end, p.start, p.end)]
            exact = any(p.start == g.start and p.end == g.end and _compatible(g.category, p.category) for g in hits)
            typed = any(_compatible(g.category, p.category) for g in hits)
            for key, ok in (("exact", exact), ("typed", typed), ("caught", bool(hits))):
                c[f"pred_{key}"] += ok
                row[key] += ok
        gold_chars = self._mask(len(text), [(g.start, g.end) for g in gold])
        pred_chars = self._mask(len(text), [(p.start, p.end) for p in preds])
        c["chars_gold"] += sum(gold_chars)
        c["chars_pred"] += sum(pred_chars)
        c["chars_both"] += sum(a and b for a, b in zip(gold_chars, pred_chars))

    @staticmethod
    def _mask(n: int, ranges: list[tuple[int, int]]) -> list[bool]:
        mask = [False] * n
        for a, b in ranges:
            for i in range(max(0, a), min(n, b)):
                mask[i] = True
        return mask

    @staticmethod
    def _covered(start: int, end: int, preds: list[Pred]) -> int:
        return sum(1 for i in range(start, end) if any(p.start <= i < p.end for p in preds))

    def result(self) -> dict[str, Any]:
        c = self.counts
        out: dict[str, Any] = {}
        for key in ("exact", "typed", "caught"):
            m = _prf(c[f"pred_{key}"], c["pred"], c[f"gold_{key}"], c["gold"])
            out[f"{key}_precision"], out[f"{key}_recall"], out[f"{key}_f1"] = m["precision"], m["recall"], m["f1"]
        out["char_recall"] = round(c["chars_both"] / c["chars_gold"], 4) if c["chars_gold"] else 1.0
        out["char_precision"] = round(c["chars_both"] / c["chars_pred"], 4) if c["chars_pred"] else 1.0
        out["gold_spans"], out["predicted_spans"] = c["gold"], c["pred"]
        out["per_gold_category"] = {
            cat: {"support": r["n"], "exact_recall": round(r["exact"] / r["n"], 4),
                  "typed_recall": round(r["typed"] / r["n"], 4), "caught_recall": round(r["caught"] / r["n"], 4),
                  "char_recall": round(r["chars_covered"] / r["chars"], 4) if r["chars"] else 1.0}
            for cat, r in sorted(self.gold_by.items(), key=lambda kv: -kv[1]["n"])}
        out["per_predicted_category"] = {
            cat: {"predicted": r["n"], "exact_precision": round(r["exact"] / r["n"], 4),
                  "typed_precision": round(r["typed"] / r["n"], 4), "caught_precision": round(r["caught"] / r["n"], 4)}
            for cat, r in sorted(self.pred_by.items(), key=lambda kv: -kv[1]["n"])}
        structured = [self.gold_by[k] for k in STRUCTURED if k in self.gold_by]
        n = sum(r["n"] for r in structured)
        out["structured_caught_recall"] = round(sum(r["caught"] for r in structured) / n, 4) if n else None
        return out


def phrase_scores(samples_phrases: list[tuple[list[str], list[str]]]) -> dict[str, float]:
    """Phrase level (annotation paper): a gold phrase is found if an extracted phrase overlaps it
    as text (either contains the other, case-insensitive); precision the other way round."""
    tp_r = n_r = tp_p = n_p = 0
    for gold, found in samples_phrases:
        g = [x.casefold() for x in gold]
        f = [x.casefold() for x in found]
        n_r += len(g)
        n_p += len(f)
        tp_r += sum(any(a in b or b in a for b in f) for a in g)
        tp_p += sum(any(a in b or b in a for b in g) for a in f)
    m = _prf(tp_p, n_p, tp_r, n_r)
    return {"phrase_precision": m["precision"], "phrase_recall": m["recall"], "phrase_f1": m["f1"]}
