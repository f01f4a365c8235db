"""JSON: subtrees as blocks. The largest subtree is split into its children until every block fits
the budget and there are enough blocks; sibling scalars stay together as one "fields" block."""

from __future__ import annotations

import json
from typing import Any

from agents.blocks import Block, TokenCounter, approx_tokens, make_blocks

_NAME_KEYS = ("name", "title", "id", "key", "label")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _child_path(path: str, key: Any) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _title(path: str, value: Any) -> str:
    if isinstance(value, dict):
        for key in _NAME_KEYS:
            if isinstance(value.get(key), str | int | float) and not isinstance(value.get(key), bool):
                return f"{path} ({key}={value[key]})"
    return path


def _split(path: str, value: Any) -> list[tuple[str, Any, bool]]:
    """Children of a container as (path, value, is_field_group)."""
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
    out: list[tuple[str, Any, bool]] = []
    scalars: dict[Any, Any] = {}
    for key, child in items:
        if isinstance(child, dict | list) and child:
            out.append((_child_path(path, key), child, False))
        else:
            scalars[key] = child
    if scalars:
        group = scalars if isinstance(value, dict) else list(scalars.values())
        out.insert(0, (path, group, True))
    return out


def _splittable(value: Any, grouped: bool) -> bool:
    """A container can be split unless it is already a group of sibling scalars."""
    if grouped or not isinstance(value, dict | list) or not value:
        return False
    children = list(value.values()) if isinstance(value, dict) else value
    return len(children) > 1 or isinstance(children[0], dict | list)


def partition_json(data: str | Any, max_tokens: int = 300, min_blocks: int = 5,
                   count: TokenCounter = approx_tokens, prefix: str = "b") -> list[Block]:
    """Blocks are JSON subtrees titled by their path (`$.orders[2] (id=A17)`)."""
    value = json.loads(data) if isinstance(data, str) else data
    nodes: list[tuple[str, Any, bool]] = [("$", value, False)]
    while True:
        sizes = [count(_dump(v)) if _splittable(v, g) else -1 for _, v, g in nodes]
        largest = max(range(len(nodes)), key=lambda i: sizes[i])
        if sizes[largest] < 0 or (len(nodes) >= min_blocks and sizes[largest] <= max_tokens):
            break
        path, child, _ = nodes[largest]
        nodes[largest: largest + 1] = _split(path, child)
    parts = [("json", (f"{p} (fields)" if g else _title(p, v)), _dump(v), {"path": p}) for p, v, g in nodes]
    return make_blocks(parts, prefix, count)
