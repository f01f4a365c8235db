"""XML and HTML (pages, UI screen hierarchies): group content elements by their ancestor path,
taking the first depth that yields enough blocks — the layout-aware split CORE uses for screens.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser

from agents.blocks import Block, TokenCounter, approx_tokens, make_blocks

# Attributes that carry what a user sees or what identifies an element on a screen.
CONTENT_ATTRS = ("text", "content-desc", "hint", "alt", "title", "placeholder", "value", "aria-label",
                 "label", "href")
NAME_ATTRS = ("resource-id", "id", "name", "class")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_SKIP = {"script", "style", "head", "noscript", "template"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def label(self) -> str:
        """Tag plus the first identifying attribute: a readable path step."""
        for key in NAME_ATTRS:
            if self.attrs.get(key):
                if key == "class":  # "android.widget.Button" -> Button; "btn primary" -> btn
                    return f"{self.tag}.{self.attrs[key].split()[0].split('.')[-1]}"
                return f"{self.tag}#{self.attrs[key].split('/')[-1].split()[0]}"
        return self.tag

    def content(self) -> str:
        """One line for what this element shows; empty when it shows nothing itself."""
        bits = [self.text.strip()] if self.text.strip() else []
        bits += [f'{k}="{self.attrs[k]}"' for k in CONTENT_ATTRS if self.attrs.get(k, "").strip()]
        return f"{self.label()}: {' '.join(bits)}" if bits else ""


class _HTMLTree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document", {})
        self.stack = [self.root]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
            return
        if self.skipping:
            return
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            node = self.stack[-1]
            node.text = f"{node.text} {data.strip()}".strip()


def _from_etree(element: ET.Element) -> Node:
    text = " ".join(t.strip() for t in [element.text or ""] + [c.tail or "" for c in element] if t.strip())
    tag = element.tag.split("}")[-1] if isinstance(element.tag, str) else "node"
    return Node(tag, dict(element.attrib), text, [_from_etree(c) for c in element])


def parse_markup(text: str) -> Node:
    """Well-formed XML through ElementTree; anything else (HTML) through a forgiving parser."""
    try:
        return Node("document", {}, "", [_from_etree(ET.fromstring(text.strip()))])
    except ET.ParseError:
        parser = _HTMLTree()
        parser.feed(text)
        parser.close()
        return parser.root


def _content_nodes(node: Node, path: tuple[Node, ...] = ()) -> list[tuple[tuple[Node, ...], str]]:
    """(ancestor path including the node, content line) for every element that shows something."""
    here = path + (node,)
    found = [(here, node.content())] if node.content() else []
    for child in node.children:
        found.extend(_content_nodes(child, here))
    return found


def _group(items: list[tuple[tuple[Node, ...], str]], depth: int) -> dict[tuple[int, ...], list]:
    groups: dict[tuple[int, ...], list] = {}
    for path, line in items:
        key = tuple(id(n) for n in path[: depth + 1])
        groups.setdefault(key, []).append((path, line))
    return groups


def partition_markup(text: str, min_blocks: int = 5, count: TokenCounter = approx_tokens,
                     prefix: str = "b") -> list[Block]:
    """Blocks = content elements grouped by their ancestor at depth d, for the smallest d giving at
    least `min_blocks` groups (or the depth giving the most groups when none does)."""
    items = _content_nodes(parse_markup(text))
    if not items:
        return []
    deepest = max(len(path) for path, _ in items)
    best: dict[tuple[int, ...], list] = {}
    for depth in range(1, deepest + 1):
        groups = _group(items, depth)
        if len(groups) > len(best):
            best = groups
        if len(groups) >= min_blocks:
            best = groups
            break
    parts = []
    for key, members in best.items():
        ancestors = members[0][0][1: len(key)]  # skip the synthetic document root
        # The last two path steps identify a panel well enough and keep revealed titles short.
        title = " > ".join(n.label() for n in ancestors[-2:]) or "document"
        parts.append(("element", title, "\n".join(line for _, line in members), {"depth": len(key) - 1}))
    return make_blocks(parts, prefix, count)
