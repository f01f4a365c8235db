"""Checksums and sanity checks that turn a pattern match into a confident detection."""

from __future__ import annotations

import ipaddress
import math
from collections import Counter


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def luhn_ok(number: str) -> bool:
    """Payment card check digit (ISO/IEC 7812)."""
    ds = digits(number)
    if not 12 <= len(ds) <= 19 or len(set(ds)) == 1:
        return False
    total = 0
    for i, ch in enumerate(reversed(ds)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# ISO 13616 lengths per country; unknown countries fall back to the checksum alone.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_ok(text: str) -> bool:
    """IBAN mod-97 check (ISO 7064) plus the country's length when known."""
    iban = "".join(ch for ch in text if ch.isalnum()).upper()
    if len(iban) < 15 or len(iban) > 34 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


def us_ssn_ok(text: str) -> bool:
    """SSA rules: no area 000, 666 or 9xx; no group 00; no serial 0000; not a known sample."""
    ds = digits(text)
    if len(ds) != 9 or len(set(ds)) == 1 or ds in {"123456789", "078051120", "219099999"}:
        return False
    area, group, serial = ds[:3], ds[3:5], ds[5:]
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def ipv4_ok(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def ipv6_ok(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return text.count(":") >= 2


def entropy_bits(text: str) -> float:
    """Shannon entropy per character: random keys sit near log2(alphabet), words far below."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_random(token: str) -> bool:
    """A long token mixing character classes with high entropy: likely a key or a token."""
    if len(token) < 20:
        return False
    classes = sum((any(c.islower() for c in token), any(c.isupper() for c in token),
                   any(c.isdigit() for c in token)))
    if not any(c.isdigit() for c in token):
        return False
    hexish = all(c in "0123456789abcdefABCDEF" for c in token)
    if hexish:
        return len(token) >= 32 and entropy_bits(token) >= 3.0
    return classes >= 3 and entropy_bits(token) >= 3.7
