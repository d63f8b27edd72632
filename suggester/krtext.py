"""Read a key result written as a sentence into structured fields.

    >>> kr = parse_kr_text("Increase weekly active users from 12,000 to 18,000 by end of Q2")
    >>> kr.metric, kr.baseline, kr.target, kr.direction.value, kr.due
    ('weekly active users', 12000.0, 18000.0, 'increase', 'end of Q2')

The parser reads; it never guesses. A field it cannot find stays None, and the validators then say
what is missing. It must also survive whatever a small language model writes, so every step is a
tolerant regular expression over the text, and nothing here raises on odd input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from suggester.models import Direction, KeyResult, Kind, NumberSource
from suggester.validation.dates import read_due
from suggester.validation.numbers import Quantity, find_quantities
from suggester.validation.wording import (
    ACTIVITY_VERBS,
    COMPARATIVES,
    DECREASE_VERBS,
    DELIVERABLE_VERBS,
    HOLD_VERBS,
    INCREASE_VERBS,
    LEVEL_VERBS,
    OPEN_ENDED_VERBS,
    OUTCOME_VERBS,
)

_TAG_RE = re.compile(
    r"^\s*(?:[-*+•]\s+|\d+[.)]\s+)?"
    r"(?:(?:kr|key result)\s*[\d.]*\s*[:.)-]\s*)?"
    r"(?:[\[(]\s*(?P<kind>input|output|initiative|in|out|init)\b\s*(?:(?:->|→|=>|drives:?|:|,)\s*(?P<drives>[\w ,]*))?"
    r"\s*[\])]\s*[:-]?\s*)?"
    r"(?:(?:kr|key result)\s*[\d.]*\s*[:.)-]\s*)?",
    re.IGNORECASE,
)
_PAIR_FROM = re.compile(r"\bfrom\s+(?:the\s+|about\s+|around\s+|roughly\s+|~)?$")
_PAIR_TO = re.compile(r"\s*(?:[a-z][a-z-]*\s+){0,3}(?:to|up to|down to|->|→|=>|-|–)\s*(?:the\s+|about\s+|~)?")
# Numbers that are names, not quantities: "SOC 2", "ISO 27001", "Tier 1 support", "24/7".
_NAMED_NUMBER = re.compile(
    r"\b(?:SOC|ISO(?:/IEC)?|IEC|WCAG|PCI(?: DSS)?|NIST(?: CSF)?|HIPAA|Tier|Level|Phase|Series|Stage|Version|v|Gen|"
    r"Python|Java|Windows|iOS|Android|Web)\s?\d+(?:[.:]\d+)*\b|\b24/7\b",
    re.IGNORECASE,
)
_KIND_ALIASES = {"in": Kind.input, "out": Kind.output, "init": Kind.initiative}

_BASELINE_CUE = re.compile(
    r"(?:\bfrom|\bup from|\bdown from|\bcurrently(?: at)?|\btoday(?: at)?|\bbaseline:?|\bwas|\bvs\.?|\bversus"
    r"|\bcompared (?:to|with)|\bstarting at|\bnow)\s*(?:the\s+|an?\s+|about\s+|around\s+|roughly\s+|~)?$"
)
_TARGET_CUE = re.compile(
    r"(?:\bto|->|→|=>|\bat|\bof|\babove|\bbelow|\bunder|\bover|\bat least|\bat most|\bmore than|\bless than"
    r"|\bno more than|\bno less than|\bfewer than|\bwithin|\bin under|\bin less than|[<>≤≥]=?|\btarget:?|\breach"
    r"|\bhit|\bexceed|\bbeyond|\bminimum of|\bmaximum of|\bor (?:more|higher|above|less|lower|below))"
    r"\s*(?:the\s+|an?\s+|about\s+|around\s+|roughly\s+|~|or (?:above|below|more|less|higher|lower)\s+)*$"
)
_RELATIVE_CUE = re.compile(r"\bby\s*(?:at least\s+|about\s+|around\s+|~)?$")
_CHANGE_NOUN = re.compile(
    r"^\s*(?:%|percent)?\s*(?P<noun>increase|growth|uplift|rise|gain|improvement|jump|reduction|decrease|drop"
    r"|decline|cut|fall)\b",
    re.IGNORECASE,
)
_RELATIVE_AFTER = re.compile(r"^\s*(?:qoq|yoy|mom|wow|quarter[- ]over[- ]quarter|year[- ]over[- ]year"
                             r"|month[- ]over[- ]month|week[- ]over[- ]week)\b", re.IGNORECASE)
_HOLD_CUE = re.compile(r"\b(?:at|above|below|under|over|within|steady|flat|at or (?:above|below)|at least|at most)\b")
_FLOOR_CUE = re.compile(r"\b(?:above|at least|over|more than)\b", re.IGNORECASE)
_CEILING_CUE = re.compile(r"\b(?:below|at most|under|less than)\b", re.IGNORECASE)
_MULTIPLIERS = {"double": (100.0, Direction.increase), "triple": (200.0, Direction.increase),
                "halve": (50.0, Direction.decrease), "quadruple": (300.0, Direction.increase)}
_LEAD_IN = re.compile(r"^(?:we(?:'ll| will| should| must)?|i(?:'ll| will)?|the team will|to)\s+", re.IGNORECASE)
_METRIC_BREAK = re.compile(r"[,;:(\[]|\s[-–—]\s|\s?(?:->|→|=>)|\s(?:within|in under|in less than)\s")
_CUE_TAIL = re.compile(
    r"(?:^|\s+)(?:from|to|by|at|of|or|above|below|under|over|within|in|up from|down from|at least|at most|more than|less than"
    r"|no more than|or more|or less|vs\.?|versus|compared to|currently|starting at|about|around|the|an?"
    r"|between|significantly|substantially|considerably|dramatically|greatly|quickly|steadily|further|[<>≤≥]=?|~"
    r"|[$€£]|usd|eur|gbp|chf)$",
    re.IGNORECASE,
)
_ARTICLES = re.compile(r"^(?:the|our|an?|its|their|total|overall|number of|amount of)\s+", re.IGNORECASE)


@dataclass
class _Reading:
    """What the parser has read so far."""

    baseline: Quantity | None = None
    target: Quantity | None = None
    relative: bool = False
    direction: Direction | None = None
    count_style: bool = False


def parse_kr_text(
    text: str, *, id: str = "kr1", kind: Kind | None = None, due_default: str | None = None
) -> KeyResult:
    """Read a KR sentence into a KeyResult.

    Args:
        text: the KR as written, optionally with a bullet, a ``KR1:`` label and a kind tag
            (``[input]``, ``[output]``, ``[initiative]``, ``[input -> kr1]`` to link it to an output).
        id: the id to give the KR.
        kind: the kind, when the caller knows it; else it comes from the tag, else from the wording
            (then ``kind_inferred`` is True).
        due_default: the due date or cycle to use when the text names none (e.g. the document's cycle).

    Returns:
        A KeyResult whose fields are None wherever the text does not say. Numbers read from the text
        are marked ``baseline_source`` / ``target_source`` = "document".
    """
    tag = _TAG_RE.match(text or "")
    body = (text or "")[tag.end() :].strip() if tag else (text or "").strip()
    body = re.sub(r"\s+", " ", body)
    body = _LEAD_IN.sub("", body)
    given_kind = kind
    drives: list[str] = []
    if tag and tag["kind"]:
        given_kind = given_kind or _KIND_ALIASES.get(tag["kind"].lower()) or Kind(tag["kind"].lower())
        drives = _drive_ids(tag["drives"] or "")

    due, rest = read_due(body)
    rest = _INTENSIFIER.sub("", rest)  # "Significantly improve X": the verb is "improve" (vague-language reads the text)
    verb = _first_word(rest)
    reading = _read_numbers(rest, verb)
    direction = _read_direction(rest, verb, reading)

    inferred_kind = given_kind is None
    milestone = _is_milestone(rest, verb, reading)
    final_kind = given_kind or (Kind.initiative if milestone else _infer_kind(verb, reading, direction, rest, due))
    target = reading.target.value if reading.target else None
    unit = _unit(reading)
    if final_kind is Kind.initiative and target is None and reading.baseline is None and verb not in OPEN_ENDED_VERBS:
        # A deliverable is graded done / not done: that is its completion measure, read from the verb.
        direction, target, unit = Direction.complete, 1.0, "done"

    return KeyResult(
        id=id,
        kind=final_kind,
        kind_inferred=inferred_kind,
        text=body,
        metric=_read_metric(rest, verb, reading),
        baseline=reading.baseline.value if reading.baseline else None,
        target=target,
        relative=reading.relative,
        unit=unit,
        direction=direction,
        due=due or due_default,
        drives=drives,
        baseline_source=NumberSource.document if reading.baseline else None,
        target_source=NumberSource.document if target is not None else None,
    )


def held_side(text: str) -> Direction | None:
    """Which way is better for a KR that holds a level: "Keep CSAT at or above 88%" guards a floor
    (increase), "Hold churn at or below 1.5%" a ceiling (decrease); None when the text names neither or both."""
    floor, ceiling = _FLOOR_CUE.search(text), _CEILING_CUE.search(text)
    if floor and not ceiling:
        return Direction.increase
    if ceiling and not floor:
        return Direction.decrease
    return None


def _drive_ids(raw: str) -> list[str]:
    ids = []
    for part in re.split(r"[\s,]+", raw.strip()):
        if not part or part.lower() in {"and", "drives"}:
            continue
        ids.append(f"kr{part}" if part.isdigit() else part.lower())
    return ids


def _first_word(text: str) -> str | None:
    match = re.match(r"[A-Za-z][A-Za-z'-]*", text)
    return match.group(0).lower() if match else None


def _read_numbers(text: str, verb: str | None) -> _Reading:
    """Assign the numbers of a KR to baseline and target, by the words in front of them."""
    reading = _Reading()
    masked = _NAMED_NUMBER.sub(lambda match: re.sub(r"\d", "N", match.group(0)), text)
    lowered = masked.lower()
    quantities = [q for q in find_quantities(masked) if not _is_year(q, lowered)]

    for a, b in pairwise(quantities):
        # "from A to B", "A -> B", "between A and B": the tightest readings; other numbers belong to the metric.
        if _PAIR_FROM.search(lowered[: a.start]) and _PAIR_TO.fullmatch(lowered[a.end : b.start]):
            reading.baseline, reading.target = a, b
            break
        if re.fullmatch(r"\s*(?:->|→|=>)\s*", lowered[a.end : b.start]):
            reading.baseline, reading.target = a, b
            break
        if re.search(r"\bbetween\s*$", lowered[: a.start]) and re.fullmatch(r"\s*(?:and|-|–)\s*", lowered[a.end : b.start]):
            reading.target = Quantity(b.value, b.unit or a.unit, b.start, b.end)  # the bound to stay within
            break
    if reading.target is not None:
        _harmonise_units(reading)
        return reading

    share = next((q for q in quantities if q.unit == "%" and re.match(r"\s*of\b", lowered[q.end :])), None)
    if quantities and verb and share is None:
        first = quantities[0]
        # "Hold 60 demos", "Run at least 8 workshops", "Maintain 99.9% uptime": a number right after the verb.
        if re.fullmatch(r"[a-z'-]+(?:\s+(?:up|out|in|on|off|to|at least|more than|over|another|an additional))?\s*",
                        lowered[: first.start]):
            reading.target = first
            reading.count_style = first.unit is None and _noun_follows(lowered, first)
    for quantity in quantities:
        if quantity is reading.target:
            continue
        before = lowered[max(0, quantity.start - 30) : quantity.start].rstrip()
        after = lowered[quantity.end :]
        if _BASELINE_CUE.search(before) and not _loose_from(before, verb, quantities):
            reading.baseline = reading.baseline or quantity
        elif reading.target is not None:
            continue
        elif share is not None:
            if quantity is share:
                reading.target = quantity
        elif _RELATIVE_CUE.search(before):
            reading.target, reading.relative = quantity, True
        elif quantity.unit in ("%", "pp", "points") and _CHANGE_NOUN.match(after):
            reading.target, reading.relative = quantity, True
            noun = _CHANGE_NOUN.match(after)["noun"].lower()
            reading.direction = (
                Direction.decrease if noun in {"reduction", "decrease", "drop", "decline", "cut", "fall"}
                else Direction.increase
            )
        elif quantity.unit == "%" and _RELATIVE_AFTER.match(after):
            reading.target, reading.relative = quantity, True
        elif _TARGET_CUE.search(before):
            reading.target = quantity
    remaining = [q for q in quantities if q is not reading.baseline]
    if reading.target is None and len(remaining) == 1 and share is None:
        reading.target = remaining[0]
    if reading.target is None and verb in _MULTIPLIERS and not quantities:
        value, reading.direction = _MULTIPLIERS[verb]
        reading.target, reading.relative = Quantity(value, "%", 0, 0), True
    if reading.target is not None and reading.target.unit is None and not reading.relative:
        reading.count_style = reading.count_style or _noun_follows(lowered, reading.target)
    _harmonise_units(reading)
    return reading


_DIRECTION_VERBS = INCREASE_VERBS | DECREASE_VERBS | HOLD_VERBS | LEVEL_VERBS


def _loose_from(before: str, verb: str | None, quantities: list[Quantity]) -> bool:
    """"Request referrals from 20 former colleagues": a lone "from N" after a verb that moves nothing is a source."""
    return (
        len(quantities) == 1
        and verb is not None
        and verb not in _DIRECTION_VERBS
        and re.search(r"(?<!up )(?<!down )\bfrom\s*(?:the\s+)?$", before) is not None
    )


def _noun_follows(lowered: str, quantity: Quantity) -> bool:
    """"60 demos", "15 of the 40 steps": a counted noun follows the number."""
    return re.match(r"\s*\+?\s*(?!per\b|a\b|an\b|each\b|every\b|by\b|and\b|or\b|in\b|on\b|at\b|for\b)[a-z]",
                    lowered[quantity.end :]) is not None


_TIME_UNITS = {"ms": 0.001, "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}


def _harmonise_units(reading: _Reading) -> None:
    """"from 3 hours to 45 minutes": express the baseline in the target's unit so they compare."""
    baseline, target = reading.baseline, reading.target
    if baseline is None or target is None:
        return
    if baseline.unit in _TIME_UNITS and target.unit in _TIME_UNITS and baseline.unit != target.unit:
        value = baseline.value * _TIME_UNITS[baseline.unit] / _TIME_UNITS[target.unit]
        reading.baseline = Quantity(round(value, 6), target.unit, baseline.start, baseline.end)


_YEAR_BEFORE = {"the", "in", "of", "for", "since", "by", "fy", "our", "until", "during", "before", "after", "end",
                "this", "next", "its", "their", "early", "late", "mid", "spring", "summer", "autumn", "fall", "winter"}


def _is_year(quantity: Quantity, lowered: str) -> bool:
    """A year in the wording ("the 2027 pricing page") is not a target; "Rewrite 2000 titles" counts titles."""
    raw = lowered[quantity.start : quantity.end]
    if quantity.unit or not re.fullmatch(r"(?:19|20)\d{2}", raw.strip()):
        return False
    before = lowered[max(0, quantity.start - 12) : quantity.start]
    if _BASELINE_CUE.search(before) or _TARGET_CUE.search(before) or _RELATIVE_CUE.search(before):
        return False
    previous = re.findall(r"[a-z']+", lowered[: quantity.start])
    if previous and previous[-1] in _YEAR_BEFORE:
        return True
    return re.match(r"\s*[a-z]", lowered[quantity.end :]) is None


def _read_direction(text: str, verb: str | None, reading: _Reading) -> Direction | None:
    lowered = text.lower()
    if reading.direction:
        return reading.direction
    if verb in INCREASE_VERBS:
        return Direction.increase
    if verb in DECREASE_VERBS:
        return Direction.decrease
    if verb in HOLD_VERBS and (verb != "hold" or _HOLD_CUE.search(lowered)):
        return Direction.reach
    if reading.baseline and reading.target and not reading.relative:
        if reading.target.value > reading.baseline.value:
            return Direction.increase
        if reading.target.value < reading.baseline.value:
            return Direction.decrease
        return None
    if re.search(r"\bup from\b", lowered):
        return Direction.increase
    if re.search(r"\bdown from\b", lowered):
        return Direction.decrease
    if reading.count_style:
        return Direction.increase  # a count of things done in the cycle only grows
    return None


def _unit(reading: _Reading) -> str | None:
    for quantity in (reading.target, reading.baseline):
        if quantity is not None and quantity.unit:
            return quantity.unit
    return "count" if reading.count_style else None


_MILESTONE_NOUNS = re.compile(r"\b(?:certification|certified|accreditation|accredited|approval|licen[cs]e|go-live)\b",
                              re.IGNORECASE)
_ONE_OFF_VERBS = {"hire", "appoint", "recruit", "sign", "close", "win", "acquire", "achieve", "attain", "obtain",
                  "earn", "gain", "get", "pass"}


def _is_milestone(text: str, verb: str | None, reading: _Reading) -> bool:
    """A one-off result with no number: "Attain ISO 27001 certification", "Hire a Head of Marketing"."""
    if reading.target is not None or reading.baseline is not None or verb not in _ONE_OFF_VERBS:
        return False
    if _MILESTONE_NOUNS.search(text):
        return True
    return verb in {"hire", "appoint", "recruit", "sign", "close", "win"} and re.match(
        rf"{verb}\s+(?:a|an|the|our)\s", text, re.IGNORECASE
    ) is not None


# Wanting to be somewhere is an outcome, not a finish line: "Become the go-to supplier ...", "Make onboarding
# feel welcoming ...". Read as outputs, so that `measurable` asks for the number.
_ASPIRATION = re.compile(r"(?:become|be)\b|make\b.*\b(?:feel|look|seem)s?\b", re.IGNORECASE)
_INTENSIFIER = re.compile(
    r"^(?:significantly|greatly|dramatically|drastically|substantially|meaningfully|massively|radically|vastly|really)\s+",
    re.IGNORECASE,
)


def _infer_kind(verb: str | None, reading: _Reading, direction: Direction | None, text: str, due: str | None) -> Kind:
    """Kind from the wording: activities with a number are inputs, deliverables are initiatives."""
    has_number = reading.target is not None or reading.baseline is not None
    if direction is Direction.reach:  # "Hold churn at or below 1.5%" keeps an outcome at a level
        return Kind.output
    if (
        not has_number and due and verb not in OPEN_ENDED_VERBS | ACTIVITY_VERBS | INCREASE_VERBS | DECREASE_VERBS
        and not _ASPIRATION.match(text)
    ):
        # "Link each error code to its help article by June 15": a dated change with a finish line,
        # unless a comparative shows it wants an outcome to move ("Make onboarding smoother by Q2").
        comparative = re.search(rf"\b(?:{'|'.join(COMPARATIVES)})\b", text, re.IGNORECASE)
        return Kind.output if comparative and verb not in DELIVERABLE_VERBS else Kind.initiative
    if verb in ACTIVITY_VERBS and verb not in OUTCOME_VERBS:
        # Without a number an activity is still read as the output it claims to be: the
        # outcome-not-activity rule then says so, instead of the parser excusing it.
        return Kind.input if has_number else Kind.output
    if verb in DELIVERABLE_VERBS:
        return Kind.input if has_number else Kind.initiative
    if reading.count_style and verb not in OUTCOME_VERBS | _DIRECTION_VERBS:
        return Kind.input  # "Refresh 60 outdated articles": a count of work done, a lever
    return Kind.output


def _read_metric(text: str, verb: str | None, reading: _Reading) -> str | None:
    """The thing measured: the words after the verb, up to the first number or number cue."""
    start = 0
    known_verb = verb is not None and (
        verb in INCREASE_VERBS | DECREASE_VERBS | HOLD_VERBS | LEVEL_VERBS | ACTIVITY_VERBS | DELIVERABLE_VERBS
        | OUTCOME_VERBS | set(_MULTIPLIERS)
    )
    if known_verb:
        start = len(verb)
        particle = re.match(r"\s+(?:up|out|down|in|on|off)\b", text[start:], re.IGNORECASE)
        if particle and verb in {"set", "roll", "go", "stand", "follow", "bring", "cut", "reach", "sign"}:
            start += particle.end()
    if known_verb:
        preposition = re.match(r"\s+(?:to|with|on|for|about)\s+(?=[a-z])", text[start:], re.IGNORECASE)
        if preposition and verb in ACTIVITY_VERBS:  # "Reply to every lead": the object is what is measured
            start += preposition.end()
    change = _CHANGE_NOUN.match(text[reading.target.end :]) if reading.target is not None else None
    if reading.count_style and reading.target is not None:
        start = reading.target.end  # "Hold 60 qualified demos with ...": the noun after the number
    elif reading.relative and change:  # "a 20% reduction in onboarding time"
        start = reading.target.end + change.end()
        start += re.match(r"\s*(?:in|of)?\s*", text[start:]).end()
    elif reading.baseline is None and reading.target is not None and reading.target.unit == "%" and re.match(
        r"\s*of\s", text[reading.target.end :]
    ):
        start = reading.target.end + re.match(r"\s*of\s", text[reading.target.end :]).end()
    assigned = sorted((q for q in (reading.baseline, reading.target) if q is not None and q.start >= start),
                      key=lambda q: q.start)
    end = assigned[0].start if assigned else len(text)
    metric = _clean_metric(text[start:end], keep_numbers=reading.baseline is not None and reading.target is not None)
    if not metric and reading.target is not None:  # "Get to 1,000 paying customers": the noun follows
        metric = _clean_metric(text[reading.target.end :], keep_numbers=False)
    return metric


def _clean_metric(segment: str, *, keep_numbers: bool) -> str | None:
    segment = segment.lstrip(" :+")
    cut = _METRIC_BREAK.search(segment)
    if cut:
        segment = segment[: cut.start()]
    if not keep_numbers:
        masked = _NAMED_NUMBER.sub(lambda match: re.sub(r"\d", "N", match.group(0)), segment)
        number = re.search(r"(?<![\w.])[$€£]?(?!(?:19|20)\d\d\b)\d", masked)
        if number:
            segment = segment[: number.start()]
    previous = None
    while previous != segment:
        previous = segment
        segment = _CUE_TAIL.sub("", segment).strip(" .,-–—")
        segment = _ARTICLES.sub("", segment).strip(" .,-–—")
    return segment or None
