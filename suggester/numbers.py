"""Numbers the model never chooses: due dates, baselines and targets, and their formatting.

A baseline comes only from the user's own context; otherwise it is unknown (None). A target is
proposed from the change that a similar corpus KR aimed for. Pure functions, no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

_QUARTER = re.compile(r"\bQ([1-4])\b\D{0,3}(\d{4})?", re.I)
_HALF = re.compile(r"\bH([12])\b\D{0,3}(\d{4})?", re.I)
_ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_YEAR = re.compile(r"\b(20\d{2})\b")
_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def due_date(horizon: str | None, today: dt.date | None = None) -> str:
    """An ISO due date from a horizon such as "Q2 2027", "H1 2027", "2027-05-31" or "2027".

    Without a horizon (or one we cannot read) the due date is the end of the next quarter.
    """
    today = today or dt.date.today()
    text = horizon or ""
    if match := _ISO.search(text):
        try:
            return dt.date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            pass
    year_match = _YEAR.search(text)
    if match := _QUARTER.search(text):
        quarter = int(match.group(1))
        year = int(match.group(2) or (year_match.group(1) if year_match else today.year))
        if not match.group(2) and not year_match and dt.date(year, *_QUARTER_END[quarter]) < today:
            year += 1
        return dt.date(year, *_QUARTER_END[quarter]).isoformat()
    if match := _HALF.search(text):
        half = int(match.group(1))
        year = int(match.group(2) or (year_match.group(1) if year_match else today.year))
        return dt.date(year, 6 if half == 1 else 12, 30 if half == 1 else 31).isoformat()
    if year_match:
        return dt.date(int(year_match.group(1)), 12, 31).isoformat()
    next_quarter = (today.month - 1) // 3 + 2
    year = today.year + (next_quarter > 4)
    next_quarter = (next_quarter - 1) % 4 + 1
    return dt.date(year, *_QUARTER_END[next_quarter]).isoformat()


@dataclass(frozen=True)
class Quantity:
    """A number read from the user's context, with its unit and the clause it stood in."""

    value: float
    unit: str | None
    clause: str


_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP"}
_UNIT_WORDS = {
    "%": "%", "percent": "%", "pct": "%", "hours": "hours", "hour": "hours", "hrs": "hours", "h": "hours",
    "days": "days", "day": "days", "minutes": "minutes", "minute": "minutes", "mins": "minutes",
    "weeks": "weeks", "week": "weeks", "seconds": "seconds", "second": "seconds", "secs": "seconds",
    "points": "points", "nps": "NPS", "csat": "CSAT",
}
_SCALE = {"k": 1e3, "m": 1e6, "bn": 1e9, "b": 1e9, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_QUANTITY = re.compile(
    r"(?P<cur>[$€£]|\b(?:usd|eur|gbp)\b)?\s?"
    r"(?P<num>-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)"
    r"\s?(?P<scale>k|m|bn|b|thousand|million|billion)?\b"
    r"\s?(?:business |working |calendar )?(?P<unit>%|percent|pct|hours?|hrs|h|days?|minutes?|mins|weeks?|seconds?|secs|points|nps|csat)?",
    re.I,
)
_STOPWORDS = frozenset(
    "the a an of in on to for from by with and or our we per at as is are was were new first all each "
    "every last this that its their rate number share total average median".split()
)


def quantities(context: str | None) -> list[Quantity]:
    """Every number in the context with its unit; years and list numbering are skipped."""
    found: list[Quantity] = []
    for clause in re.split(r"(?<=[.;!?])\s+|\n+", context or ""):
        for m in _QUANTITY.finditer(clause):
            number = float(m.group("num").replace(",", ""))
            scale = (m.group("scale") or "").lower()
            unit_word = (m.group("unit") or "").lower()
            currency = _CURRENCY.get((m.group("cur") or "").lower())
            if not currency and not unit_word and not scale and re.fullmatch(r"(19|20)\d{2}", m.group("num")):
                continue  # a year
            if scale and (currency or not unit_word):
                number *= _SCALE[scale]
            unit = currency or _UNIT_WORDS.get(unit_word)
            found.append(Quantity(number, unit, clause))
    return found


def _stems(text: str) -> set[str]:
    """Content words cut to a crude stem ("signed" and "signing" give sign); a compound such as
    "mid-market" stays one word, so it cannot count as two shared words."""
    words = re.findall(r"[a-z][a-z\-]+", text.lower())
    return {re.sub(r"(?:ing|ed|es|s)$", "", w)[:5] for w in words if w not in _STOPWORDS and len(w) > 2}


def unit_family(unit: str | None) -> str:
    """Group units so a context number is only used for a metric of the same kind of quantity."""
    u = (unit or "").lower()
    if u == "%":
        return "percent"
    if any(c in u for c in ("usd", "eur", "gbp", "$", "€", "£")):
        return "money"
    if u in {"hours", "days", "minutes", "weeks", "seconds"}:
        return "time"
    if u in {"nps", "csat", "score", "points"}:
        return "score"
    return "number"


def find_baseline(
    metric: str, expected_unit: str | None, context: str | None, taken: frozenset[Quantity] = frozenset()
) -> Quantity | None:
    """The context number that states the metric's current value, or None when nothing clearly does.

    A number qualifies when its clause names the metric (two shared content words, or all the words of
    the metric or of the clause) and its unit is of the same family as the unit similar KRs use. One
    shared word among several is not enough: "scrap rate on line 3" must not take the 88% of "First pass
    yield on line 3 is 88%".
    Ambiguity means no baseline: we never guess. Numbers in `taken` already serve as another KR's
    baseline and are not used twice.
    """
    metric_stems = _stems(metric)
    family = unit_family(expected_unit)
    best: tuple[int, Quantity] | None = None
    tie = False
    for q in quantities(context):
        if q in taken:
            continue
        if unit_family(q.unit) != family and not (q.unit is None and family in {"number", "score"}):
            continue
        clause_stems = _stems(q.clause)
        overlap = len(metric_stems & clause_stems)
        if overlap == 0 or overlap < min(2, len(metric_stems), len(clause_stems)):
            continue
        if best is None or overlap > best[0]:
            best, tie = (overlap, q), False
        elif overlap == best[0] and q.value != best[1].value:
            tie = True
    if best is None or tie:
        return None
    return best[1]


def nice(value: float) -> float:
    """Round to two significant figures, keeping whole numbers whole."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return float(round(value, digits))


def format_quantity(value: float, unit: str | None) -> str:
    """`45%`, `EUR 0.4M`, `$12,000`, `4 hours`, `60` (counts), ready to sit inside a sentence."""
    number = f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
    u = (unit or "").strip()
    if not u or u in {"count", "done"}:
        return number
    if u == "%":
        return f"{number}%"
    if match := re.fullmatch(r"(USD|EUR|GBP)(?:\s+([KM]))?", u):
        symbol = {"USD": "$", "EUR": "EUR ", "GBP": "GBP "}[match.group(1)]
        return f"{symbol}{number}{match.group(2) or ''}"
    return f"{number} {u}"


# "Median first response time is 9 hours", "Nordic bookings were $310k last quarter", "Month-end close
# takes 11 business days": a subject, a linking verb, then the number.
_STATED = re.compile(
    r"^(?:(?:our|the|current|today,?|currently,?)\s+)*(?P<metric>[A-Za-z][\w\s/&'()-]{1,60}?)\s+"
    r"(?P<verb>is|are|was|were|sits at|stands at|runs at|takes|take|averages|average|hovers around)\s+"
    r"(?:about\s+|around\s+|roughly\s+|~|at\s+)?(?=[$€£]?\d)",
    re.IGNORECASE,
)
# "45% of trials never invite a teammate", "4% of patients leave without being seen".
_SHARE_OF = re.compile(r"^\d+(?:\.\d+)?\s?%\s+of\s+(?P<metric>[A-Za-z][\w\s/&'-]{2,60}?)\s*[.;]?$", re.IGNORECASE)


def stated_metrics(context: str | None) -> list[tuple[str, Quantity]]:
    """The metrics the user's context gives a current value for, each with that value.

    Only clauses of a plain "X is N" or "N% of X ..." shape count; anything else is left alone rather
    than guessed at. Example: "Median first response time is 9 hours; CSAT is 78%." gives
    [("Median first response time", 9 hours), ("CSAT", 78%)].
    """
    found: list[tuple[str, Quantity]] = []
    seen: set[str] = set()
    for sentence in re.split(r"(?<=[.;!?])\s+|\n+", context or ""):
        for part in re.split(r";\s*", sentence):
            part = part.strip()
            if match := _STATED.match(part):
                numbers = quantities(part[match.end():])  # the number right after the verb, not one inside X
                metric = " ".join(match["metric"].split())
                if match["verb"].lower().startswith("take"):
                    if not numbers or unit_family(numbers[0].unit) != "time":
                        continue
                    metric = f"{metric} time"  # "Month-end close takes 11 days": its duration
            elif match := _SHARE_OF.match(part):
                numbers = quantities(part)
                metric = "share of " + " ".join(match["metric"].split())
            else:
                continue
            if numbers and metric.lower() not in seen:
                seen.add(metric.lower())
                found.append((metric, Quantity(numbers[0].value, numbers[0].unit, part)))
    return found
