"""What happened to one case, in plain facts: parsed or crashed, KRs and kinds, errors per KR, latency, repair.

Scores are numbers to average; an outcome is the record behind them, kept per case in `cases.jsonl` so
other figures (parse rate, KRs with no error, repair success) can be computed from a run without re-running
it. `outcome_totals` pools them over a run.

Repair is read from the pipeline's own books: it times a `repair` step only when the first draft needed
repair (a shape problem or an error-level finding, `suggester.repair.needs_repair`). With repair switched
off the returned set *is* the first draft, so the same test on it tells whether the first draft was invalid.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from pydantic import BaseModel, Field

from suggester.models import Severity, Suggestion

# A DraftFailed case got answers from the model and none parsed into a set; any other error never got that far.
UNPARSED_ERROR = "DraftFailed"


class CaseOutcome(BaseModel):
    """Per-case facts behind the scores (None where a fact does not apply, e.g. the provider failed)."""

    parsed: bool | None = Field(
        description="A set came back; False when the model's answers never parsed "
        "(DraftFailed); None when the case failed before drafting."
    )
    crashed: bool = Field(default=False, description="An unexpected exception (a bug), not a SuggesterError.")
    error_type: str | None = None
    kr_count: int = 0
    kinds: list[str] = Field(default_factory=list, description="Kind of each returned KR, in order.")
    errors_per_kr: dict[str, int] = Field(
        default_factory=dict, description="KR id -> error-level findings on it."
    )
    set_errors: int = Field(default=0, description="Error-level findings not tied to one KR.")
    draft_latency_ms: float = Field(
        description="Pipeline latency (replayed calls count their original latency)."
    )
    repair_ran: bool | None = Field(default=None, description="The pipeline ran at least one repair round.")
    first_draft_invalid: bool | None = Field(
        default=None,
        description="The first draft needed repair: < 3 KRs, no input or no output, or an error.",
    )
    valid: bool | None = Field(
        default=None, description="The returned set needs no repair (valid after repair)."
    )


def first_draft_invalid(suggestion: Suggestion | None, error_type: str | None, count: int) -> bool | None:
    """Whether the pipeline's first draft needed repair (see the module docstring); None when no draft was made."""
    from suggester.repair import needs_repair

    if suggestion is None:
        return True if error_type == UNPARSED_ERROR else None
    repair_ran = "repair" in suggestion.usage.timings_ms
    return repair_ran or needs_repair(suggestion.key_results, suggestion.findings, count)


def returned_valid(suggestion: Suggestion | None, error_type: str | None, count: int) -> bool | None:
    """Whether the returned set is usable as is (the pipeline's own repair criterion)."""
    from suggester.repair import needs_repair

    if suggestion is None:
        return False if error_type == UNPARSED_ERROR else None
    return not needs_repair(suggestion.key_results, suggestion.findings, count)


def case_outcome(
    suggestion: Suggestion | None, error_type: str | None, crashed: bool, count: int, latency_ms: float
) -> CaseOutcome:
    """The facts of one case from its output (or error)."""
    errors_per_kr: dict[str, int] = {}
    set_errors = 0
    if suggestion is not None:
        errors_per_kr = {kr.id: 0 for kr in suggestion.key_results}
        for finding in suggestion.findings:
            if finding.severity is not Severity.error:
                continue
            if finding.kr in errors_per_kr:
                errors_per_kr[finding.kr] += 1
            else:
                set_errors += 1
    krs = suggestion.key_results if suggestion else []
    return CaseOutcome(
        parsed=bool(krs) if suggestion is not None else (False if error_type == UNPARSED_ERROR else None),
        crashed=crashed,
        error_type=error_type,
        kr_count=len(krs),
        kinds=[kr.kind.value for kr in krs],
        errors_per_kr=errors_per_kr,
        set_errors=set_errors,
        draft_latency_ms=round(latency_ms, 2),
        repair_ran=None if suggestion is None else "repair" in suggestion.usage.timings_ms,
        first_draft_invalid=first_draft_invalid(suggestion, error_type, count),
        valid=returned_valid(suggestion, error_type, count),
    )


class OutcomeTotals(BaseModel):
    """Outcomes pooled over a run (shares are of the cases or KRs named in each field)."""

    cases: int
    crashed: int
    parse_success_rate: float | None = Field(description="parsed / cases that reached the model.")
    complete_share: float | None = Field(
        description="Of returned sets: >= 3 KRs with at least one input and one output."
    )
    krs: int
    kr_error_free_share: float | None = Field(
        description="Of all returned KRs: no error-level finding on it."
    )
    median_draft_latency_ms: float | None
    first_draft_invalid: int
    repaired_valid: int = Field(description="First drafts that were invalid and whose returned set is valid.")
    repair_success_rate: float | None = Field(description="repaired_valid / first_draft_invalid.")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def outcome_totals(outcomes: Sequence[CaseOutcome]) -> OutcomeTotals:
    """Pool per-case outcomes: parse rate, complete sets, error-free KRs, median latency, repair success."""
    reached = [o for o in outcomes if o.parsed is not None]
    returned = [o for o in outcomes if o.kr_count > 0]
    complete = [o for o in returned if o.kr_count >= 3 and "input" in o.kinds and "output" in o.kinds]
    per_kr = [n for o in returned for n in o.errors_per_kr.values()]
    latencies = [o.draft_latency_ms for o in outcomes if o.error_type is None]
    invalid = [o for o in outcomes if o.first_draft_invalid]
    repaired = [o for o in invalid if o.valid]
    return OutcomeTotals(
        cases=len(outcomes),
        crashed=sum(o.crashed for o in outcomes),
        parse_success_rate=_share(sum(bool(o.parsed) for o in reached), len(reached)),
        complete_share=_share(len(complete), len(returned)),
        krs=len(per_kr),
        kr_error_free_share=_share(sum(n == 0 for n in per_kr), len(per_kr)),
        median_draft_latency_ms=round(median(latencies), 1) if latencies else None,
        first_draft_invalid=len(invalid),
        repaired_valid=len(repaired),
        repair_success_rate=_share(len(repaired), len(invalid)),
    )
