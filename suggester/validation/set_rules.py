"""Per-set rules: an objective and its KRs read together."""

from __future__ import annotations

import re
from collections.abc import Iterator

from suggester.models import Direction, KeyResult, Kind, OKRSet, Severity
from suggester.validation.catalogue import RuleContext, Violation, set_rule
from suggester.validation.wording import (
    BAU_OBJECTIVE_VERBS,
    OUTPUT_OBJECTIVE_VERBS,
    QUALITY_WORDS,
    VOLUME_WORDS,
    leading_verb,
    mentions,
    mentions_word,
    strip_prefix,
    words,
)

MIN_KRS, MAX_KRS = 2, 5
DUPLICATE_SIMILARITY = 0.8


@set_rule(
    "count", "error",
    f"A set needs {MIN_KRS} to {MAX_KRS} key results.",
    "Three or four KRs are usually enough: one or two outputs and the inputs that move them.",
)
def count(okr: OKRSet, ctx: RuleContext) -> Iterator[Violation]:
    n = len(okr.key_results)
    if n < MIN_KRS:
        yield Violation(detail=f"{n} key result{'s' if n != 1 else ''}: one KR cannot show progress from several angles.")
    elif n > MAX_KRS:
        yield Violation(detail=f"{n} key results: more than {MAX_KRS} dilutes focus.", severity=Severity.warning)


@set_rule(
    "input-output-mix", "warning",
    "The set lacks either an output KR (the result) or an input KR (the lever).",
    "Pair each outcome with the inputs the team controls, and each input with the outcome it serves.",
)
def input_output_mix(okr: OKRSet, ctx: RuleContext) -> Iterator[Violation]:
    kinds = {kr.kind for kr in okr.key_results}
    if not kinds or kinds == {Kind.initiative}:  # count / not-only-milestones speak for these sets
        return
    if Kind.output not in kinds:
        yield Violation(detail="No output KR: the set lists levers but not the result they should bring.")
    elif Kind.input not in kinds:
        yield Violation(detail="No input KR: the set names results but no lever the team controls.")


@set_rule(
    "inputs-drive-outputs", "warning",
    "An input KR is linked to no output KR.",
    "Link each input to the output it should move (drives: [kr1]; in Markdown \"[input -> kr1]\").",
)
def inputs_drive_outputs(okr: OKRSet, ctx: RuleContext) -> Iterator[Violation]:
    outputs = {kr.id for kr in okr.key_results if kr.kind is Kind.output}
    if not outputs:  # input-output-mix already says the set has no output
        return
    for kr in okr.key_results:
        if kr.kind is not Kind.input:
            continue
        unknown = [target for target in kr.drives if target not in outputs]
        if not kr.drives:
            yield Violation(detail=f"Input {kr.id} drives no output KR: say which result it should move.", kr=kr.id)
        elif unknown:
            yield Violation(
                detail=f"Input {kr.id} drives {', '.join(unknown)}, which is not an output KR of this set.", kr=kr.id
            )


@set_rule(
    "not-only-milestones", "warning",
    "Only initiatives: a plan of projects, not proof of progress.",
    "Add the output KR that shows whether the projects worked.",
)
def not_only_milestones(okr: OKRSet, ctx: RuleContext) -> Iterator[Violation]:
    if okr.key_results and all(kr.kind is Kind.initiative for kr in okr.key_results):
        yield Violation()


@set_rule(
    "no-duplicates", "warning",
    "Two KRs say the same thing.",
    "Merge them, or make each measure something different.",
)
def no_duplicates(okr: OKRSet, ctx: RuleContext) -> Iterator[Violation]:
    seen: list[tuple[KeyResult, tuple[str, ...], set[str]]] = []
    for kr in okr.key_results:
        metric = _metric_key(kr.metric) if kr.metric else ()
        text = set(words(strip_prefix(kr.text)))
        for earlier, earlier_metric, earlier_text in seen:
            if (
                (metric and metric == earlier_metric)
                or _jaccard(text, earlier_text) >= DUPLICATE_SIMILARITY
                or _same_move(kr, earlier, metric, earlier_metric)
            ):
                yield Violation(detail=f"{kr.id} repeats {earlier.id}.", kr=kr.id)
                break
        seen.append((kr, metric, text))


def _same_move(kr: KeyResult, other: KeyResult, metric: tuple[str, ...], other_metric: tuple[str, ...]) -> bool:
    """The same change of the same kind of number, worded twice: "Increase DAU/MAU from 18% to 26%" and
    "Grow the DAU/MAU ratio from 18% to 26%". A shared metric word keeps two different metrics that happen
    to share their numbers ("NPS from 30 to 40", "CSAT from 30 to 40") apart."""
    if kr.baseline is None or kr.target is None or kr.baseline == kr.target:
        return False
    same_numbers = (kr.baseline, kr.target, kr.unit) == (other.baseline, other.target, other.unit)
    return same_numbers and bool(set(metric) & set(other_metric))


_METRIC_FILLER = frozenset({"the", "a", "an", "our", "of", "number"})


def _metric_key(metric: str) -> tuple[str, ...]:
    return tuple(word for word in words(metric) if word not in _METRIC_FILLER)


def _jaccard(left: set[str], right: set[str]) -> float:
    """Similarity of two word sets; numbers are not words, so "from 5 to 8" and "from 5 to 9" match."""
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


@set_rule(
    "guardrail", "info",
    "A volume or speed push with no counter-metric for quality.",
    "Add a guardrail KR (quality, churn, error rate, CSAT) so the push cannot win by cutting corners.",
)
def guardrail(okr: OKRSet, ctx: RuleContext) -> Iterator[Violation]:
    # Inputs are levers judged by the outputs they drive, and a rate is not a volume: the push to guard
    # is an output counting more of something (leads, signups, tickets closed, deploys).
    pushes = [
        kr for kr in okr.key_results
        if kr.kind is Kind.output
        and kr.direction in (Direction.increase, None)
        and kr.target is not None
        and kr.unit != "%"
        and mentions_word(_described(kr), VOLUME_WORDS)
        and not mentions(_described(kr), QUALITY_WORDS)
    ]
    if not pushes:
        return
    if any(mentions(_described(kr), QUALITY_WORDS) for kr in okr.key_results):
        return
    yield Violation(detail=f"{pushes[0].id} pushes volume and nothing in the set checks quality.")


def _described(kr: KeyResult) -> str:
    return f"{kr.metric or ''} {kr.text}"


_NON_YEAR_NUMBER = re.compile(r"(?<![\w-])(?!(?:19|20)\d{2}\b)\d[\d,.]*(?:%|[kKmMbB]\b)?")
_NAMED_NUMBERS = re.compile(
    r"\b(?:ISO|SOC|PCI|HIPAA|GDPR|NIS|WCAG|Web|ISO/IEC|version|v|release|tier|level|phase|series|gen)\s?\d[\d.:-]*",
    re.IGNORECASE,
)


@set_rule(
    "objective-qualitative", "warning",
    "Numbers in the objective: it reads as a key result in disguise.",
    "Keep the objective qualitative and inspiring; move the number into a KR.",
)
def objective_qualitative(okr: OKRSet, ctx: RuleContext) -> Iterator[Violation]:
    text = _NAMED_NUMBERS.sub("", okr.objective)
    text = re.sub(r"\b(?:24/7|365)\b", "", text)
    match = _NON_YEAR_NUMBER.search(text)
    if match:
        yield Violation(detail=f"\"{match.group(0)}\" in the objective: it reads as a key result in disguise.")


_OUTCOME_CLAUSE = re.compile(r"\b(?:that|which|who|so|where|to help|to make|to let|to give|to win|to grow)\b", re.IGNORECASE)


@set_rule(
    "objective-not-output", "info",
    "The objective names a deliverable, not the change it should bring.",
    "Say why the deliverable matters (\"Win mid-market teams with a self-serve plan\"); put the launch in a KR.",
)
def objective_not_output(okr: OKRSet, ctx: RuleContext) -> Iterator[Violation]:
    verb = leading_verb(okr.objective)
    # "Build washing machines that stay out of the repair shop" names the change it wants: not an output.
    if verb in OUTPUT_OBJECTIVE_VERBS and not _OUTCOME_CLAUSE.search(okr.objective):
        yield Violation(detail=f"\"{verb.capitalize()} ...\" names a deliverable, not the change it should bring.")


@set_rule(
    "objective-not-bau", "info",
    "The objective describes business as usual.",
    "An objective names a change worth a cycle of focus; keep routine work out of the OKRs.",
)
def objective_not_bau(okr: OKRSet, ctx: RuleContext) -> Iterator[Violation]:
    verb = leading_verb(okr.objective)
    if verb in BAU_OBJECTIVE_VERBS:
        yield Violation(detail=f"\"{verb.capitalize()} ...\" describes business as usual.")
