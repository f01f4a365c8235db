"""Generates NER training text (Faker values in templates written here) and trains the CRF.

Nothing here reads any evaluation file: every sentence is built from our own templates and
Faker's generators across many locales, so names and addresses from many countries are seen.
Needs the `dev` extra (Faker). Run: `duet train privacy-ner` or `python -m privacy.ner_train`.
"""

from __future__ import annotations

import gzip

import json
import random
import re
import string
import time
from pathlib import Path

from privacy.ner import DEFAULT_MODEL, features, tokenize

LOCALES = ["en_US", "en_GB", "en_AU", "en_CA", "en_IE", "en_NZ", "en_IN", "de_DE", "de_AT", "de_CH", "fr_FR",
           "fr_BE", "fr_CH", "es_ES", "es_MX", "es_AR", "es_CL", "es_CO", "it_IT", "nl_NL", "nl_BE", "pt_PT", "pt_BR",
           "pl_PL", "cs_CZ", "sk_SK", "hu_HU", "fi_FI", "sv_SE", "da_DK", "no_NO", "is_IS", "et_EE", "lv_LV",
           "lt_LT", "sl_SI", "hr_HR", "ro_RO", "bg_BG", "el_GR", "tr_TR", "ru_RU", "uk_UA", "id_ID", "fil_PH",
           "zu_ZA", "en_PH", "vi_VN", "ga_IE", "mt_MT", "lb_LU", "sq_AL", "ja_JP", "zh_CN", "ko_KR", "he_IL",
           "ka_GE", "az_AZ", "ar_AE"]
# Latin-script locales are drawn more often: the texts we protect are mostly written in English.
_WEIGHTS = [1.0 if loc not in {"ja_JP", "zh_CN", "ko_KR", "he_IL", "ka_GE", "ar_AE", "ru_RU", "uk_UA", "bg_BG",
                               "el_GR"} else 0.25 for loc in LOCALES]

LABEL_OF = {"PERSON": "PERSON", "FIRST": "PERSON", "LAST": "PERSON", "ORG": "ORGANIZATION",
            "CITY": "LOCATION", "COUNTRY": "LOCATION", "STATE": "LOCATION", "STREET": "ADDRESS",
            "ADDRESS": "ADDRESS", "ZIP": "ADDRESS", "SECONDARY": "ADDRESS", "PREFIX": "TITLE", "JOB": "TITLE"}

TEMPLATES = [
    "My name is {PERSON}.", "Hi, I'm {FIRST} and I need help with my order.", "This is {PREFIX} {PERSON} speaking.",
    "Please forward this to {PERSON} in accounting.", "{PERSON} will join the call at {TIME}.",
    "Can you draft a reply to {FIRST}? She asked about the invoice.", "Tell {FIRST} that I can't make it on {DAY}.",
    "I had lunch with {FIRST} {LAST} yesterday and we talked about the merger.",
    "{PREFIX} {LAST} said the results were fine.", "Dear {PREFIX} {LAST},\n\nThank you for your letter.",
    "Dear {FIRST},\nI hope you are well.", "Best regards,\n{PERSON}\n{JOB}\n{ORG}",
    "Kind regards,\n{PERSON}\n{JOB}, {ORG}\n{PHONE}", "Thanks,\n{FIRST}",
    "{PERSON} works at {ORG} as a {JOB}.", "I work for {ORG} as {JOB}, but I am thinking of quitting.",
    "I used to be a {JOB} at {ORG} in {CITY}.", "My wife {FIRST} is a {JOB} and my son studies in {CITY}.",
    "My brother {FIRST} lives in {CITY}, {COUNTRY}.", "We moved from {CITY} to {CITY} last year.",
    "I was born in {CITY} and grew up in {COUNTRY}.", "She flew to {COUNTRY} to visit her parents.",
    "The conference takes place in {CITY} this year.", "Our office in {CITY} is closed on {DAY}.",
    "{ORG} announced a new partnership with {ORG} today.", "{ORG} was founded in {YEAR} in {CITY}.",
    "Shares of {ORG} fell after the report.", "I'm writing a cover letter for a {JOB} position at {ORG}.",
    "Looking to support {ORG} in {CITY} in its growth.", "I have an interview with {ORG} next week.",
    "{PERSON}, {JOB} at {ORG}, said the plan was on track.",
    "According to {PERSON}, the {ORG} deal is not final.", "{PERSON} from {CITY} won the award.",
    "Please send the package to {ADDRESS}.", "My address is {ADDRESS}", "I live at {STREET}, {CITY}.",
    "Ship to:\n{PERSON}\n{ADDRESS}", "Billing address: {ADDRESS}", "We live at {STREET} near the park.",
    "The new office is at {STREET}, {SECONDARY}, {CITY} {ZIP}.", "Deliver it to {STREET} {SECONDARY}.",
    "Our shop moved to {STREET} in {CITY}.", "Meet me at {STREET} at {TIME}.",
    "You can find us at {ADDRESS}", "My old address was {STREET}, {ZIP} {CITY}, {COUNTRY}.",
    "Name: {PERSON}\nAddress: {ADDRESS}\nPhone: {PHONE}\nEmail: {EMAIL}",
    "Name: {PERSON}\nDate: {DATE}\nJob: {JOB}", "Patient: {PERSON}\nDOB: {DATE}\nAddress: {ADDRESS}",
    "{PERSON}\n{JOB}\n\nContact:\nPhone: {PHONE}\nEmail: {EMAIL}\n\nAddress:\n{ADDRESS}",
    "{PERSON}\n{ADDRESS}\n{PHONE}", "Employee {PERSON} ({JOB}) starts on {DATE}.",
    "The {JOB} on duty was {PREFIX} {LAST}.", "{PREFIX} {PERSON} is our new {JOB}.",
    "Ask the {JOB} about it.", "I saw {PREFIX} {LAST} about my back pain.",
    "Patient {PERSON} was referred by {PREFIX} {LAST} at {ORG}.",
    "{FIRST} has been diagnosed with diabetes and sees a {JOB} every month.",
    "Can you write a birthday message for {FIRST}? She turns {NUMBER} on {DAY}.",
    "Write an email to {PERSON} at {ORG} asking for a refund.", "{FIRST}'s phone number is {PHONE}.",
    "Reach {FIRST} at {EMAIL}.", "My manager {PERSON} wants the report by {DAY}.",
    "Our client {ORG} in {CITY} needs the contract renewed.", "The {ORG} office at {STREET} handles billing.",
    "{PERSON} ({EMAIL}) asked to update the address to {ADDRESS}.",
    "I need a reference letter for {PERSON}, who worked with me at {ORG}.",
    "Summarize the meeting between {PERSON} and {PERSON} about the {ORG} account.",
    "The suspect, {PERSON}, was seen near {STREET} in {CITY}.", "{FIRST} and {FIRST} are getting married in {CITY}.",
    "Hello {FIRST}, your appointment with {PREFIX} {LAST} is on {DATE}.", "Hey {FIRST}! How was {CITY}?",
    "We are hiring a {JOB} for our team in {CITY}.", "{PERSON} is a {JOB} from {COUNTRY}.",
    "I live in {STATE} but work in {CITY}.", "He travelled across {COUNTRY} and {COUNTRY}.",
    "Transfer the money to {PERSON}, account {NUMBER}.", "Reservation for {PERSON}, {NUMBER} guests.",
    "Sender: {PERSON}, {ORG}, {ADDRESS}", "{ORG}\n{ADDRESS}\nTel: {PHONE}",
    "{PERSON}\n{JOB}\n{ORG}\n{ADDRESS}", "From: {PERSON} <{EMAIL}>\nTo: {PERSON}\nSubject: {TOPIC}",
    "Could you translate this letter from {FIRST} {LAST}?", "Remind me to call {FIRST} about {TOPIC}.",
    "{LAST} scored twice for {ORG} on {DAY}.", "Director {PERSON} presented the film in {CITY}.",
    "The corner of {STREETNAME} and {STREETNAME} is closed.", "Turn left on {STREETNAME} after the bridge.",
    "{FIRST} {LAST}, {JOB}", "{ORG} hired {PERSON} as {JOB}.", "the {JOB} {PERSON} resigned",
    "my name is {FIRST} {LAST} and i live at {ADDRESS}", "contact {FIRST} at {PHONE} or {EMAIL}",
    "{FIRST}: Are you coming tonight?\n{FIRST}: Maybe, I have to work late.", "{FIRST}: thanks!\n{FIRST}: no problem",
    "Why is {FIRST} always late?", "Is {FIRST} still angry with me?", "What should I get {FIRST} for her birthday?",
    "{FIRST} told {FIRST} that the trip was cancelled.", "{LAST} and {LAST} co-founded the studio.",
    "Have you met {PERSON} before?", "Do you know {PERSON}? He went to school with my sister.",
    "I think {FIRST} is very talented.", "{FIRST} is moving out next month.", "{PERSON} passed away in {YEAR}.",
    "The {PERSON} interview was published on {DAY}.", "Who is {PERSON}?", "{FIRST} shouted at {FIRST}.",
    "We flew from {COUNTRY} to {CITY} via {CITY}.", "Who's coming to {CITY} with me?", "We moved here from {COUNTRY}.",
    "My friend lives in {CITY}.", "It rained all week in {CITY}.", "{COUNTRY} beat {COUNTRY} in the final.",
    "Is {CITY} safe for tourists?", "The train to {CITY} leaves at {TIME}.", "Housing in {CITY} is expensive.",
    "The bus stops on {STREET}.", "He lives on {STREET}.", "The accident happened on {STREETNAME}.",
    "Meet me at the corner of {STREETNAME} and {STREETNAME}.", "Drop me at {STREET}, please.",
    "Our new address is {STREET}, {CITY} {ZIP}.", "Send it to {SECONDARY}, {STREET}, {CITY}.",
    "{ORG} acquired {ORG} for an undisclosed sum.", "I got a job offer from {ORG}!", "{ORG} is hiring again.",
    "Is {ORG} a good company to work for?", "My contract with {ORG} ends in {MONTH}.",
    "I'm a {JOB} at a hospital in {CITY}.", "As a {JOB}, I often work nights.", "She quit her job as a {JOB}.",
    "He is the {JOB} of {ORG}.", "Our {JOB}, {PERSON}, will contact you.", "{PREFIX} {FIRST} {LAST}",
    "{PREFIX} {LAST} will see you now.", "Hello, this is {PREFIX} {PERSON} from {ORG}.",
    "{FIRST} is a great teacher.", "{FIRST} was born in {YEAR}.", "{FIRST} had never seen snow before.",
    "{PERSON} began her career at {ORG}.", "{LAST} has been very helpful.", "{FIRST} can't come to the party.",
    "{PERSON} and {PERSON} were business partners.", "{LAST}, {LAST} and {LAST} founded {ORG}.",
    "The book was written by {PERSON}.", "A song performed by {PERSON} and produced by {PERSON}.",
    "The film was directed by {PERSON} and stars {LAST}.", "Everyone calls her {FIRST}.",
    "We named our daughter {FIRST}.", "My grandfather was called {PERSON}.", "Sometimes people call me {FIRST}.",
    "User: {PERSON}\nAgent: Thank you, one moment.", "Agent: Can I have your name?\nUser: {PERSON}",
    "Please add {PERSON} as a beneficiary.", "Add {PERSON} to the account as co-owner.",
    "I'm worried about {FIRST}; he hasn't eaten in days.", "Did {FIRST} call you back?",
    "{PERSON}'s new album is great.", "I read an interview with {PERSON} yesterday.",
    "{COUNTRY} was amazing to visit!", "{COUNTRY} announced new tariffs.", "{CITY} is lovely in spring.",
    "I'm originally from {COUNTRY}.", "We went back to {CITY} by train.", "The team serves customers across {COUNTRY}.",
    "{ORG} is a consulting firm based in {CITY}.", "{ORG} is the brainchild of two engineers.",
    "The {ORG} office is on the third floor.", "{PERSON} of {ORG} was named CEO of the year.",
    "I left {ORG} after five years.", "She joined {ORG} in {YEAR}.", "The {ORG} app keeps crashing.",
    "Their address is {ADDRESS}.", "It's at {ADDRESS}", "Where: {CITY}\nWhen: {DATE}",
    "{FIRST} gave me his address: {ADDRESS}", "They live near {STREET} in {CITY}.",
    "Please update my address to {STREET}, {SECONDARY}.", "The bus station is on {STREET}.",
    "{JOB}", "Job title: {JOB}", "Occupation: {JOB}", "Position: {JOB} at {ORG}", "{PERSON} - {JOB}",
    "{PERSON}\n\n{JOB}\n\n{ORG}", "I used to work as a {JOB} before retiring.",
]
NEUTRAL = [
    "How do I sort a list of dictionaries by a key in Python?", "Explain the difference between TCP and UDP.",
    "What is the capital of {COUNTRY}?", "Write a haiku about autumn leaves.", "Summarize the attached report.",
    "The meeting is on {DAY} at {TIME}.", "Please review the pull request before Friday.",
    "Can you explain how the Fourier Transform works?", "My order arrived damaged, what should I do?",
    "Give me three ideas for a Sunday brunch.", "What are the side effects of Ibuprofen?",
    "The API returns a JSON object with a Status field.", "Convert this SQL query to use a JOIN.",
    "I love the Harry Potter books and the Star Wars movies.", "Is it better to use React or Vue for this?",
    "We use Docker and Kubernetes in production.", "The Eiffel Tower is taller than I expected.",
    "How many calories are in a Big Mac?", "Translate 'good morning' into German and Spanish.",
    "I need a recipe for Italian pasta with tomato sauce.", "Set a reminder for the Monday standup.",
    "What does HTTP status 404 mean?", "The Board approved the Q3 budget.", "Happy New Year to the whole Team!",
    "Thanks for the quick reply.", "Our Customer Service hours are 9 to 5.", "Use the Settings menu to change it.",
    "Is Linux better than Windows for development?", "The Python Software Foundation released a new version.",
    "Microsoft Excel crashes when I open the file.", "My Internet connection is slow in the evening.",
    "I am learning English and French.", "The World Cup final was exciting.", "Christmas is in December.",
    "Write a SQL query that counts orders per month.", "Order #{NUMBER} has not shipped yet.",
    "The price went up by {NUMBER} percent.", "What is the best way to learn Machine Learning?",
    "I bought a new iPhone and an Apple Watch.", "The Amazon rainforest is shrinking.",
    "Please Note: the Office will be closed.", "Chapter One: The Beginning", "Step 2: Install the Package",
    "Q: What is Redis? A: An in-memory data store.", "Error: Connection Refused on port {NUMBER}.",
    "Why is my code so slow?", "Is it safe to eat raw eggs?", "Who invented the telephone?",
    "What should I cook tonight?", "Can you recommend a good book?", "The weather is great today.",
    "I think the second option is better.", "Maybe we should ask the manager.", "It works on my machine.",
    "There is a bug in the login page.", "How can I request a new card?", "My account was charged twice.",
    "Thank you so much for your help!", "We need to finish the slides by noon.", "Are there any fees for transfers?",
    "I can't open the attachment.", "Let me know if you need anything else.", "The movie was too long.",
]
TOPICS = ["the quarterly report", "the insurance claim", "the lease", "my visa", "the refund", "the migration",
          "her surgery", "the school trip", "the invoice", "the new contract"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "tomorrow", "next week"]
PREFIXES = ["Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Mr", "Mrs", "Ms", "Dr", "Miss", "Sir", "Mx.", "Madam"]
_SYLLABLES = ["lo", "ra", "ve", "ni", "zo", "ta", "qui", "dex", "lux", "ko", "mi", "sa", "tri", "no", "va", "xa",
              "bel", "cor", "fin", "gen", "ion", "max", "net", "pro", "sys", "tek", "vi", "zen", "ly", "ar"]
_ORG_SUFFIX = ["", "", "", " Inc.", " Ltd", " LLC", " GmbH", " Labs", " Group", " Systems", " Solutions",
               " Technologies", " Partners", " Bank", " Foundation", " Media", " Analytics", " Health", " AG",
               " S.A.", " & Co.", " Corporation", " Consulting", " Software", " Capital"]


class Generator:
    """Fills templates with Faker values from many locales, keeping character spans per label."""

    def __init__(self, seed: int = 0) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self.fakers = {}
        for loc in LOCALES:
            f = Faker(loc)
            f.seed_instance(self.rng.randrange(1 << 30))
            self.fakers[loc] = f
        self.en = self.fakers["en_US"]

    def faker(self):
        return self.fakers[self.rng.choices(LOCALES, _WEIGHTS)[0]]

    @staticmethod
    def _call(faker, provider: str, fallback: str) -> str:
        try:
            value = str(getattr(faker, provider)())
        except Exception:
            return fallback
        return value if value.strip() else fallback

    def value(self, slot: str) -> str:
        f, r = self.faker(), self.rng
        if slot == "PERSON":
            first, last = self._call(f, "first_name", "Anna"), self._call(f, "last_name", "Berg")
            style = r.random()
            if style < 0.15:
                return f"{first} {r.choice(string.ascii_uppercase)}. {last}"
            if style < 0.22:
                return f"{first} {self._call(f, 'first_name', 'Maria')} {last}"
            if style < 0.27:
                return f"{last}, {first}"
            return f"{first} {last}"
        if slot == "FIRST":
            return self._call(f, "first_name", "Anna")
        if slot == "LAST":
            return self._call(f, "last_name", "Berg")
        if slot == "ORG":
            if r.random() < 0.45:
                return self._call(f, "company", "Acme").replace("\n", " ")
            if r.random() < 0.5:
                name = "".join(r.choice(_SYLLABLES) for _ in range(r.randint(2, 3))).capitalize()
            else:
                name = self._call(self.en, "word", "nova").capitalize() + r.choice(["", "ly", "ify", "io", "er", "ex", ""])
            return name + r.choice(_ORG_SUFFIX)
        if slot == "CITY":
            return self._call(f, "city", "Springfield")
        if slot == "COUNTRY":
            return self._call(self.en if r.random() < 0.7 else f, "country", "France")
        if slot == "STATE":
            return self._call(f, "state", "") or self._call(f, "administrative_unit", "") or self._call(f, "city", "Ohio")
        if slot == "STREET":
            return self._call(f, "street_address", "12 High Street").replace("\n", " ")
        if slot == "STREETNAME":
            return self._call(f, "street_name", "High Street")
        if slot == "SECONDARY":
            return self._call(self.en, "secondary_address", "Apt. 4")
        if slot == "ZIP":
            return self._call(f, "postcode", "12345")
        if slot == "ADDRESS":
            return self.address(f)
        if slot == "PREFIX":
            return r.choice(PREFIXES)
        if slot == "JOB":
            job = self._call(self.en, "job", "engineer")
            return job.lower() if r.random() < 0.3 else job
        if slot == "EMAIL":
            return self._call(f, "email", "a@b.com")
        if slot == "PHONE":
            return self._call(f, "phone_number", "555 0100")
        if slot == "DATE":
            return self._call(self.en, "date", "2020-01-01")
        if slot == "TIME":
            return self._call(self.en, "time", "10:00")[:5]
        if slot == "YEAR":
            return str(r.randint(1950, 2024))
        if slot == "MONTH":
            return self._call(self.en, "month_name", "May")
        if slot == "FILLER":
            return self._call(self.en, "sentence", "That is fine.")
        if slot == "DAY":
            return r.choice(DAYS)
        if slot == "NUMBER":
            return str(r.randint(2, 99999))
        if slot == "TOPIC":
            return r.choice(TOPICS)
        raise KeyError(slot)

    def address(self, f) -> str:
        r = self.rng
        addr = self._call(f, "address", "12 High Street\n12345 Springfield")
        lines = [ln.strip() for ln in addr.split("\n") if ln.strip()]
        if r.random() < 0.3:
            lines.insert(1 if len(lines) > 1 else len(lines), self._call(self.en, "secondary_address", "Apt. 4"))
        if r.random() < 0.35:
            lines.append(self._call(self.en, "country", "France"))
        if len(lines) > 1 and r.random() < 0.25:
            lines[-1] = lines[-1].upper()
        sep = r.choice(["\n", "\n", ", ", " ", "\n   ", ", "])
        return sep.join(lines)

    def render(self, template: str, labelled: bool = True) -> tuple[str, list[tuple[int, int, str]]]:
        text, spans, pos = [], [], 0
        for piece in re.split(r"(\{[A-Z]+\})", template):
            if piece.startswith("{") and piece.endswith("}"):
                slot = piece[1:-1]
                value = self.value(slot)
                label = LABEL_OF.get(slot) if labelled else None
                if label:
                    spans.append((pos, pos + len(value), label))
                text.append(value)
                pos += len(value)
            else:
                text.append(piece)
                pos += len(piece)
        return "".join(text), spans

    def sample(self) -> tuple[str, list[tuple[int, int, str]]]:
        r = self.rng
        parts = []
        for _ in range(r.choice([1, 1, 1, 2, 2, 3])):
            roll = r.random()
            if roll < 0.2:
                parts.append(self.render("{FILLER}"))
            elif roll < 0.4:
                template = r.choice(NEUTRAL)
                parts.append(self.render(template, labelled="{COUNTRY}" in template))
            else:
                parts.append(self.render(r.choice(TEMPLATES)))
        text, spans = "", []
        for i, (t, s) in enumerate(parts):
            if i:
                text += r.choice([" ", " ", "\n", "\n\n"])
            spans += [(a + len(text), b + len(text), lab) for a, b, lab in s]
            text += t
        if "\n" in text and r.random() < 0.2:  # quoted or bulleted blocks keep their offsets per line
            prefix = r.choice(["> ", ">", "- ", "* ", "    ", "| "])
            text, spans = _prefix_lines(text, spans, prefix)
        roll = r.random()
        if roll < 0.08:
            text = text.lower()
        elif roll < 0.1:
            text = text.upper()
        return text, spans


def _prefix_lines(text: str, spans: list[tuple[int, int, str]], prefix: str):
    """Adds `prefix` after every newline, shifting span offsets (spans may cross lines)."""
    shift_at = [i for i, c in enumerate(text) if c == "\n"]

    def moved(pos: int) -> int:
        return pos + len(prefix) * sum(1 for i in shift_at if i < pos)

    new_text = text.replace("\n", "\n" + prefix)
    return new_text, [(moved(a), moved(b) if b - 1 not in shift_at else moved(b), lab) for a, b, lab in spans]


def bio_tags(text: str, spans: list[tuple[int, int, str]]):
    tokens = tokenize(text)
    tags = []
    for tok in tokens:
        tag = "O"
        for a, b, label in spans:
            if a <= tok.start and tok.end <= b:
                continues = tok.start > a and tags and tags[-1][2:] == label
                tag = ("I-" if continues else "B-") + label
                break
        tags.append(tag)
    return tokens, tags


def train(out: str | Path = DEFAULT_MODEL, n: int = 40000, seed: int = 0, iterations: int = 100,
          algorithm: str = "lbfgs") -> dict:
    """Generates `n` texts and fits the CRF; writes the model and a card.json beside it."""
    import pycrfsuite

    t0 = time.perf_counter()
    gen = Generator(seed)
    trainer = pycrfsuite.Trainer(algorithm=algorithm, verbose=False)
    tokens_total = 0
    for _ in range(n):
        text, spans = gen.sample()
        tokens, tags = bio_tags(text, spans)
        if tokens:
            trainer.append(features(tokens), tags)
            tokens_total += len(tokens)
    gen_s = time.perf_counter() - t0
    params = {"max_iterations": iterations, "feature.minfreq": 2}
    if algorithm == "lbfgs":
        params.update({"c1": 0.05, "c2": 0.01})
    trainer.set_params(params)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_suffix("") if out.suffix == ".gz" else out
    trainer.train(str(raw))
    if raw != out:  # the packaged model is stored gzipped; the tagger reads it from memory
        out.write_bytes(gzip.compress(raw.read_bytes(), compresslevel=9, mtime=0))
        raw.unlink()
    card = {"model": "crf", "algorithm": algorithm, "params": params, "texts": n, "tokens": tokens_total,
            "seed": seed, "locales": len(LOCALES), "templates": len(TEMPLATES), "neutral_templates": len(NEUTRAL),
            "data": "generated: Faker values in duet's own templates (privacy/ner_train.py); no evaluation data",
            "generate_seconds": round(gen_s, 1), "train_seconds": round(time.perf_counter() - t0 - gen_s, 1),
            "bytes": out.stat().st_size}
    out.with_name(out.name.split(".")[0] + ".card.json").write_text(json.dumps(card, indent=2))
    return card


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(DEFAULT_MODEL))
    ap.add_argument("-n", type=int, default=40000)
    ap.add_argument("--iterations", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print(json.dumps(train(a.out, a.n, a.seed, a.iterations), indent=2))
