"""The per-session mapping between private values and typed placeholders, and its undoing.

The same value always gets the same placeholder within a session (`<PERSON_1>` stays Alice for
every turn), so a model can reason about who is who without seeing anyone. Values live in memory;
persistence is optional and always encrypted (Fernet), never plain text on disk.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*)_(\d+)>")
_MAX_PLACEHOLDER = 40  # longest "<CATEGORY_123>" the stream restorer will wait for
_PARTIAL = re.compile(r"<(?:[A-Z][A-Z_]*\d*)?$")


class Vault:
    """Value <-> placeholder for one session."""

    def __init__(self, session_id: str = "") -> None:
        self.session_id = session_id
        self._by_value: dict[str, str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def placeholder(self, value: str, category: str) -> str:
        key = _normalise(value)
        with self._lock:
            found = self._by_value.get(key)
            if found is None:
                self._counters[category] = self._counters.get(category, 0) + 1
                found = f"<{category}_{self._counters[category]}>"
                self._by_value[key] = found
                self._by_placeholder[found] = value
            return found

    def value(self, placeholder: str) -> str | None:
        return self._by_placeholder.get(placeholder)

    def restore(self, text: str) -> str:
        """Known placeholders back to their values; unknown ones stay as they are."""
        if "<" not in text:
            return text
        return PLACEHOLDER.sub(lambda m: self._by_placeholder.get(m.group(0), m.group(0)), text)

    def stream_restorer(self) -> "StreamRestorer":
        return StreamRestorer(self)

    def __len__(self) -> int:
        return len(self._by_placeholder)

    def placeholders(self) -> list[str]:
        return list(self._by_placeholder)

    def to_json(self) -> str:
        with self._lock:
            return json.dumps({"session_id": self.session_id, "counters": self._counters,
                               "values": [[p, v] for p, v in self._by_placeholder.items()]})

    @classmethod
    def from_json(cls, data: str) -> "Vault":
        raw = json.loads(data)
        vault = cls(raw.get("session_id", ""))
        vault._counters = {k: int(n) for k, n in raw["counters"].items()}
        for placeholder, value in raw["values"]:
            vault._by_value[_normalise(value)] = placeholder
            vault._by_placeholder[placeholder] = value
        return vault


def _normalise(value: str) -> str:
    return " ".join(value.split()).casefold()


class StreamRestorer:
    """Restores placeholders in a stream of text chunks, holding back only a possible partial
    placeholder at the end of what has arrived (never the whole stream)."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._pending = ""

    def feed(self, chunk: str) -> str:
        text = self._pending + chunk
        cut = len(text)
        lt = text.rfind("<", max(0, len(text) - _MAX_PLACEHOLDER))
        if lt != -1 and _PARTIAL.fullmatch(text[lt:]):
            cut = lt
        self._pending = text[cut:]
        return self.vault.restore(text[:cut])

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return self.vault.restore(rest)

    __call__ = feed


class VaultStore:
    """Vaults per session id, in memory; with `path` and `key`, saved encrypted on every change."""

    def __init__(self, path: str | Path | None = None, key: bytes | str | None = None) -> None:
        if (path is None) != (key is None):
            raise ValueError("persistent vaults need both a path and an encryption key")
        self._vaults: dict[str, Vault] = {}
        self._lock = threading.Lock()
        self._dir = Path(path) if path else None
        self._fernet = None
        if self._dir is not None:
            from cryptography.fernet import Fernet

            self._fernet = Fernet(key if isinstance(key, bytes) else key.encode())
            self._dir.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def new_key() -> bytes:
        from cryptography.fernet import Fernet

        return Fernet.generate_key()

    def get(self, session_id: str | None) -> Vault:
        """The session's vault; a request without a session gets a fresh one of its own."""
        if not session_id:
            return Vault()
        with self._lock:
            vault = self._vaults.get(session_id)
            if vault is None:
                vault = self._load(session_id) or Vault(session_id)
                self._vaults[session_id] = vault
            return vault

    def save(self, vault: Vault) -> None:
        if self._fernet is None or not vault.session_id:
            return
        token = self._fernet.encrypt(vault.to_json().encode())
        target = self._file(vault.session_id)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(token)
        tmp.replace(target)

    def _load(self, session_id: str) -> Vault | None:
        if self._fernet is None:
            return None
        file = self._file(session_id)
        if not file.exists():
            return None
        return Vault.from_json(self._fernet.decrypt(file.read_bytes()).decode())

    def _file(self, session_id: str) -> Path:
        import hashlib

        assert self._dir is not None
        return self._dir / (hashlib.sha256(session_id.encode()).hexdigest()[:32] + ".vault")
