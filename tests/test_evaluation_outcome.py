"""Per-case outcomes (parse, kinds, errors per KR, repair) and their pooled totals, on hand-built suggestions."""

from suggester.evaluation.dataset import EvalCase
from suggester.evaluation.log import CaseError
from suggester.evaluation.outcome import case_outcome, outcome_totals
from suggester.evaluation.scorers import Resources, Sample, repair
from suggester.models import Finding, KeyResult, Kind, Severity, Suggestion, Usage

CASE = EvalCase(id="c1", objective="Answer customers faster", team_type="support")
FULL = [
    KeyResult(id="kr1", kind=Kind.output, text="Increase CSAT from 78% to 85% by 2027-03-31"),
    KeyResult(id="kr2", kind=Kind.input, text="Publish 40 help articles by 2027-03-31", drives=["kr1"]),
    KeyResult(id="kr3", kind=Kind.initiative, text="Launch a chat widget by 2027-03-31"),
]
NO_RESOURCES = Resources(embed=None, corpus_kr_vectors_fn=None, example=lambda _: None)


def error(kr: str | None) -> Finding:
    return Finding(rule="r", severity=Severity.error, message="bad", hint="fix", kr=kr)


def warning(kr: str) -> Finding:
    return Finding(rule="w", severity=Severity.warning, message="meh", hint="fix", kr=kr)


def suggestion(krs=FULL, findings=(), repaired=False) -> Suggestion:
    timings = {"generate": 10.0, **({"repair": 5.0} if repaired else {})}
    return Suggestion(
        objective=CASE.objective,
        team_type=CASE.team_type,
        key_results=list(krs),
        findings=list(findings),
        usage=Usage(model="m", timings_ms=timings),
    )


def test_a_clean_first_draft_counts_errors_per_kr_and_needs_no_repair():
    outcome = case_outcome(suggestion(findings=[warning("kr2")]), None, False, 4, 1234.5)
    assert (
        outcome.parsed is True
        and outcome.kr_count == 3
        and outcome.kinds == ["output", "input", "initiative"]
    )
    assert outcome.errors_per_kr == {"kr1": 0, "kr2": 0, "kr3": 0} and outcome.set_errors == 0
    assert outcome.repair_ran is False and outcome.first_draft_invalid is False and outcome.valid is True
    assert outcome.draft_latency_ms == 1234.5


def test_a_repaired_draft_that_still_carries_an_error_is_invalid_first_and_after():
    outcome = case_outcome(
        suggestion(findings=[error("kr2"), error("kr2"), error(None)], repaired=True), None, False, 4, 10
    )
    assert outcome.errors_per_kr == {"kr1": 0, "kr2": 2, "kr3": 0} and outcome.set_errors == 1
    assert outcome.repair_ran and outcome.first_draft_invalid and outcome.valid is False


def test_a_repair_that_worked_is_read_from_the_pipelines_books():
    outcome = case_outcome(suggestion(repaired=True), None, False, 4, 10)
    assert outcome.first_draft_invalid is True and outcome.valid is True


def test_without_repair_a_set_missing_an_input_is_an_invalid_first_draft():
    only_outputs = [kr for kr in FULL if kr.kind is not Kind.input]
    outcome = case_outcome(suggestion(krs=only_outputs), None, False, 4, 10)
    assert outcome.repair_ran is False and outcome.first_draft_invalid is True and outcome.valid is False


def test_failures_unparsed_provider_and_crash():
    unparsed = case_outcome(None, "DraftFailed", False, 4, 10)
    assert unparsed.parsed is False and unparsed.first_draft_invalid is True and unparsed.valid is False
    provider = case_outcome(None, "ProviderTimeout", False, 4, 10)
    assert provider.parsed is None and provider.first_draft_invalid is None and provider.valid is None
    crash = case_outcome(None, "KeyError", True, 4, 10)
    assert crash.crashed and crash.parsed is None


def test_totals_pool_cases_and_krs():
    outcomes = [
        case_outcome(suggestion(), None, False, 4, 100),  # valid at once
        case_outcome(suggestion(repaired=True), None, False, 4, 300),  # repaired into a valid set
        case_outcome(
            suggestion(findings=[error("kr1")], repaired=True), None, False, 4, 200
        ),  # repair failed
        case_outcome(None, "DraftFailed", False, 4, 900),  # never parsed
        case_outcome(None, "ValueError", True, 4, 5),  # crashed before drafting
    ]
    totals = outcome_totals(outcomes)
    assert totals.cases == 5 and totals.crashed == 1
    assert totals.parse_success_rate == 0.75  # 3 of the 4 cases that reached the model
    assert totals.complete_share == 1.0 and totals.krs == 9 and totals.kr_error_free_share == round(8 / 9, 4)
    assert totals.median_draft_latency_ms == 200  # successful cases only
    assert (
        totals.first_draft_invalid == 3
        and totals.repaired_valid == 1
        and totals.repair_success_rate == round(1 / 3, 4)
    )


def test_repair_scorer_reports_success_only_where_the_first_draft_was_invalid():
    fine = repair(Sample(case=CASE, suggestion=suggestion()), NO_RESOURCES)
    assert fine == {"first_draft_invalid": 0.0, "repair_success": None}
    fixed = repair(Sample(case=CASE, suggestion=suggestion(repaired=True)), NO_RESOURCES)
    assert fixed == {"first_draft_invalid": 1.0, "repair_success": 1.0}
    failed = Sample(case=CASE, suggestion=None, error=CaseError(type="DraftFailed", message="no lines"))
    assert repair(failed, NO_RESOURCES) == {"first_draft_invalid": 1.0, "repair_success": 0.0}
    provider = Sample(case=CASE, suggestion=None, error=CaseError(type="ProviderTimeout", message="slow"))
    assert repair(provider, NO_RESOURCES) == {}
