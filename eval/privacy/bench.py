"""Runs each detector system over a data set and prints a comparison table."""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Any, Protocol

from eval.privacy.loaders import LOADERS, Sample
from eval.privacy.metrics import Pred, SpanScorer, phrase_scores


class System(Protocol):
    name: str

    def predict(self, text: str) -> list[Pred]: ...


class DuetSystem:
    """duet's detector built from a privacy config, seen only through its public API."""

    def __init__(self, name: str, **config: Any) -> None:
        from privacy.config import PrivacyConfig, build_detector

        self.name = name
        self.detector = build_detector(PrivacyConfig(budget_ms=None, **config))

    def predict(self, text: str) -> list[Pred]:
        return [Pred(s.start, s.end, s.category) for s in self.detector.scan(text)]

    def phrases(self, text: str) -> list[str]:
        return [s.text for s in self.detector.scan(text)]


def make_system(name: str, ner_model: str | None = None) -> System:
    if name == "duet":
        return DuetSystem(name, ner="crf", ner_model=ner_model)
    if name == "duet_patterns":
        return DuetSystem(name, ner=None)
    if name == "duet_spacy":
        return DuetSystem(name, ner="spacy")
    if name == "duet_slm":
        return DuetSystem(name, ner="crf", ner_model=ner_model, slm=True)
    if name in ("presidio", "presidio_org"):
        from eval.privacy.presidio_baseline import PresidioSystem

        return PresidioSystem(with_org=name == "presidio_org")
    raise SystemExit(f"unknown system {name!r}")


def kb_texts(samples: list[Sample], count: int) -> list[str]:
    """Joins consecutive samples into texts of about 1 KB, the unit latency is reported in."""
    out, buf = [], []
    for s in samples:
        buf.append(s.text)
        if len("\n\n".join(buf).encode()) >= 1024:
            out.append("\n\n".join(buf))
            buf = []
            if len(out) >= count:
                break
    return out


def latency(system: System, texts: list[str]) -> dict[str, float]:
    """Wall-clock ms per KB (what a request waits) and this thread's CPU ms per KB (what the
    detector costs, unaffected by other processes competing for the 2 cores)."""
    system.predict(texts[0])  # warm-up: lazy loads are not per-request costs
    per_kb, cpu_per_kb = [], []
    for text in texts:
        kb = len(text.encode()) / 1024
        t0, c0 = time.perf_counter(), time.thread_time()
        system.predict(text)
        per_kb.append((time.perf_counter() - t0) * 1000.0 / kb)
        cpu_per_kb.append((time.thread_time() - c0) * 1000.0 / kb)
    per_kb.sort()
    cpu_per_kb.sort()
    p95 = min(len(per_kb) - 1, int(0.95 * len(per_kb)))
    return {"ms_per_kb_p50": round(statistics.median(per_kb), 2), "ms_per_kb_p95": round(per_kb[p95], 2),
            "cpu_ms_per_kb_p50": round(statistics.median(cpu_per_kb), 2),
            "cpu_ms_per_kb_p95": round(cpu_per_kb[p95], 2),
            "latency_texts": len(per_kb), "load_average": round(os.getloadavg()[0], 2)}


def evaluate(system: System, samples: list[Sample], fmt: str) -> dict[str, Any]:
    scorer = SpanScorer()
    phrase_rows = []
    t0 = time.perf_counter()
    for s in samples:
        preds = system.predict(s.text)
        scorer.add(s.text, s.gold, preds)
        if fmt == "annotation":
            phrase_rows.append(([p for p, _ in s.phrases], [s.text[p.start:p.end] for p in preds]))
    result = scorer.result()
    if fmt == "annotation":
        result.update(phrase_scores(phrase_rows))
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def run(data: str, fmt: str, systems: list[str], limit: int | None, latency_kb: int,
        ner_model: str | None = None, latency_only: bool = False) -> dict[str, Any]:
    samples = LOADERS[fmt](data)[:limit]
    texts = kb_texts(samples, latency_kb)
    report: dict[str, Any] = {"data": data, "format": fmt, "samples": len(samples),
                              "gold_spans": sum(len(s.gold) for s in samples),
                              "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
                              "systems": {}}
    for name in systems:
        system = make_system(name.strip(), ner_model)
        result = {} if latency_only else evaluate(system, samples, fmt)
        result.update(latency(system, texts))
        report["systems"][system.name] = result
        if not latency_only:
            print_summary(system.name, result)
    print_table(report)
    return report


def print_summary(name: str, r: dict[str, Any]) -> None:
    print(f"\n== {name}: caught R {r['caught_recall']:.3f} P {r['caught_precision']:.3f} | chars R "
          f"{r['char_recall']:.3f} P {r['char_precision']:.3f} | exact F1 {r['exact_f1']:.3f} | "
          f"{r['ms_per_kb_p50']:.1f} ms/KB p50 ({r['cpu_ms_per_kb_p50']:.1f} CPU)", flush=True)
    print(f"   {'gold category':<18}{'n':>6}{'caught':>8}{'typed':>8}{'exact':>8}{'chars':>8}")
    for cat, row in r["per_gold_category"].items():
        print(f"   {cat:<18}{row['support']:>6}{row['caught_recall']:>8.3f}{row['typed_recall']:>8.3f}"
              f"{row['exact_recall']:>8.3f}{row['char_recall']:>8.3f}")


def print_table(report: dict[str, Any]) -> None:
    keys = ["caught_recall", "caught_precision", "char_recall", "char_precision", "typed_f1", "exact_f1",
            "structured_caught_recall", "ms_per_kb_p50", "ms_per_kb_p95", "cpu_ms_per_kb_p50", "load_average"]
    names = list(report["systems"])
    print(f"\n{report['samples']} samples, {report['gold_spans']} gold spans")
    print(f"{'metric':<26}" + "".join(f"{n:>14}" for n in names))
    for k in keys:
        cells = []
        for n in names:
            v = report["systems"][n].get(k)
            cells.append(f"{v:>14.3f}" if isinstance(v, (int, float)) and not isinstance(v, bool) else f"{'-':>14}")
        print(f"{k:<26}" + "".join(cells))
