"""Turn the model's draft lines into complete, coherent key results.

The model chose what to measure, the kind and (roughly) the direction. This module owns everything
that small models get wrong: the numbers, the direction agreeing with them, and the sentence.
- baseline: only from the user's context, else unknown (never invented);
- target: the relative change a similar corpus KR aimed for, applied to the baseline; with no
  baseline, that change is stated relative to a baseline still to be measured;
- text: rendered from the fields, so verb, direction and numbers always agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from suggester.models import Direction, KeyResult, Kind, NumberSource
from suggester.numbers import Quantity, find_baseline, format_quantity, nice, unit_family
from suggester.parsing import DraftLine

# Metrics where less is better, whatever a small model says.
_LOWER_IS_BETTER = re.compile(
    r"\b(time|times|latency|cost|costs|spend|churn|attrition|turnover|defects?|bugs?|errors?|incidents?|"
    r"backlog|downtime|outages?|complaints?|returns?|refunds?|waste|scrap|delays?|lead time|cycle time|"
    r"days to|hours to|vulnerabilit(?:y|ies)|risk|debt|absenteeism|no-shows?|cancell?ations?|escalations?|"
    r"bounce|drop-?off|abandon\w*|overdue|late|stockouts?|shrink\w*|injur\w*|readmissions?|dso|cac|mttr)\b",
    re.I,
)
_HIGHER_OVERRIDES = re.compile(r"\b(on-time|on time|uptime|saved|savings|reduction in|resolved|retention)\b", re.I)
_DEFAULT_CHANGE = 0.2  # used only when no similar corpus KR states a change


@dataclass(frozen=True)
class Neighbor:
    """The most similar corpus KR to a draft line, and how similar it is (cosine)."""

    kr: KeyResult
    similarity: float
    example_id: str


NeighborFinder = Callable[[DraftLine], Neighbor | None]


def resolve_direction(line: DraftLine, neighbor: Neighbor | None) -> Direction:
    """Direction from the model, corrected where the metric's wording says otherwise."""
    if line.kind is Kind.initiative:
        return Direction.complete
    lower_better = bool(_LOWER_IS_BETTER.search(line.metric)) and not _HIGHER_OVERRIDES.search(line.metric)
    chosen = line.direction
    if chosen is None and neighbor is not None and neighbor.kr.direction not in (None, Direction.complete):
        chosen = neighbor.kr.direction
    if chosen in (None, Direction.increase, Direction.decrease):
        return Direction.decrease if lower_better else Direction.increase
    return chosen


# Stretch, not fantasy: at most +50% or -50% in one cycle.
MAX_INCREASE, MAX_DECREASE = 0.5, 0.5


def _relative_change(kr: KeyResult, direction: Direction) -> float | None:
    change = None
    if kr.baseline and kr.target is not None and kr.baseline > 0:
        change = abs(kr.target / kr.baseline - 1)
    elif kr.relative and kr.target:
        change = abs(kr.target) / 100
    if not change:
        return None
    return min(change, MAX_INCREASE if direction is Direction.increase else MAX_DECREASE)


def _clean_metric(metric: str) -> str:
    """Lower-case the first letter so the metric reads inside a sentence, unless it opens with an acronym."""
    metric = re.sub(r"\s+", " ", metric).strip(" .")
    first_word = metric.split(" ", 1)[0]
    return metric if first_word.isupper() else metric[:1].lower() + metric[1:]


def _target_from(baseline: float, change: float, direction: Direction, unit: str | None) -> float:
    factor = 1 + change if direction is Direction.increase else 1 - change
    target = baseline * factor
    if unit == "%":
        target = min(max(target, 0.0), 100.0)
        if direction is Direction.increase and target >= 100.0 > baseline:
            target = baseline + (100.0 - baseline) / 2
        return round(target, 1)
    rounded = nice(target)
    if rounded == baseline:  # rounding ate the change
        rounded = round(target, 2)
    return rounded


def compose_kr(
    line: DraftLine, kr_id: str, neighbor: Neighbor | None, context: str | None, due: str,
    taken: set[Quantity] | None = None,
) -> KeyResult:
    """One complete key result from a draft line. Pure but for `taken`, which records the context
    number used as this KR's baseline so no other KR of the set claims it too."""
    metric = _clean_metric(line.metric)
    direction = resolve_direction(line, neighbor)
    source = NumberSource.example if neighbor else NumberSource.proposed
    if line.kind is Kind.initiative:
        phrase = metric[:1].upper() + metric[1:]
        return KeyResult(
            id=kr_id, kind=line.kind, text=f"{phrase} by {due}", metric=metric, target=1, unit="done",
            direction=Direction.complete, due=due, target_source=NumberSource.proposed,
        )
    ref = neighbor.kr if neighbor else None
    unit = ref.unit if ref and ref.unit not in (None, "done") else None
    counted = line.kind is Kind.input and direction is Direction.increase and (
        ref is None or (ref.baseline is None and not ref.relative and unit_family(unit) == "number")
    )
    found = None if counted else find_baseline(metric, unit, context, frozenset(taken or ()))
    if found is not None and taken is not None:
        taken.add(found)
    kr = dict(id=kr_id, kind=line.kind, metric=metric, direction=direction, due=due)

    if counted:
        target = ref.target if ref and ref.target else 10.0
        return KeyResult(
            **kr, target=target, unit="count",
            text=f"Reach {format_quantity(target, 'count')} {metric} by {due}", target_source=source,
        )
    if direction is Direction.reach:
        target = ref.target if ref and ref.target is not None else None
        if target is not None:
            return KeyResult(
                **kr, target=target, unit=unit, target_source=source,
                text=f"Keep {metric} at {format_quantity(target, unit)} through {due}",
            )
        direction = Direction.increase
        kr["direction"] = direction

    change = (_relative_change(ref, direction) if ref else None) or _DEFAULT_CHANGE
    verb = "Increase" if direction is Direction.increase else "Reduce"
    if found is not None:
        unit = found.unit or unit
        target = _target_from(found.value, change, direction, unit)
        return KeyResult(
            **kr, baseline=found.value, target=target, unit=unit,
            baseline_source=NumberSource.user_context, target_source=source,
            text=f"{verb} {metric} from {format_quantity(found.value, unit)} to {format_quantity(target, unit)} by {due}",
        )
    percent = float(round(change * 100))
    return KeyResult(
        **kr, target=percent, unit="%", relative=True, target_source=source,
        text=f"{verb} {metric} by {percent:.0f}% against a baseline measured first, by {due}",
    )


def compose(
    lines: list[DraftLine], neighbor_for: NeighborFinder, context: str | None, due: str
) -> list[KeyResult]:
    """Key results for a set of draft lines, with `drives` links mapped from line numbers to KR ids."""
    ids = [f"kr{i}" for i in range(1, len(lines) + 1)]
    taken: set[Quantity] = set()
    krs = [compose_kr(line, ids[i], neighbor_for(line), context, due, taken) for i, line in enumerate(lines)]
    outputs = {ids[i] for i, line in enumerate(lines) if line.kind is Kind.output}
    for i, line in enumerate(lines):
        if line.kind is Kind.input:
            krs[i].drives = [ids[n - 1] for n in line.drives if 0 < n <= len(ids) and ids[n - 1] in outputs]
    return krs
