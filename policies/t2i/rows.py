"""Labelled prompts: one JSON object per line with both models' scores on every dimension.

{"prompt": "...", "dimensions": ["sharpness", ...], "edge": [..], "cloud": [..],
 "edge_image": "path or null", "cloud_image": "path or null"}
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np


@dataclass
class LabelledPrompt:
    prompt: str
    dimensions: list[str]
    edge: list[float]
    cloud: list[float]
    edge_image: str | None = None
    cloud_image: str | None = None


def read_rows(path: str | Path) -> list[LabelledPrompt]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            row = LabelledPrompt(prompt=str(obj["prompt"]), dimensions=list(obj["dimensions"]),
                                 edge=[float(x) for x in obj["edge"]], cloud=[float(x) for x in obj["cloud"]],
                                 edge_image=obj.get("edge_image"), cloud_image=obj.get("cloud_image"))
            if not (len(row.dimensions) == len(row.edge) == len(row.cloud)):
                raise ValueError(f"{path}:{n}: dimensions, edge and cloud differ in length")
            rows.append(row)
    if rows and any(r.dimensions != rows[0].dimensions for r in rows):
        raise ValueError(f"{path}: rows use different dimension lists")
    return rows


def write_rows(path: str | Path, rows: list[LabelledPrompt]) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(asdict(row)) + "\n")


def score_arrays(rows: list[LabelledPrompt]) -> tuple[np.ndarray, np.ndarray]:
    """(edge, cloud), each (n, M) float64."""
    edge = np.array([r.edge for r in rows], dtype=np.float64).reshape(len(rows), -1)
    cloud = np.array([r.cloud for r in rows], dtype=np.float64).reshape(len(rows), -1)
    return edge, cloud


def read_prompts(path: str | Path) -> list[str]:
    """Prompts from a text file (one per line) or JSONL with a "prompt" field."""
    prompts = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            text = line.strip()
            if not text:
                continue
            if text.startswith("{"):
                text = str(json.loads(text)["prompt"])
            prompts.append(text)
    return prompts
