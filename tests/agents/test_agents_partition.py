"""Partitioning of each context format, on fixtures written here."""

from __future__ import annotations

import json

from agents.blocks import approx_tokens
from agents.partition import (detect_kind, partition, partition_code, partition_conversation,
                              partition_documents, partition_json, partition_markdown, partition_markup)

SCREEN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<hierarchy rotation="0">
  <node class="android.widget.FrameLayout" resource-id="android:id/content">
    <node class="android.widget.LinearLayout" resource-id="com.shop:id/root">
      <node class="android.widget.Toolbar" resource-id="com.shop:id/toolbar">
        <node class="android.widget.TextView" text="Your basket" resource-id="com.shop:id/title"/>
        <node class="android.widget.ImageButton" content-desc="Search" resource-id="com.shop:id/search"/>
      </node>
      <node class="android.widget.ListView" resource-id="com.shop:id/items">
        <node class="android.widget.TextView" text="Green tea, 2 x 3.10"/>
        <node class="android.widget.TextView" text="Oat biscuits, 1 x 2.45"/>
      </node>
      <node class="android.widget.LinearLayout" resource-id="com.shop:id/summary">
        <node class="android.widget.TextView" text="Total 8.65"/>
        <node class="android.widget.Button" text="Checkout" resource-id="com.shop:id/checkout"/>
      </node>
      <node class="android.widget.LinearLayout" resource-id="com.shop:id/bottom_nav">
        <node class="android.widget.Button" text="Home"/>
        <node class="android.widget.Button" text="Orders"/>
        <node class="android.widget.Button" text="Account"/>
      </node>
    </node>
  </node>
</hierarchy>"""

PAGE_HTML = """<!doctype html><html><head><title>Pond</title><script>var secret = 1;</script></head>
<body><nav id="menu"><a href="/">Home</a><a href="/ducks">Ducks</a></nav>
<main id="content"><h1>Pond life</h1><p>Ducks eat duckweed.<br>They nest in reeds.</p>
<img src="frog.png" alt="A green frog"></main>
<aside class="ads"><p>Buy bread</p></aside><footer>Pond club 2024</footer></body></html>"""


def test_markup_groups_screen_elements_by_ancestor_at_first_depth_with_enough_blocks():
    blocks = partition_markup(SCREEN_XML, min_blocks=4)
    assert [b.title.split(" > ")[-1] for b in blocks] == [
        "node#toolbar", "node#items", "node#summary", "node#bottom_nav"]
    texts = {b.title.split("#")[-1]: b.text for b in blocks}
    assert "Your basket" in texts["toolbar"] and 'content-desc="Search"' in texts["toolbar"]
    assert "Oat biscuits" in texts["items"] and "Checkout" in texts["summary"]
    assert texts["bottom_nav"].count("\n") == 2  # three buttons, one line each
    assert all(b.type == "element" and b.tokens == approx_tokens(b.text) for b in blocks)
    assert len({b.id for b in blocks}) == len(blocks)


def test_markup_depth_grows_until_enough_blocks_and_falls_back_to_most_groups():
    assert len(partition_markup(SCREEN_XML, min_blocks=2)) == 4  # first depth with >= 2 groups
    many = partition_markup(SCREEN_XML, min_blocks=50)  # unreachable: take the finest grouping
    assert len(many) == 9  # one per element that shows something


def test_html_skips_scripts_and_keeps_attributes_users_see():
    blocks = partition_markup(PAGE_HTML, min_blocks=3)
    joined = "\n".join(b.text for b in blocks)
    assert "secret" not in joined
    assert 'alt="A green frog"' in joined and "Ducks eat duckweed." in joined
    titles = [b.title for b in blocks]
    assert any(t.endswith("nav#menu") for t in titles) and any(t.endswith("main#content") for t in titles)


def test_documents_one_block_each_and_long_ones_split_on_headings_then_paragraphs():
    long_doc = "# Guide\nIntro line.\n\n## Install\n" + "\n\n".join(
        f"Step {i}: run the installer with flag number {i} and wait." for i in range(30)) + "\n\n## Use\nRun it."
    blocks = partition_documents(["Short note about otters.", {"title": "Manual", "text": long_doc}], max_tokens=80)
    assert blocks[0].text == "Short note about otters." and blocks[0].meta["doc"] == 0
    manual = [b for b in blocks if b.meta["doc"] == 1]
    assert len(manual) > 3 and all(b.tokens <= 80 for b in manual)
    assert any(b.title.startswith("Manual > Guide > Install (part") for b in manual)
    assert manual[-1].title == "Manual > Guide > Use"
    assert "".join(b.text for b in manual).count("Step ") == 30


def test_conversation_turns_skip_system_and_keep_roles():
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": "My cat is called Biscuit."},
                {"role": "assistant", "content": "Nice name!"},
                {"role": "user", "content": [{"type": "text", "text": "She is nine years old."}]}]
    blocks = partition_conversation(messages)
    assert [b.meta["role"] for b in blocks] == ["user", "assistant", "user"]
    assert blocks[0].title == "user turn 1" and blocks[2].text == "She is nine years old."


def test_json_subtrees_respect_budget_and_lose_no_value():
    data = {"shop": "Pond Goods", "orders": [
        {"id": f"A{i}", "customer": f"customer {i}", "lines": [{"sku": f"S{i}{j}", "qty": j} for j in range(4)]}
        for i in range(6)], "settings": {"currency": "EUR", "vat": 0.2}}
    blocks = partition_json(json.dumps(data), max_tokens=60, min_blocks=5)
    assert all(b.tokens <= 60 for b in blocks)
    joined = " ".join(b.text for b in blocks)
    for i in range(6):
        assert f'"A{i}"' in joined and all(f'"S{i}{j}"' in joined for j in range(4))
    assert any(b.title == "$ (fields)" and "Pond Goods" in b.text for b in blocks)
    assert any(b.title.startswith("$.orders[3]") for b in blocks)


def test_markdown_sections_by_heading_path_ignoring_fenced_hashes():
    text = "Preface.\n# Setup\nInstall it.\n## Linux\n```sh\n# not a heading\napt install pond\n```\n# Usage\nRun pond."
    blocks = partition_markdown(text)
    assert [b.title for b in blocks] == ["preamble", "Setup", "Setup > Linux", "Usage"]
    assert "# not a heading" in blocks[2].text


def test_code_functions_and_classes_become_blocks():
    source = ("import math\nRATE = 0.2\n\n@cache\ndef area(r):\n    return math.pi * r * r\n\n"
              "class Pond:\n    def depth(self):\n        return 2\n")
    blocks = partition_code(source)
    assert [b.title for b in blocks] == ["module code (imports, constants)", "function area", "class Pond"]
    assert blocks[1].text.startswith("@cache") and blocks[1].meta["lines"] == [4, 6]
    js = partition_code("const x = 1;\nfunction add(a, b) {\n  return a + b;\n}\nexport class Box {\n}\n",
                        language="javascript")
    assert [b.title for b in js] == ["module code", "definition add", "definition Box"]


def test_detect_kind_and_dispatch():
    assert detect_kind('{"a": 1}') == "json"
    assert detect_kind(SCREEN_XML) == "markup"
    assert detect_kind("# Title\ntext") == "markdown"
    assert detect_kind("import os\ndef f():\n  pass\n") == "code"
    assert detect_kind("just words") == "text"
    assert partition([{"role": "user", "content": "hi"}])[0].type == "turn"
    assert partition(["a doc"])[0].type == "document"
    assert partition(SCREEN_XML, min_blocks=4)[0].type == "element"
