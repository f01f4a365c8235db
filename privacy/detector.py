"""The detector: runs its layers over a text within a time budget and merges their spans.

Failing loudly is the point: any layer error or a blown budget raises, so callers can fail closed
instead of forwarding text that was never checked.
"""

from __future__ import annotations

import time
from typing import Protocol

from privacy.phrases import AllowList
from privacy.spans import Span, resolve


class Layer(Protocol):
    name: str

    def scan(self, text: str) -> list[Span]: ...


class DetectorError(RuntimeError):
    """The text could not be checked; nothing derived from it may leave the machine."""


class DetectorTimeout(DetectorError):
    pass


class Detector:
    """`scan(text) -> list[Span]`: non-overlapping private spans in text order."""

    def __init__(self, layers: list[Layer], allow: AllowList | None = None,
                 budget_ms: float | None = None, categories: set[str] | None = None,
                 budget_ms_per_kb: float = 0.0) -> None:
        self.layers = layers
        self.allow = allow or AllowList()
        self.budget_ms = budget_ms  # fixed part of the time budget; None: no budget
        self.budget_ms_per_kb = budget_ms_per_kb  # long texts get proportionally more time
        self.categories = categories  # None: keep every category

    def scan(self, text: str) -> list[Span]:
        if not isinstance(text, str):
            raise DetectorError(f"can only scan text, got {type(text).__name__}")
        if not text.strip():
            return []
        started = time.perf_counter()
        budget = None if self.budget_ms is None else self.budget_ms + self.budget_ms_per_kb * len(text) / 1024
        found: list[Span] = []
        for layer in self.layers:
            try:
                found.extend(layer.scan(text))
            except DetectorError:
                raise
            except Exception as exc:  # a broken layer means unchecked text: surface it
                raise DetectorError(f"{layer.name} layer failed: {type(exc).__name__}: {exc}") from exc
            self._check_budget(started, budget, layer.name)
        if self.categories is not None:
            found = [s for s in found if s.category in self.categories]
        if self.allow:
            found = [s for s in found if not self.allow.allows(s.text)]
        spans = resolve(found, text)
        self._check_budget(started, budget, "merge")
        return spans

    @staticmethod
    def _check_budget(started: float, budget: float | None, where: str) -> None:
        if budget is None:
            return
        spent = (time.perf_counter() - started) * 1000.0
        if spent > budget:
            raise DetectorTimeout(f"detector exceeded its {budget:.0f} ms budget after {where} "
                                  f"({spent:.0f} ms)")
