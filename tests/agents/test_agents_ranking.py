"""Local ranking puts the answer-bearing block first on constructed cases (real MiniLM encoder)."""

from __future__ import annotations

import json

from agents.partition import partition_code, partition_conversation, partition_documents, partition_json, \
    partition_markup
from agents.ranking import keywords, lexical_scores, rank_blocks

DOCS = [
    "Harbour ferry timetable: the first ferry leaves at 06:40 and the last at 22:15 on weekdays.",
    "Library opening hours: Monday to Friday 9 to 18, Saturday 10 to 14, closed on Sunday.",
    "Swimming pool prices: adults pay 5 euros, children under twelve swim for free.",
    "Recycling rules: glass goes in the green bin, paper in the blue bin, collected every Tuesday.",
    "The town council meets on the first Thursday of each month in the old school hall.",
    "Bike rental: bicycles can be hired at the station for 12 euros per day, helmets included.",
    "Market day: farmers sell cheese, bread and vegetables on the square every Saturday morning.",
    "Parking: the harbour car park costs 2 euros per hour and is free after 20:00.",
]


def test_documents_answer_block_first_by_meaning(embed):
    blocks = partition_documents(DOCS)
    cases = {
        "When can I borrow books at the weekend?": 1,
        "How much does it cost for my kid to go swimming?": 2,
        "Which day is the rubbish picked up?": 3,
        "Where do I get a bicycle and what does it cost?": 5,
        "When does the boat to the island stop running in the evening?": 0,
    }
    for question, expected in cases.items():
        ranked = rank_blocks(question, blocks, embed)
        assert ranked[0].block.id == blocks[expected].id, (question, [r.block.title for r in ranked[:3]])
        assert ranked[0].score > ranked[1].score


def test_conversation_turn_with_the_fact_ranks_first(embed):
    messages = [{"role": "user", "content": text} for text in [
        "I am planning a trip to Lisbon in May.", "My sister Ana is allergic to peanuts.",
        "We will rent a car for three days.", "The hotel is near the river and has a pool.",
        "Our flight lands at 11:30 on Friday."]]
    blocks = partition_conversation(messages)
    ranked = rank_blocks("What food must we avoid when we eat with my sister?", blocks, embed)
    assert "peanuts" in ranked[0].block.text


def test_screen_block_with_the_target_control_ranks_first(embed):
    from test_agents_partition import SCREEN_XML

    blocks = partition_markup(SCREEN_XML, min_blocks=4)
    for task, shown in [("What is the total price?", "Checkout"), ("Open my past orders", "Orders"),
                        ("search for a product", "Search"), ("How many oat biscuits did I add?", "Oat biscuits")]:
        assert shown in rank_blocks(task, blocks, embed)[0].block.text, task


def test_json_and_code_blocks(embed):
    data = {"employees": [{"name": n, "team": t, "desk": d} for n, t, d in [
        ("Ilse Varga", "finance", "3F-12"), ("Otto Brann", "security", "1A-02"), ("Lena Sorel", "design", "2C-07"),
        ("Pim Dekker", "kitchen", "0G-01"), ("Rui Alves", "legal", "4D-33")]]}
    blocks = partition_json(json.dumps(data), max_tokens=30, min_blocks=5)
    assert "Lena Sorel" in rank_blocks("Where does Lena Sorel sit?", blocks, embed)[0].block.text
    source = ("def parse_date(text):\n    return text.split('-')\n\n"
              "def send_email(to, body):\n    smtp.send(to, body)\n\n"
              "def resize_image(img, width):\n    return img.scale(width)\n")
    code = partition_code(source)
    assert rank_blocks("function that makes a picture smaller", code, embed)[0].block.title == "function resize_image"


def test_lexical_scores_weight_rare_words():
    blocks = partition_documents(["alpha report for Zorvex", "alpha report for Quillon", "alpha summary"])
    scores = lexical_scores("What does the alpha report say about Zorvex?", blocks)
    assert scores[0] > scores[1] > scores[2] and scores[0] <= 1.0
    assert keywords("What is the capital of France?") == ["capital", "france"]
