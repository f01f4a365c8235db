"""Replaces detected spans in chat messages with the session vault's placeholders."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from privacy.detector import Detector, DetectorError
from privacy.spans import Span
from privacy.vault import Vault

MAX_PARTS = 1000


@dataclass
class Redaction:
    """Redacted copies of the messages and what was replaced (spans keep raw text: never log them)."""

    messages: list[dict[str, Any]]
    spans: list[Span] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(Counter(s.category for s in self.spans))

    def private_chars(self) -> int:
        return sum(len(s) for s in self.spans)

    def report(self) -> dict[str, Any]:
        """What was kept local, without any raw value."""
        return {"counts": self.counts(), "placeholders": sorted(set(self.placeholders)),
                "private_chars": self.private_chars()}


class Redactor:
    """`redact(messages, vault)`: every text a model would read, with private spans replaced."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector

    def redact_text(self, text: str, vault: Vault) -> tuple[str, list[Span], list[str]]:
        spans = self.detector.scan(text)
        out: list[str] = []
        placeholders: list[str] = []
        pos = 0
        for span in spans:
            ph = vault.placeholder(span.text, span.category)
            placeholders.append(ph)
            out.append(text[pos:span.start])
            out.append(ph)
            pos = span.end
        out.append(text[pos:])
        return "".join(out), spans, placeholders

    def redact(self, messages: list[dict[str, Any]], vault: Vault) -> Redaction:
        if not isinstance(messages, list):
            raise DetectorError("messages must be a list")
        result = Redaction(messages=[])
        for message in messages:
            if not isinstance(message, dict):
                raise DetectorError("each message must be an object")
            new = copy.copy(message)
            content = message.get("content")
            if isinstance(content, str):
                new["content"] = self._text(content, vault, result)
            elif isinstance(content, list):
                if len(content) > MAX_PARTS:
                    raise DetectorError(f"message has more than {MAX_PARTS} content parts")
                new["content"] = [self._part(part, vault, result) for part in content]
            elif content is not None:
                raise DetectorError(f"unsupported content type {type(content).__name__}")
            if message.get("tool_calls"):
                new["tool_calls"] = [self._tool_call(call, vault, result) for call in message["tool_calls"]]
            result.messages.append(new)
        return result

    def _text(self, text: str, vault: Vault, result: Redaction) -> str:
        redacted, spans, placeholders = self.redact_text(text, vault)
        result.spans.extend(spans)
        result.placeholders.extend(placeholders)
        return redacted

    def _part(self, part: Any, vault: Vault, result: Redaction) -> Any:
        if not isinstance(part, dict):
            raise DetectorError("content parts must be objects")
        if part.get("type") == "text":
            if not isinstance(part.get("text"), str):
                raise DetectorError("text part without a string 'text'")
            return {**part, "text": self._text(part["text"], vault, result)}
        return part

    def _tool_call(self, call: Any, vault: Vault, result: Redaction) -> Any:
        if not isinstance(call, dict):
            raise DetectorError("tool calls must be objects")
        fn = call.get("function")
        if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
            call = copy.deepcopy(call)
            call["function"]["arguments"] = self._text(fn["arguments"], vault, result)
        return call
