"""Reading numbers as people write them in KRs and context: "$1.2M", "EUR 400k", "12,000", "99.9%",
"4 business hours", "3.5x", "4.2/5". Shared by the KR text parser and the baseline rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_CURRENCY_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CURRENCY_CODES = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "JPY", "INR", "NZD", "SGD")
_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
           "billion": 1e9}

# Units written after a number, most specific first. Values are our canonical unit names.
_UNITS = (
    (r"%|\s?percent(?:age)?(?!\s*points?)", "%"),
    (r"\s?(?:percentage points?|pp|p\.p\.)", "pp"),
    (r"\s?(?:basis points?|bps)", "bps"),
    (r"\s?(?:points?|pts?)", "points"),
    (r"\s?(?:/|out of )\s?(?:5|10|100)\b", None),  # rating scale, kept as written below
    (r"\s?x", "x"),
    (r"\s?(?:milliseconds?|ms)", "ms"),
    (r"\s?(?:seconds?|secs?|s)", "seconds"),
    (r"\s?(?:minutes?|mins?)", "minutes"),
    (r"\s?(?:business |working )?(?:hours?|hrs?|h)", "hours"),
    (r"\s?(?:business |working |calendar )?days?", "days"),
    (r"\s?weeks?", "weeks"),
    (r"\s?months?", "months"),
)
NUMBER_RE = re.compile(
    r"(?P<cur>[$€£¥₹]|\b(?:" + "|".join(_CURRENCY_CODES) + r")\s?)?"
    r"(?<![\w.:/-])(?P<sign>[-−+])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?!:\d)"
    r"(?:\s?(?P<scale>thousand|million|billion|bn|mn|mm|[kKmMbB])(?![a-zA-Z]))?"
    r"(?P<code>\s?(?:" + "|".join(_CURRENCY_CODES) + r")\b)?",
)
# A unit ends at a word boundary: "20 weekly sessions" is a count, not weeks.
_UNIT_RES = [(re.compile(rf"(?:{pattern})(?![a-z])", re.IGNORECASE), unit) for pattern, unit in _UNITS]
_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12, "half": 50, "a third": 33, "a quarter": 25,
}

_WORD_NUMBER_RE = re.compile(r"\b(" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")\b")


@dataclass(frozen=True)
class Quantity:
    """A number found in text, scaled to its plain value, with the unit written next to it."""

    value: float
    unit: str | None
    start: int
    end: int

    @property
    def is_currency(self) -> bool:
        return self.unit in _CURRENCY_SYMBOLS.values() or self.unit in _CURRENCY_CODES


def find_quantities(text: str) -> list[Quantity]:
    """Every number in `text` with its scale and unit, left to right.

    Example: "from $1.2M to $1.5M" -> [Quantity(1200000, "USD"), Quantity(1500000, "USD")].
    """
    found: list[Quantity] = []
    for match in NUMBER_RE.finditer(text):
        value = float(match["num"].replace(",", ""))
        if match["sign"] in ("-", "−"):  # "+5" (an eNPS) is a plain 5
            value = -value
        currency = _currency(match["cur"]) or _currency(match["code"])
        scale = match["scale"]
        end = match.end()
        if scale:
            # "$5m" and "5M" are millions; a bare lower-case "5m" or "5b" is more often minutes or metres.
            if scale in ("m", "b") and not currency:
                end = match.start("scale")
            else:
                value *= _SCALES[scale.lower()]
        if match["code"] and not scale:
            end = match.end("code")
        unit = currency
        if unit is None:
            unit, end = _unit_after(text, end)
        found.append(Quantity(value, unit, match.start(), end))
    return found


def _currency(raw: str | None) -> str | None:
    if not raw:
        return None
    raw = raw.strip()
    return _CURRENCY_SYMBOLS.get(raw, raw.upper())


def _unit_after(text: str, end: int) -> tuple[str | None, int]:
    rest = text[end:]
    for pattern, unit in _UNIT_RES:
        match = pattern.match(rest)
        if match:
            if unit is None:  # rating scale: keep "/5" as the unit
                scale = re.search(r"\d+", match.group(0))
                return f"/{scale.group(0)}", end + match.end()
            return unit, end + match.end()
    return None, end


def numbers_in(text: str | None) -> frozenset[float]:
    """All values a number in `text` may stand for: as written, scaled, and as a fraction or percent.

    Used to decide whether a baseline "appears in" the user's context, so it is generous on purpose:
    "$1.2M" yields 1.2 and 1200000; "5%" yields 5 and 0.05; "two" yields 2.
    """
    if not text:
        return frozenset()
    values: set[float] = set()
    for match in NUMBER_RE.finditer(text):
        plain = float(match["num"].replace(",", ""))
        values.update({plain, -plain})
        if match["scale"] and match["scale"].lower() in _SCALES:
            values.add(plain * _SCALES[match["scale"].lower()])
        values.update({plain / 100, plain * 100})
    for word in _WORD_NUMBER_RE.findall(text.lower()):
        values.add(float(_WORD_NUMBERS[word]))
    return frozenset(values)


def appears_in(value: float, numbers: frozenset[float]) -> bool:
    """True when `value` matches one of `numbers` (relative tolerance for rounding)."""
    return any(math.isclose(value, number, rel_tol=1e-6, abs_tol=1e-9) for number in numbers)
