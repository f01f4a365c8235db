"""Context-QA items whose answer lies in exactly one of many blocks, from text written here.

Three context kinds, like the contexts duet exposes to a cloud model:
- documents: short reports about fictional sites, each with several facts, some naming other sites;
- conversation: a long chat history where the user mentions personal facts in passing;
- screen: an Android-style view hierarchy of an app screen with several panels.
Entities and values are random (seeded), so no model can know the answer without the right block.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

_SYLLABLES = ["ka", "lo", "ve", "mi", "ran", "tor", "bel", "sha", "quin", "dra", "fen", "os", "lu", "zar", "pel",
              "nor", "ith", "ga", "rem", "vos", "tal", "ber", "sin", "cor", "ul", "hav", "mer", "dun", "eli", "wyn"]
_FIRST = ["Alma", "Bruno", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca",
          "Maya", "Nils", "Olga", "Pavel", "Rosa", "Samir", "Tilda", "Umar", "Vera", "Wim", "Yara", "Zeno"]
_LAST = ["Reyes", "Okafor", "Lind", "Moreau", "Sato", "Brandt", "Costa", "Novak", "Haas", "Ilves", "Kern", "Duval"]
_SITES = ["research station", "observatory", "seed bank", "weather post", "ferry terminal", "water works",
          "archive", "field hospital", "radio mast", "fish hatchery"]
_TOPICS = ["glacier melt", "migrating birds", "soil bacteria", "tidal energy", "old maps", "river sediment",
           "solar storms", "rare orchids", "coral growth", "wind patterns"]
_REGIONS = ["northern valley", "eastern coast", "southern plateau", "western islands", "central basin",
            "upper fjord", "lower delta", "high moor"]
_CITIES = ["Oslo", "Lima", "Porto", "Graz", "Tartu", "Cork", "Brno", "Turku", "Bergen", "Split", "Ghent", "Lyon",
           "Malmo", "Leeds", "Basel", "Nantes"]
_PETS = ["cat", "dog", "parrot", "rabbit", "tortoise", "hamster"]
_RELATIVES = ["brother", "sister", "cousin", "aunt", "uncle", "grandmother"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_FILLER_TURNS = [
    ("Can you suggest a quick dinner idea?", "A vegetable stir-fry with rice takes about twenty minutes."),
    ("What is a good way to learn to juggle?", "Start with two soft balls and practise the exchange slowly."),
    ("Any tips for sleeping better?", "Keep a regular bedtime and avoid screens for the last hour."),
    ("How do I clean a cast iron pan?", "Rinse it with hot water, dry it fully and rub in a little oil."),
    ("What should I pack for a day hike?", "Water, snacks, a rain jacket, a map and a small first aid kit."),
    ("How long should I boil an egg?", "About seven minutes for a firm yolk, five for a soft one."),
    ("Is it worth learning touch typing?", "Yes, a few weeks of practice pays off in speed and comfort."),
    ("Suggest a name for a book club.", "How about 'The Dog-Eared Pages'?"),
]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice([2, 3]))).capitalize()


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _unique(rng: random.Random, make: Any, n: int) -> list[Any]:
    seen: list[Any] = []
    while len(seen) < n:
        value = make(rng)
        if value not in seen:
            seen.append(value)
    return seen


@dataclass
class Item:
    id: str
    kind: str  # documents | conversation | screen
    context: Any  # list of {"title", "text"} | list of chat messages | XML string
    question: str
    answer: str  # the exact string a correct answer contains
    answer_text: str  # a phrase that occurs only in the answer-bearing block
    meta: dict[str, Any] = field(default_factory=dict)


def documents_item(rng: random.Random, index: int, n_blocks: int = 12) -> Item:
    names = _unique(rng, _name, n_blocks)
    docs, facts = [], []
    for i, name in enumerate(names):
        site = rng.choice(_SITES)
        fact = {"name": name, "site": site, "year": str(rng.randint(1950, 2019)), "staff": str(rng.randint(6, 390)),
                "lead": _person(rng), "topic": rng.choice(_TOPICS), "region": rng.choice(_REGIONS),
                "code": str(rng.randint(1000, 9999))}
        partner = names[(i + rng.randint(1, n_blocks - 1)) % n_blocks]
        text = (f"The {name} {site} lies in the {fact['region']}. It was founded in {fact['year']} and is led by "
                f"{fact['lead']}. The {site} employs {fact['staff']} people and its main project studies "
                f"{fact['topic']}. It shares supply boats with the {partner} site. Visitors must quote access "
                f"code {fact['code']} at the gate.")
        docs.append({"title": f"{name} {site}", "text": text})
        facts.append(fact)
    target = facts[rng.randrange(n_blocks)]
    field_name, question = rng.choice([
        ("year", f"In which year was the {target['name']} {target['site']} founded?"),
        ("staff", f"How many people does the {target['name']} {target['site']} employ?"),
        ("lead", f"Who leads the {target['name']} {target['site']}?"),
        ("code", f"What access code must visitors quote at the {target['name']} {target['site']}?"),
        ("region", f"Where does the {target['name']} {target['site']} lie?"),
    ])
    return Item(f"doc-{index}", "documents", docs, question, target[field_name],
                f"The {target['name']} {target['site']} lies", {"field": field_name})


def conversation_item(rng: random.Random, index: int, n_facts: int = 8) -> Item:
    people = _unique(rng, lambda r: r.choice(_FIRST), n_facts)
    cities = _unique(rng, lambda r: r.choice(_CITIES), n_facts)
    facts = []
    for person, city in zip(people, cities):
        relative = rng.choice(_RELATIVES)
        pet = rng.choice(_PETS)
        kind = rng.choice(["city", "pet", "day"])
        if kind == "city":
            facts.append((f"By the way, my {relative} {person} moved to {city} last spring.",
                          f"Where did my {relative} {person} move to?", city))
        elif kind == "pet":
            pet_name = _name(rng)
            facts.append((f"My {relative} {person} just adopted a {pet} called {pet_name}.",
                          f"What is the name of the {pet} that {person} adopted?", pet_name))
        else:
            day = rng.choice(_DAYS)
            facts.append((f"I promised to help {person} paint the kitchen on {day}.",
                          f"On which day did I promise to help {person}?", day))
    messages: list[dict[str, str]] = []
    fillers = rng.sample(_FILLER_TURNS, k=min(len(_FILLER_TURNS), n_facts // 2))
    turns = [(f[0], "Thanks for telling me, I will keep that in mind.") for f in facts] + fillers
    rng.shuffle(turns)
    for user, assistant in turns:
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    target = rng.choice(facts)
    return Item(f"conv-{index}", "conversation", messages, target[1], target[2], target[0])


def screen_item(rng: random.Random, index: int, n_panels: int = 8) -> Item:
    accounts = _unique(rng, lambda r: f"{_name(r)} {r.choice(['savings', 'travel', 'household', 'pension'])}",
                       n_panels)
    panels, facts = [], []
    for i, account in enumerate(accounts):
        balance = f"{rng.randint(10, 9999)}.{rng.randint(0, 99):02d}"
        iban_tail = str(rng.randint(1000, 9999))
        last = f"{rng.choice(_DAYS)} {_person(rng)}"
        facts.append({"account": account, "balance": balance, "tail": iban_tail, "last": last})
        panels.append(
            f'      <node class="android.widget.LinearLayout" resource-id="com.bank:id/account_{i}">\n'
            f'        <node class="android.widget.TextView" resource-id="com.bank:id/name" text="{account}"/>\n'
            f'        <node class="android.widget.TextView" resource-id="com.bank:id/balance" '
            f'text="Balance EUR {balance}"/>\n'
            f'        <node class="android.widget.TextView" resource-id="com.bank:id/iban" '
            f'text="IBAN ending {iban_tail}"/>\n'
            f'        <node class="android.widget.TextView" resource-id="com.bank:id/last" '
            f'text="Last transfer {last}"/>\n'
            f'        <node class="android.widget.Button" resource-id="com.bank:id/transfer" text="Transfer"/>\n'
            f'      </node>')
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<hierarchy rotation="0">\n'
           '  <node class="android.widget.FrameLayout" resource-id="android:id/content">\n'
           '    <node class="android.widget.LinearLayout" resource-id="com.bank:id/accounts">\n'
           + "\n".join(panels) +
           '\n    </node>\n    <node class="android.widget.LinearLayout" resource-id="com.bank:id/nav">\n'
           '      <node class="android.widget.Button" text="Home"/>\n'
           '      <node class="android.widget.Button" text="Cards"/>\n'
           '      <node class="android.widget.Button" text="Settings"/>\n'
           '    </node>\n  </node>\n</hierarchy>')
    target = rng.choice(facts)
    field_name, question = rng.choice([
        ("balance", f"What is the balance of the {target['account']} account shown on this screen?"),
        ("tail", f"What are the last four digits of the IBAN of the {target['account']} account?"),
    ])
    return Item(f"screen-{index}", "screen", xml, question, target[field_name], f'text="{target["account"]}"',
                {"field": field_name})


def generate(n: int, seed: int = 0, kinds: tuple[str, ...] = ("documents", "conversation", "screen")) -> list[Item]:
    """`n` items cycling through `kinds`, reproducible from `seed`."""
    rng = random.Random(seed)
    makers = {"documents": documents_item, "conversation": conversation_item, "screen": screen_item}
    return [makers[kinds[i % len(kinds)]](rng, i) for i in range(n)]
