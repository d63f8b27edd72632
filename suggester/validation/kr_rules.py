"""Per-KR rules. Each reads the structured fields of one KeyResult (and, for wording rules, its text)
and returns a Violation or None. Callers parse free text into fields first (`suggester.krtext`)."""

from __future__ import annotations

import re

from suggester.models import Direction, KeyResult, Kind, NumberSource, Severity
from suggester.validation.catalogue import RuleContext, Violation, kr_rule
from suggester.validation.dates import strip_dates
from suggester.validation.numbers import appears_in
from suggester.validation.wording import (
    ACTIVITY_VERBS,
    DECREASE_VERBS,
    DELIVERABLE_VERBS,
    HEDGES,
    HIGHER_IS_BETTER,
    HOLD_VERBS,
    INCREASE_VERBS,
    LEVEL_VERBS,
    LOWER_IS_BETTER,
    NEGATIVE_OK_WORDS,
    UNBOUNDED_PERCENT_WORDS,
    VAGUE_WORDS,
    contains_phrase,
    leading_verb,
    mentions,
    strip_prefix,
    words,
)

MAX_WORDS = 25
TRUSTED_SOURCES = {NumberSource.user_context, NumberSource.document, NumberSource.example}


def _is_done_measure(kr: KeyResult) -> bool:
    """An initiative measured as done / not done needs no baseline and no numeric target."""
    return kr.direction is Direction.complete or kr.unit == "done"


def _is_flow_count(kr: KeyResult) -> bool:
    """A count of things done within the cycle ("Run 8 workshops", "Sign 20 new customers", "Log 70 hours").

    It starts from zero each cycle, so it needs no baseline. A level such as "Reach 1,000 customers"
    is not a flow: its verb names a level to hit.
    """
    if kr.direction not in (Direction.increase, None) or kr.unit == "%":
        return False
    if kr.kind is Kind.input and kr.unit == "count":
        return True
    verb = leading_verb(kr.text)
    if verb is None or verb in LEVEL_VERBS or verb in INCREASE_VERBS:
        return False
    return _FLOW_SHAPE.match(strip_prefix(kr.text).lower()) is not None


_FLOW_SHAPE = re.compile(r"^[a-z'-]+\s+(?:at least\s+|over\s+|more than\s+|another\s+)?\d")


def _is_coverage_input(kr: KeyResult) -> bool:
    """An input that sets a standard of practice ("Call 90% of new clients on the day they are referred").

    Like a count, it is measured within the cycle against its own standard, so it needs no baseline.
    """
    return kr.kind is Kind.input and kr.unit == "%" and re.search(r"%\s+of\b", kr.text) is not None


@kr_rule(
    "measurable", "error",
    "No number to grade: the KR has neither a target nor a baseline.",
    "Name the metric and the value that means success, e.g. \"Raise CSAT from 78% to 85% by June 30\".",
)
def measurable(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    if kr.kind is Kind.initiative:  # an initiative is graded by completion; kind-fits-wording covers it
        return None
    if kr.target is None and kr.baseline is None and not _is_done_measure(kr):
        return Violation()
    return None


@kr_rule(
    "has-target", "error",
    "The KR has a starting value but no target.",
    "Add the value to reach by the due date: \"from X to Y\".",
)
def has_target(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    if kr.target is None and kr.baseline is not None and not _is_done_measure(kr):
        return Violation()
    return None


@kr_rule(
    "baseline-known", "warning",
    "Target without a starting point: nobody can tell how ambitious it is.",
    "Write \"from X to Y\" with today's value; if nobody knows it yet, add \"establish the baseline\" first.",
)
def baseline_known(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    if kr.target is None or kr.baseline is not None or kr.kind is Kind.initiative or _is_done_measure(kr):
        return None
    if kr.direction is Direction.reach or _is_flow_count(kr) or _is_coverage_input(kr):
        return None
    if kr.relative:
        return Violation(
            detail="The target is relative to a baseline nobody has written down yet.",
            severity=Severity.info,
        )
    return Violation()


@kr_rule(
    "baseline-invented", "warning",
    "The baseline does not come from the user's context or any source: it looks invented.",
    "Set the baseline to unknown (null) and add \"establish the baseline\" until someone measures it.",
)
def baseline_invented(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    if kr.baseline is None or kr.baseline_source in TRUSTED_SOURCES:
        return None
    if appears_in(kr.baseline, ctx.context_numbers):
        return None
    where = "the context given" if ctx.context else "any context (none was given)"
    return Violation(detail=f"Baseline {_fmt(kr.baseline)} does not appear in {where}: it looks invented.")


@kr_rule(
    "baseline-differs", "error",
    "Baseline and target are the same: the KR asks for no change.",
    "Pick a target that differs from today's value, or write \"keep X at Y\" for a level to hold.",
)
def baseline_differs(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    if kr.relative or kr.baseline is None or kr.target is None or kr.direction is Direction.reach:
        return None
    if kr.baseline == kr.target:
        return Violation(detail=f"Baseline and target are both {_fmt(kr.target)}: the KR asks for no change.")
    return None


@kr_rule(
    "direction-consistent", "error",
    "The wording and the numbers point in opposite directions.",
    "Make the verb match the numbers: \"increase\" needs a target above the baseline, \"reduce\" one below.",
)
def direction_consistent(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    verb = leading_verb(kr.text)
    said = Direction.increase if verb in INCREASE_VERBS else Direction.decrease if verb in DECREASE_VERBS else None
    if said and kr.direction in (Direction.increase, Direction.decrease) and said is not kr.direction:
        return Violation(detail=f"The text says \"{verb}\" but the direction field says {kr.direction.value}.")
    direction = kr.direction or said
    if kr.relative or kr.baseline is None or kr.target is None:
        return None
    if verb in NEUTRAL_VERBS:  # "Improve NPS from 30 to 25": the metric's name says which way is better
        better = _better_direction(kr.metric or strip_prefix(kr.text))
        if better is Direction.increase and kr.target < kr.baseline:
            return Violation(detail=f"\"{verb.capitalize()}\" from {_fmt(kr.baseline)} to {_fmt(kr.target)}: "
                             "for this metric higher is better, yet the target is lower.")
        if better is Direction.decrease and kr.target > kr.baseline:
            return Violation(detail=f"\"{verb.capitalize()}\" from {_fmt(kr.baseline)} to {_fmt(kr.target)}: "
                             "for this metric lower is better, yet the target is higher.")
        return None
    if direction is Direction.increase and kr.target < kr.baseline:
        return Violation(detail=f"Increase from {_fmt(kr.baseline)} to {_fmt(kr.target)}: the target is lower.")
    if direction is Direction.decrease and kr.target > kr.baseline:
        return Violation(detail=f"Decrease from {_fmt(kr.baseline)} to {_fmt(kr.target)}: the target is higher.")
    return None


NEUTRAL_VERBS = {"improve", "better", "optimize", "optimise", "move", "bring", "get", "take"}


def _better_direction(metric: str) -> Direction | None:
    lower, higher = mentions(metric, LOWER_IS_BETTER), mentions(metric, HIGHER_IS_BETTER)
    if lower and not higher:
        return Direction.decrease
    if higher and not lower:
        return Direction.increase
    return None


@kr_rule(
    "value-in-range", "error",
    "A value is impossible for its unit.",
    "Percentages of a whole stay between 0 and 100; counts and amounts are not negative.",
)
def value_in_range(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    values = [(name, value) for name, value in (("baseline", kr.baseline), ("target", kr.target)) if value is not None]
    described = kr.metric or strip_prefix(kr.text)
    if kr.unit == "%" and not kr.relative and not contains_phrase(described, UNBOUNDED_PERCENT_WORDS):
        for name, value in values:
            if value > 100:
                return Violation(detail=f"The {name} is {_fmt(value)}%: a share cannot exceed 100%.")
    if not mentions(described, NEGATIVE_OK_WORDS):
        for name, value in values:
            if value < 0:
                return Violation(detail=f"The {name} is {_fmt(value)}{' ' + kr.unit if kr.unit else ''}: "
                                 "it cannot be negative.")
    return None


@kr_rule(
    "time-bound", "warning",
    "No due date or cycle: the KR never expires.",
    "End it with a date or cycle: \"by 2027-06-30\", \"by end of Q2\".",
)
def time_bound(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    return None if kr.due else Violation()


@kr_rule(
    "outcome-not-activity", "warning",
    "This reads as an activity (a to-do), not an outcome.",
    "Measure the result the activity should bring, or type it as an input KR and link it (drives) to that output.",
)
def outcome_not_activity(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    if kr.kind is not Kind.output:
        return None
    verb = leading_verb(kr.text)
    if verb not in ACTIVITY_VERBS or (verb in HOLD_VERBS and kr.direction is Direction.reach):
        return None  # "Hold churn at or below 1.5%" keeps an outcome at a level
    severity = Severity.warning if kr.kind_inferred else Severity.error
    return Violation(
        detail=f"\"{verb.capitalize()} ...\" is an activity, yet the KR is an output.", severity=severity
    )


@kr_rule(
    "vague-language", "warning",
    "Vague wording: the KR cannot be graded as written.",
    "Replace the vague word with a number: \"more demos\" -> \"60 demos\".",
)
def vague_language(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    hedge = contains_phrase(kr.text, HEDGES)
    if hedge:
        return Violation(detail=f"\"{hedge}\" hedges the commitment: a KR states what will be true.")
    if kr.target is None or _is_done_measure(kr):  # a number pins the vague word down; "done" does not
        vague = contains_phrase(kr.text, VAGUE_WORDS)
        if vague:
            return Violation(detail=f"\"{vague}\" without a number: the KR cannot be graded as written.")
    return None


_JOINERS = re.compile(r"\s+(?:and|&|as well as|plus|while)\s+|;\s*", re.IGNORECASE)
_MOVE_VERBS = INCREASE_VERBS | DECREASE_VERBS | HOLD_VERBS | {"reach", "hit", "achieve", "launch", "ship"}


@kr_rule(
    "one-result", "warning",
    "Several results in one KR: it cannot be graded as one.",
    "Split it into one KR per result, or keep the one that matters most.",
)
def one_result(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    text = strip_prefix(kr.text)
    text = re.sub(r"\bbetween\s+\S+\s+and\b", "between", text, flags=re.IGNORECASE)
    parts = _JOINERS.split(text)
    if len(parts) < 2:
        return None
    with_numbers = [part for part in parts if re.search(r"\d", strip_dates(part))]
    if len(with_numbers) >= 2:
        return Violation(detail="It sets more than one target joined by \"and\".")
    for part in parts[1:]:
        first = words(part)[:1]
        if first and first[0] in _MOVE_VERBS and len(words(parts[0])) > 1:
            return Violation(detail=f"It joins two results: \"... and {first[0]} ...\".")
    return None


@kr_rule(
    "kind-fits-wording", "warning",
    "The kind does not fit the wording.",
    "Type a deliverable as an initiative with a done date; give an initiative a clear finish line.",
)
def kind_fits_wording(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    verb = leading_verb(kr.text)
    if kr.kind is Kind.output and verb in DELIVERABLE_VERBS:
        return Violation(
            detail=f"\"{verb.capitalize()} ...\" describes a deliverable: type it as an initiative, "
            "or measure the outcome it should bring."
        )
    if kr.kind is Kind.initiative and not _is_done_measure(kr) and kr.target is None:
        return Violation(detail="An initiative with no completion measure: say what \"done\" means.")
    return None


@kr_rule(
    "length", "info",
    f"Long KR: over {MAX_WORDS} words is hard to read at a glance.",
    "Keep the metric, the numbers and the date; move the explanation to the rationale.",
)
def length(kr: KeyResult, ctx: RuleContext) -> Violation | None:
    count = len(strip_prefix(kr.text).split())
    if count > MAX_WORDS:
        return Violation(detail=f"{count} words: over {MAX_WORDS} is hard to read at a glance.")
    return None


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1000 else f"{value:g}"
