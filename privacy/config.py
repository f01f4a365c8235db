"""Privacy settings (the `privacy:` section of duet's config) and the detector they build."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from privacy.detector import Detector, Layer
from privacy.phrases import AllowList, PhraseLayer
from privacy.patterns import PatternLayer
from privacy.spans import CATEGORIES

MODES = ("redact", "block", "route_local", "allow")


@dataclass
class PrivacyConfig:
    enabled: bool = True
    recognizers: list[str] | None = None  # pattern recognizers by name; None: all of them
    ner: str | None = "crf"  # "crf" (ours, trained on generated data), "spacy", or None
    ner_model: str | None = None  # path to a trained NER model; None: the packaged one
    slm: bool = False  # SLM phrase extraction (slow; off by default)
    slm_model: str | None = None
    phrases: dict[str, list[str]] = field(default_factory=dict)  # category -> phrases
    patterns: dict[str, str] = field(default_factory=dict)  # category -> regular expression
    allow: list[str] = field(default_factory=list)
    allow_patterns: list[str] = field(default_factory=list)
    budget_ms: float = 1000.0  # per text, plus budget_ms_per_kb; exceeded -> fail closed
    budget_ms_per_kb: float = 50.0
    default_mode: str = "redact"
    modes: dict[str, str] = field(default_factory=dict)  # category -> redact|block|route_local|allow
    allow_off: bool = False  # may a request turn privacy off (duet.privacy = "off")?
    vault_dir: str | None = None  # encrypted vault persistence; needs the key env variable below
    vault_key_env: str = "DUET_VAULT_KEY"

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> "PrivacyConfig":
        raw = dict(raw or {})
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown privacy settings: {sorted(unknown)}")
        if isinstance(raw.get("phrases"), list):
            raw["phrases"] = {"PHRASE": raw["phrases"]}
        cfg = cls(**raw)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        for category, mode in {**self.modes, "*": self.default_mode}.items():
            if mode not in MODES:
                raise ValueError(f"privacy mode for {category} must be one of {MODES}, not {mode!r}")
        if self.ner not in (None, "crf", "spacy"):
            raise ValueError(f"privacy.ner must be crf, spacy or null, not {self.ner!r}")

    def mode(self, category: str) -> str:
        return self.modes.get(category, self.default_mode)

    def active_categories(self) -> set[str]:
        every = set(CATEGORIES) | {c.upper() for c in self.phrases} | {c.upper() for c in self.patterns}
        return {c for c in every if self.mode(c) != "allow"}


def build_detector(config: PrivacyConfig | None = None) -> Detector:
    """The detector the settings describe; heavy layers are imported only when enabled."""
    config = config or PrivacyConfig()
    layers: list[Layer] = [PatternLayer(config.recognizers)]
    if config.phrases or config.patterns:
        layers.append(PhraseLayer(config.phrases, config.patterns))
    if config.ner == "crf":
        from privacy.ner import CrfNerLayer

        layers.append(CrfNerLayer.load(config.ner_model))
    elif config.ner == "spacy":
        from privacy.spacy_ner import SpacyNerLayer

        layers.append(SpacyNerLayer())
    if config.slm:
        from privacy.slm import SlmPhraseLayer

        layers.append(SlmPhraseLayer(config.slm_model))
    return Detector(layers, AllowList(config.allow, config.allow_patterns), config.budget_ms,
                    config.active_categories(), config.budget_ms_per_kb)
