"""Deterministic recognizers: regular expressions confirmed by checksums or context.

Fast (a few ms per KB) and exact on structured values; names and free-form addresses are left
to the NER layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from privacy import validators as v
from privacy.spans import Span, make_span

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
_TIME = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?[AaPp]\.?[Mm]\.?)?"
_DATE_RES = [
    re.compile(rf"\b\d{{4}}-[01]\d-[0-3]\d(?:[ T]{_TIME}(?:Z|[+-]\d\d:?\d\d)?)?\b"),
    re.compile(rf"\b[0-3]?\d[/.-][0-3]?\d[/.-](?:\d{{4}}|\d{{2}})\b(?:\s{_TIME})?"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\.?,?(?:\s+\d{{4}})?\b", re.I),
    re.compile(rf"\b{_MONTH}\.?\s+{_DAY}(?:,?\s+\d{{4}})?\b", re.I),
    re.compile(rf"\b{_MONTH}\.?,?\s+\d{{4}}\b", re.I),
    re.compile(rf"\b(?:at\s+)?{_TIME}\b"),
    re.compile(r"\b(?:in|since|during|of|from|until|by|before|after|year|around|circa|a|an|the)\s"
               r"((?:1[5-9]|20)\d\d)\b(?!\s*(?:[-/]|%|\$|dollars|euros|people|km|kg|miles))", re.I),
    re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b", re.I),
]
_BIRTH_CONTEXT = re.compile(r"(?:born|birth|\bDOB\b|\bd\.o\.b|birthday|\bb\.)[^\n.,;]{0,15}$", re.I)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}\b")
_URL_CRED = re.compile(r"\b[a-zA-Z][\w+.-]*://[^\s:/@]+:[^\s@/]+@[^\s<>\"']+")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"']+|\bwww\.[\w-]+(?:\.[\w-]+)+[^\s<>\"']*", re.I)
_TLDS = ("com|org|net|edu|gov|io|co|info|biz|me|dev|app|ai|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|"
         "pl|cz|sk|hu|ro|bg|gr|pt|ie|us|ca|au|nz|jp|cn|in|br|mx|ar|cl|uy|za|ru|ua|tr|il|cy|is|lt|lv|"
         "ee|si|hr|rs|lu|mt|kr|tw|hk|sg|my|id|ph|th|vn")
_DOMAIN = re.compile(rf"(?<![@\w.-])(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})(?:\.[a-z]{{2}})?\b/?(?![\w@-])")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b", re.I)
_SSN = re.compile(r"(?<![\d-])\d{3}[- .]\d{2}[- .]\d{4}(?![\d-])")
_SSN_CONTEXT = re.compile(r"(?:ssn|social security|social insurance|\bsin\b|national id)[^\n]{0,30}$", re.I)
_BARE9 = re.compile(r"(?<!\d)\d{9}(?!\d)")
_PHONE = re.compile(
    r"(?<![\w+/:.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,5}(?:[ .-]?\(?\d{1,5}\)?){1,6}"
    r"(?:\s?(?:x|ext\.?|#)\s?\d{1,6})?(?![\w/]|-\d)")
_PHONE_CONTEXT = re.compile(r"(?:phone|tel|mobile|cell|fax|desk|call|number|whatsapp|contact)\b[^\n]{0,20}$", re.I)
_ID_AFTER_CONTEXT = re.compile(
    r"(?:licen[cs]e|passport|\bID\b|identity card|id card|member(?:ship)? (?:no|number)|account (?:no|number)|"
    r"policy (?:no|number)|patient (?:no|number|id)|tax (?:id|number))[^\n]{0,25}?"
    r"\b((?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,19})\b", re.I)
_AGE = [
    re.compile(r"\b(\d{1,3})(?=[- ](?:years?|yrs?)[- ]old\b)", re.I),
    re.compile(r"\b(?:turn|turned|turning|aged|age|age of|age is|I'm|I am|he's|she's|he is|she is|he was|she was|I was)\s(\d{1,3})\b"
               r"(?!\s*(?:%|\$|dollars|euros|kg|km|minutes|hours|days|weeks|months|am|pm|[:.,]\d))", re.I),
    re.compile(r"\bage:\s*(\d{1,3})\b", re.I),
]
_SECRET_PREFIXES = re.compile(
    r"\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|"
    r"xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|"
    r"glpat-[A-Za-z0-9_-]{20}|hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36}|pypi-[A-Za-z0-9_-]{50,}|"
    r"(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{20,}|SG\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}|"
    r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----")
_ASSIGNED_SECRET = re.compile(
    r"(?:password|passwd|pwd|passcode|pin|secret|api[_ -]?key|access[_ -]?key|token|auth)"
    r"(?:\s+is)?\s*[:=]\s*[\"']?([^\s\"',;]{4,})", re.I)
_BEARER = re.compile(r"\bBearer\s+([A-Za-z0-9._~+/=-]{16,})")
_TOKEN = re.compile(r"[A-Za-z0-9+/_.-]{20,}={0,2}")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sr|Sra|Mme|Mlle|Herr|Frau)\.?(?=\s+[A-Z])|\b(?:Miss|Sir|Madam|Dame|Lord|Lady)(?=\s+[A-Z])", re.I)
_STREET_US = re.compile(
    r"\b\d{1,6}\s+(?:[A-Z][\w'.-]*\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|"
    r"Court|Ct|Place|Pl|Square|Sq|Terrace|Way|Parkway|Pkwy|Highway|Hwy|Circle|Cir)\.?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|#)\.?\s*\w+)?\b")
_POBOX = re.compile(r"\b(?:P\.?\s?O\.?\s?Box|PSC|Unit|APO|FPO|DPO)\s+\d+(?:,?\s+Box\s+\d+)?", re.I)
_ZIP_CONTEXT = re.compile(r"(?:zip|postal|post code|postcode|zip code)[^\n]{0,12}$", re.I)
_ZIP_AFTER_CONTEXT = re.compile(r"(?:zip|postal|post code|postcode)(?: code)?(?: is)?:?\s*"
                                r"((?=[A-Z0-9 -]*\d)[A-Z0-9]{2,5}(?:[ -][A-Z0-9]{2,4})?)\b", re.I)

NRP_WORDS = frozenset("""
afghan albanian algerian american andorran angolan argentine argentinian armenian australian austrian
azerbaijani bahamian bahraini bangladeshi barbadian belarusian belgian belizean beninese bhutanese
bolivian bosnian botswanan brazilian british bruneian bulgarian burkinabe burmese burundian cambodian
cameroonian canadian chadian chilean chinese colombian congolese costa rican croatian cuban cypriot czech
danish djiboutian dominican dutch ecuadorian egyptian emirati english eritrean estonian ethiopian fijian
filipino finnish french gabonese gambian georgian german ghanaian greek grenadian guatemalan guinean
guyanese haitian honduran hungarian icelandic indian indonesian iranian iraqi irish israeli italian
ivorian jamaican japanese jordanian kazakh kenyan korean kosovar kuwaiti kyrgyz laotian latvian lebanese
liberian libyan lithuanian luxembourgish macedonian malagasy malawian malaysian maldivian malian maltese
mauritanian mauritian mexican moldovan monegasque mongolian montenegrin moroccan mozambican namibian
nepalese nepali nicaraguan nigerian nigerien norwegian omani pakistani palestinian panamanian paraguayan
peruvian polish portuguese qatari romanian russian rwandan salvadoran samoan saudi scottish senegalese
serbian singaporean slovak slovakian slovenian somali south african spanish sri lankan sudanese
surinamese swazi swedish swiss syrian taiwanese tajik tanzanian thai togolese tongan trinidadian tunisian
turkish turkmen ugandan ukrainian uruguayan uzbek venezuelan vietnamese welsh yemeni zambian zimbabwean
arab arabic asian african european latino latina hispanic caucasian aboriginal kurdish basque catalan
flemish greenlandic greenlander inuit maori roma romani sami tamil punjabi bengali hindi
christian catholic protestant lutheran methodist baptist anglican orthodox evangelical mormon muslim
islamic sunni shia shiite jew jewish judaism hindu buddhist sikh jain atheist agnostic
republican democrat democratic socialist communist conservative liberal libertarian labour tory
""".split()) - {"costa", "rican", "sri", "lankan", "south", "african", "democratic", "liberal", "conservative",
                 "labour", "orthodox", "new"}
_WORD = re.compile(r"[A-Za-z]{3,}")
_NRP_PAIRS = re.compile(r"\b(?:costa rican|sri lankan|south african|new zealander|north korean|south korean)s?\b", re.I)


def _nrp(text: str) -> Iterator[Span]:
    """Nationalities, religions and political groups: a word-set lookup, far cheaper than a big regex."""
    for m in _WORD.finditer(text):
        word = m.group(0).lower()
        if word in NRP_WORDS or (word.endswith("s") and word[:-1] in NRP_WORDS):
            yield Span(m.start(), m.end(), "NRP", m.group(0), source="pattern")
    yield from _spans(_NRP_PAIRS, "NRP")(text)

COUNTRIES = """Afghanistan|Albania|Algeria|Andorra|Angola|Antigua and Barbuda|Argentina|Armenia|Australia|Austria|
Azerbaijan|Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|Bolivia|Bosnia and Herzegovina|
Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|Burundi|Cambodia|Cameroon|Canada|Cape Verde|Central African Republic|
Chad|Chile|China|Colombia|Comoros|Congo|Costa Rica|Croatia|Cuba|Cyprus|Czech Republic|Czechia|Denmark|Djibouti|
Dominica|Dominican Republic|East Timor|Ecuador|Egypt|El Salvador|England|Equatorial Guinea|Eritrea|Estonia|Eswatini|
Ethiopia|Fiji|Finland|France|Gabon|Gambia|Georgia|Germany|Ghana|Greece|Greenland|Grenada|Guatemala|Guinea|
Guinea-Bissau|Guyana|Haiti|Honduras|Hong Kong|Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|
Ivory Coast|Jamaica|Japan|Jordan|Kazakhstan|Kenya|Kiribati|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|
Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Madagascar|Malawi|Malaysia|Maldives|Mali|Malta|Marshall Islands|
Mauritania|Mauritius|Mexico|Micronesia|Moldova|Monaco|Mongolia|Montenegro|Morocco|Mozambique|Myanmar|Namibia|Nauru|
Nepal|Netherlands|New Zealand|Nicaragua|Niger|Nigeria|North Korea|North Macedonia|Northern Ireland|Norway|Oman|
Pakistan|Palau|Palestine|Panama|Papua New Guinea|Paraguay|Peru|Philippines|Poland|Portugal|Puerto Rico|Qatar|Romania|
Russia|Rwanda|Saint Lucia|Samoa|San Marino|Saudi Arabia|Scotland|Senegal|Serbia|Seychelles|Sierra Leone|Singapore|
Slovakia|Slovenia|Solomon Islands|Somalia|South Africa|South Korea|South Sudan|Spain|Sri Lanka|Sudan|Suriname|Sweden|
Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Togo|Tonga|Trinidad and Tobago|Tunisia|Turkey|Turkmenistan|
Tuvalu|Uganda|Ukraine|United Arab Emirates|United Kingdom|United States|United States of America|Uruguay|Uzbekistan|
Vanuatu|Vatican City|Venezuela|Vietnam|Wales|Yemen|Zambia|Zimbabwe|USA|UK|UAE"""
_COUNTRY_NAMES = sorted({c.strip().lower() for c in COUNTRIES.replace("\n", "").split("|")}, key=len, reverse=True)
_COUNTRY_BY_FIRST: dict[str, list[str]] = {}
for _name in _COUNTRY_NAMES:
    _COUNTRY_BY_FIRST.setdefault(re.split(r"[ -]", _name)[0], []).append(_name)
_LETTERS = re.compile(r"[A-Za-z]+")
_CORNER = re.compile(r"\b(?:the\s+)?corner\s+of\s+(\S[^\n,.?!;]{1,60}?\s+and\s+[^\n,.?!;]{2,60}?)(?=[,.?!;]|\n|$)",
                     re.I)


def _countries(text: str) -> Iterator[Span]:
    """Country names: capitalised (or in an all-lowercase text), so "turkey" in a recipe stays."""
    lowercase_text = not any(c.isupper() for c in text[:5000])
    skip_to = 0
    for m in _LETTERS.finditer(text):
        start = m.start()
        names = _COUNTRY_BY_FIRST.get(m.group(0).lower())
        if not names or start < skip_to or (start > 0 and text[start - 1].isalnum()):
            continue
        if not (m.group(0)[0].isupper() or lowercase_text):
            continue
        for name in names:  # longest first
            end = start + len(name)
            if text[start:end].lower() == name and (end == len(text) or not text[end].isalnum()):
                yield Span(start, end, "LOCATION", text[start:end], source="pattern", score=0.9)
                skip_to = end
                break


def _corners(text: str) -> Iterator[Span]:
    """Intersections ("the corner of Main St and 5th Ave") are addresses as a whole."""
    for m in _CORNER.finditer(text):
        if any(c.isupper() or c.isdigit() for c in m.group(1)):
            span = make_span(text, m.start(1), m.end(1), "ADDRESS", "pattern")
            if span is not None:
                yield span


_PROPER_AFTER = re.compile(r"\b(?:at|in|from|to|by|with|called|named|for|than|of|and|near|visit|visiting|meet|met)"
                           r"\s+([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})")
# Capitalised words that follow a preposition without naming anyone: kept readable for the model.
_COMMON_PROPER = frozenset("""The A An I It This That These Those My Your Our His Her Their We You He She They Monday
Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October
November December Mr Mrs Ms Dr Python Java JavaScript TypeScript Rust Go SQL HTML CSS Excel Word PowerPoint Outlook
Windows Linux Ubuntu macOS Mac iOS Android Docker Kubernetes React Vue Angular Node Django Flask Git GitHub GitLab
Google Microsoft Apple Amazon Facebook Meta Netflix YouTube Twitter LinkedIn Wikipedia Chrome Firefox Safari English
French German Spanish Italian Chinese Japanese Christmas Easter God ATM PDF API CSV JSON JPEG PNG USB WiFi AI ML
Internet Earth Moon Sun Q1 Q2 Q3 Q4 Chapter Step Figure Table Section Page Part""".split())


def _proper_nouns(text: str) -> Iterator[Span]:
    """A capitalised phrase right after a preposition in mixed-case prose is a name of someone or
    somewhere more often than not; the NER gives it a type when it can, this catches the rest."""
    letters = [c for c in text[:5000] if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return
    for m in _PROPER_AFTER.finditer(text):
        words = m.group(1).split()
        while words and words[-1] in _COMMON_PROPER:
            words.pop()
        if not words or words[0] in _COMMON_PROPER:
            continue
        end = m.start(1) + len(" ".join(words)) if m.group(1).startswith(" ".join(words)) else m.end(1)
        span = make_span(text, m.start(1), end, "PROPER_NOUN", "pattern", 0.6)
        if span is not None:
            yield span


Recognizer = Callable[[str], Iterator[Span]]


def _spans(regex: re.Pattern[str], category: str, check: Callable[[str], bool] | None = None,
           group: int = 0) -> Recognizer:
    def recognize(text: str) -> Iterator[Span]:
        for m in regex.finditer(text):
            value = m.group(group)
            if value and (check is None or check(value)):
                span = make_span(text, m.start(group), m.end(group), category, "pattern")
                if span is not None:
                    yield span
    recognize.__name__ = f"recognize_{category.lower()}"
    return recognize


def _before(text: str, start: int, context: re.Pattern[str], window: int = 40) -> bool:
    return bool(context.search(text[max(0, start - window):start]))


def _dates(text: str) -> Iterator[Span]:
    for regex in _DATE_RES:
        g = 1 if regex.groups else 0
        for m in regex.finditer(text):
            category = "DATE_OF_BIRTH" if _before(text, m.start(g), _BIRTH_CONTEXT) else "DATE_TIME"
            span = make_span(text, m.start(g), m.end(g), category, "pattern")
            if span is not None:
                yield span


def _is_date_like(value: str) -> bool:
    return any(r.fullmatch(value.strip()) for r in _DATE_RES[:2]) or bool(
        re.fullmatch(r"\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{4}", value.strip()))


def _phones(text: str) -> Iterator[Span]:
    dates = [(m.start(), m.end()) for r in _DATE_RES[:2] for m in r.finditer(text)]
    for m in _PHONE.finditer(text):
        value = m.group(0)
        if any(a < m.end() and m.start() < b for a, b in dates) or _before(text, m.start(), _ZIP_CONTEXT, 20):
            continue
        main = re.split(r"\s?(?:x|ext\.?|#)\s?\d", value)[0]
        n = len(v.digits(main))
        has_sep = bool(re.search(r"[ .()-]", main.strip()))
        if n < 7 or n > 15 or _is_date_like(value) or v.ipv4_ok(value.strip()):
            continue
        if not (has_sep or main.startswith("+") or n >= 9 or _before(text, m.start(), _PHONE_CONTEXT)):
            continue
        if not has_sep and not main.startswith("+") and n < 9:
            continue
        span = make_span(text, m.start(), m.end(), "PHONE", "pattern")
        if span is not None:
            yield span


def _ibans(text: str) -> Iterator[Span]:
    """IBANs in print form (groups of four) or run together, any case; a match that swallowed the
    following words is trimmed group by group until the checksum holds."""
    for m in _IBAN.finditer(text):
        value = m.group(0)
        while value and not v.iban_ok(value) and " " in value:
            value = value[:value.rfind(" ")]
        if value and v.iban_ok(value):
            yield Span(m.start(), m.start() + len(value), "IBAN", value, source="pattern")


def _ssn(text: str) -> Iterator[Span]:
    yield from _spans(_SSN, "SSN", v.us_ssn_ok)(text)
    for m in _BARE9.finditer(text):
        if v.us_ssn_ok(m.group(0)) and _before(text, m.start(), _SSN_CONTEXT):
            yield Span(m.start(), m.end(), "SSN", m.group(0), source="pattern")


def _ids(text: str) -> Iterator[Span]:
    for m in _ID_AFTER_CONTEXT.finditer(text):
        if m.group(1)[0].isupper() or m.group(1)[0].isdigit():
            yield Span(m.start(1), m.end(1), "NATIONAL_ID", m.group(1), source="pattern")


def _secrets(text: str) -> Iterator[Span]:
    yield from _spans(_PRIVATE_KEY, "CREDENTIAL")(text)
    yield from _spans(_SECRET_PREFIXES, "CREDENTIAL")(text)
    yield from _spans(_URL_CRED, "CREDENTIAL")(text)
    yield from _spans(_ASSIGNED_SECRET, "CREDENTIAL", group=1)(text)
    yield from _spans(_BEARER, "CREDENTIAL", group=1)(text)
    for m in _TOKEN.finditer(text):
        token = m.group(0).strip(".=-")
        if v.looks_random(token) and "@" not in token and not token.startswith(("http", "www")):
            start = m.start() + m.group(0).find(token)
            yield Span(start, start + len(token), "CREDENTIAL", token, source="pattern", score=0.8)


def _ages(text: str) -> Iterator[Span]:
    for regex in _AGE:
        for m in regex.finditer(text):
            if 0 < int(m.group(1)) < 130:
                yield Span(m.start(1), m.end(1), "AGE", m.group(1), source="pattern")


def _zips(text: str) -> Iterator[Span]:
    for m in _ZIP_AFTER_CONTEXT.finditer(text):
        yield Span(m.start(1), m.end(1), "ADDRESS", m.group(1), source="pattern")


RECOGNIZERS: dict[str, Recognizer] = {
    "email": _spans(_EMAIL, "EMAIL"),
    "url": _spans(_URL, "URL"),
    "domain": _spans(_DOMAIN, "URL"),
    "ipv4": _spans(_IPV4, "IP_ADDRESS", v.ipv4_ok),
    "ipv6": _spans(_IPV6, "IP_ADDRESS", v.ipv6_ok),
    "credit_card": _spans(_CARD, "CREDIT_CARD", v.luhn_ok),
    "iban": _ibans,
    "ssn": _ssn,
    "phone": _phones,
    "national_id": _ids,
    "secret": _secrets,
    "date": _dates,
    "age": _ages,
    "title": _spans(_TITLE, "TITLE"),
    "street": _spans(_STREET_US, "ADDRESS"),
    "po_box": _spans(_POBOX, "ADDRESS"),
    "zip": _zips,
    "nrp": _nrp,
    "country": _countries,
    "corner": _corners,
    "proper_noun": _proper_nouns,
}


class PatternLayer:
    """Runs the enabled deterministic recognizers over a text."""

    name = "pattern"

    def __init__(self, enabled: list[str] | None = None) -> None:
        unknown = set(enabled or []) - set(RECOGNIZERS)
        if unknown:
            raise ValueError(f"unknown recognizers: {sorted(unknown)}")
        self.recognizers = [RECOGNIZERS[n] for n in (enabled or RECOGNIZERS)]

    def scan(self, text: str) -> list[Span]:
        return [span for recognize in self.recognizers for span in recognize(text)]
