"""Source code: a block per top-level function or class, the rest grouped as module code.

Python is split exactly with `ast`; other languages by lines that open a top-level definition.
"""

from __future__ import annotations

import ast
import re

from agents.blocks import Block, TokenCounter, approx_tokens, make_blocks

_DEFINITION = re.compile(
    r"^(?:export\s+)?(?:(?:public|private|protected|static|async|pub|inline|extern)\s+)*"
    r"(?:function|func|fn|def|class|struct|enum|interface|impl|trait|type|sub)\s+([A-Za-z_][\w]*)")


def _python_parts(source: str) -> list[tuple[str, str, str, dict]] | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    lines = source.splitlines()
    parts: list[tuple[str, str, str, dict]] = []
    loose: list[str] = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        end = node.end_lineno or node.lineno
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            parts.append((kind, f"{kind} {node.name}", "\n".join(lines[start:end]),
                          {"name": node.name, "lines": [start + 1, end]}))
        else:
            loose.append("\n".join(lines[start:end]))
    if loose:
        parts.insert(0, ("code", "module code (imports, constants)", "\n".join(loose), {}))
    return parts


def _generic_parts(source: str) -> list[tuple[str, str, str, dict]]:
    parts: list[tuple[str, str, str, dict]] = []
    current_title, current = "module code", []
    for line in source.splitlines():
        match = _DEFINITION.match(line)
        if match:
            if "\n".join(current).strip():
                kind = "code" if current_title == "module code" else "function"
                parts.append((kind, current_title, "\n".join(current), {}))
            current_title, current = f"definition {match.group(1)}", []
        current.append(line)
    if "\n".join(current).strip():
        kind = "code" if current_title == "module code" else "function"
        parts.append((kind, current_title, "\n".join(current), {}))
    return parts


def partition_code(source: str, language: str = "python", count: TokenCounter = approx_tokens,
                   prefix: str = "b") -> list[Block]:
    """Top-level definitions as blocks; unparsable Python falls back to the line-based splitter."""
    parts = _python_parts(source) if language == "python" else None
    return make_blocks(parts if parts is not None else _generic_parts(source), prefix, count)
