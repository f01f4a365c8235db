"""Readers for three public formats of per-model routing outcomes, all into `policies.table.RoutingTable`.

- RouterBench wide CSV: `prompt` (a Python-list-looking string), `eval_name`, one score column per model,
  `<model>|total_cost`, `<model>|model_response`. Rows where a model has no score are dropped (the model
  failed to run there; scoring it 0 would blame the model for the harness).
- scores JSON: `[{"question", "scores": {model: score}}]` (optional "documents"); costs come from a price
  table in $ per million tokens and token counts estimated from the question and a typical answer length.
- RouteLLM CSV: `prompt` plus one boolean column per model, optionally `<model>_response`; a directory of
  such CSVs (MMLU) is read as one table with the file name as the group.
"""

from __future__ import annotations

import ast
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from policies.table import RoutingTable
from policies.text import routing_text

FORMATS = ("routerbench", "scores-json", "routellm")
TYPICAL_ANSWER_TOKENS = 256
DEFAULT_PRICES = Path(__file__).with_name("prices.json")

csv.field_size_limit(sys.maxsize)


def estimate_tokens(text: str) -> int:
    """About four characters per token for English; good enough to price a question."""
    return max(1, (len(text) + 3) // 4)


def read_prices(path: str | Path | None) -> dict[str, dict[str, float]]:
    if path is None:
        return {}
    return json.loads(Path(path).read_text())


def _first_text(value: str) -> str:
    """RouterBench stores prompts and answers as the repr of a Python list of strings."""
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = ast.literal_eval(value)
            if isinstance(parsed, list):
                return "\n\n".join(str(p) for p in parsed)
        except (ValueError, SyntaxError):
            pass
    return value


def load_routerbench(path: str | Path) -> RoutingTable:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: no rows")
    header = list(rows[0].keys())
    models = [c for c in header if f"{c}|total_cost" in header]
    queries, scores, costs, responses, groups, prompts = [], [], [], [], [], []
    dropped = 0
    for row in rows:
        if any(row[m].strip() == "" for m in models):
            dropped += 1
            continue
        prompt = _first_text(row["prompt"])
        prompts.append(prompt)
        queries.append(routing_text(prompt))
        scores.append([float(row[m]) for m in models])
        costs.append([float(row[f"{m}|total_cost"] or 0.0) for m in models])
        responses.append([_first_text(row.get(f"{m}|model_response", "")) for m in models])
        groups.append(row.get("eval_name", ""))
    return RoutingTable(queries, models, np.array(scores), np.array(costs), responses=responses, groups=groups,
                        notes={"source": str(path), "format": "routerbench", "dropped_rows_missing_score": str(dropped),
                               "costs": "RouterBench's measured total_cost per query"})


def _price_costs(texts: list[str], models: list[str], prices: dict[str, dict[str, float]],
                 answer_tokens: int) -> np.ndarray:
    missing = [m for m in models if m not in prices]
    if missing:
        raise ValueError(f"no price for {', '.join(missing)}: pass --prices FILE with {{model: {{input_price, output_price}}}}")
    costs = np.zeros((len(texts), len(models)))
    for i, text in enumerate(texts):
        tokens = estimate_tokens(text)
        for j, m in enumerate(models):
            costs[i, j] = (tokens * prices[m]["input_price"] + answer_tokens * prices[m]["output_price"]) / 1e6
    return costs


def load_scores_json(path: str | Path, prices: dict[str, dict[str, float]] | None = None,
                     answer_tokens: int = TYPICAL_ANSWER_TOKENS) -> RoutingTable:
    items: list[dict[str, Any]] = json.loads(Path(path).read_text())
    models = sorted({m for item in items for m in item["scores"]})
    items = [it for it in items if all(m in it["scores"] for m in models)]
    questions = [str(it["question"]) for it in items]
    scores = np.array([[float(it["scores"][m]) for m in models] for it in items])
    measured = all(m in it.get("costs", {}) for it in items for m in models)
    if measured:  # `duet label` records what each call really cost
        costs = np.array([[float(it["costs"][m]) for m in models] for it in items])
    else:
        prices = prices if prices is not None else read_prices(DEFAULT_PRICES)
        costs = _price_costs(questions, models, prices, answer_tokens)
    documents = [list(it.get("documents", [])) for it in items]
    responses = [[str(it.get("responses", {}).get(m, "")) for m in models] for it in items]
    return RoutingTable([routing_text(q) for q in questions], models, scores, costs,
                        responses=responses if any(any(r) for r in responses) else None,
                        documents=documents if any(documents) else None,
                        groups=[str(it.get("group", "")) for it in items],
                        notes={"source": str(path), "format": "scores-json",
                               "costs": "measured per call" if measured else
                               f"price table x (question tokens ~ chars/4 + {answer_tokens} answer tokens)"})


def _truthy(value: str) -> float:
    v = value.strip().lower()
    if v in ("true", "1", "1.0", "yes"):
        return 1.0
    if v in ("false", "0", "0.0", "no", ""):
        return 0.0
    return float(v)


def load_routellm(path: str | Path, prices: dict[str, dict[str, float]] | None = None,
                  answer_tokens: int = TYPICAL_ANSWER_TOKENS) -> RoutingTable:
    path = Path(path)
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    texts, scores, responses, groups = [], [], [], []
    models: list[str] | None = None
    for file in files:
        with open(file, newline="") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            file_models = [c for c in header if c != "prompt" and not c.endswith("_response") and c.strip()]
            if models is None:
                models = file_models
            elif set(file_models) != set(models):
                raise ValueError(f"{file}: models {file_models} differ from {models}")
            for row in reader:
                texts.append(row["prompt"])
                scores.append([_truthy(row[m]) for m in models])
                responses.append([row.get(f"{m}_response", "") or "" for m in models])
                groups.append(file.stem)
    if not models:
        raise ValueError(f"{path}: no model columns")
    prices = prices if prices is not None else read_prices(DEFAULT_PRICES)
    costs = _price_costs(texts, models, prices, answer_tokens)
    has_responses = any(any(r) for r in responses)
    return RoutingTable([routing_text(t) for t in texts], models, np.array(scores), costs,
                        responses=responses if has_responses else None, groups=groups,
                        notes={"source": str(path), "format": "routellm",
                               "costs": f"price table x (prompt tokens ~ chars/4 + {answer_tokens} answer tokens)"})


def load_table(path: str | Path, fmt: str | None = None, prices_path: str | Path | None = None) -> RoutingTable:
    fmt = fmt or guess_format(path)
    prices = read_prices(prices_path) if prices_path else None
    if fmt == "routerbench":
        return load_routerbench(path)
    if fmt == "scores-json":
        return load_scores_json(path, prices)
    if fmt == "routellm":
        return load_routellm(path, prices)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def guess_format(path: str | Path) -> str:
    path = Path(path)
    if path.suffix == ".json" or path.suffix == ".jsonl":
        return "scores-json"
    if path.is_dir():
        return "routellm"
    with open(path, newline="") as f:
        header = next(csv.reader(f), [])
    return "routerbench" if any(h.endswith("|total_cost") for h in header) else "routellm"
