"""Repair: the pipeline's re-ask bookkeeping and `okr check --fix`'s per-KR rewrite."""

import pytest

from suggester.models import Direction, Finding, KeyResult, Kind, OKRSet, Severity
from suggester.repair import fix_set, needs_repair, problems_for_model, set_score, shape_problems
from suggester.settings import Settings


def kr(kr_id: str, kind: Kind, **fields) -> KeyResult:
    return KeyResult(id=kr_id, kind=kind, text=fields.pop("text", "t"), **fields)


def test_shape_problems_name_what_is_missing():
    only_output = [kr("kr1", Kind.output)]
    problems = shape_problems(only_output, count=4)
    assert any("only 1" in p for p in problems) and any("no input" in p for p in problems)
    good = [kr("kr1", Kind.output), kr("kr2", Kind.input), kr("kr3", Kind.input)]
    assert shape_problems(good, count=4) == []


def test_score_prefers_usable_shape_then_fewer_errors():
    good = [kr("kr1", Kind.output), kr("kr2", Kind.input), kr("kr3", Kind.input)]
    error = Finding(rule="has-target", severity=Severity.error, message="no target", hint="h", kr="kr2")
    assert set_score(good, [error], 3) < set_score(good[:1], [], 3)
    assert set_score(good, [], 3) < set_score(good, [error], 3)
    assert needs_repair(good, [error], 3) and not needs_repair(good, [], 3)
    assert "kr2: no target" in problems_for_model(good, [error], 3, [])


@pytest.mark.slow
def test_fix_rewrites_a_flagged_kr_and_keeps_the_users_numbers_honest():
    okr = OKRSet(
        objective="Delight our customers",
        team_type="customer support",
        key_results=[
            kr("kr1", Kind.output, text="Improve customer satisfaction", metric="customer satisfaction"),
            kr("kr2", Kind.input, text="Answer 500 tickets within 2 hours by 2027-06-30", metric="tickets answered within 2 hours",
               target=500, unit="count", direction=Direction.increase, due="2027-06-30", drives=["kr1"]),
        ],
    )
    from suggester.validation import validate

    findings = validate(okr)
    assert any(f.kr == "kr1" and f.severity is Severity.error for f in findings)
    settings = Settings(model="openai/test", mock_response="1. output | customer satisfaction score | increase\n")
    fixes = fix_set(okr, findings, context="CSAT is 81% today.", settings=settings)
    first = next(f for f in fixes if f.before.id == "kr1")
    assert first.after is not None and first.after.id == "kr1"
    assert first.after.target is not None and first.fixed
    assert not any(f.severity is Severity.error for f in first.remaining)


@pytest.mark.slow
def test_fix_refuses_a_rewrite_that_measures_something_else():
    okr = OKRSet(
        objective="Delight our customers",
        key_results=[kr("kr1", Kind.output, text="Improve customer satisfaction", metric="customer satisfaction")],
    )
    from suggester.validation import validate

    findings = validate(okr)
    drifting = Settings(model="openai/test", mock_response="1. output | office plants watered each week | increase\n")
    fix = fix_set(okr, findings, settings=drifting)[0]
    assert fix.after is None and fix.remaining == [f for f in findings if f.kr == "kr1" and f.severity is not Severity.info]


@pytest.mark.slow
def test_fix_never_turns_the_users_target_into_a_baseline():
    okr = OKRSet(
        objective="Make support effortless",
        key_results=[kr("kr1", Kind.output, text="Reduce first response time to 2 hours", metric="first response time",
                        target=2, unit="hours", direction=Direction.decrease)],
    )
    from suggester.validation import validate

    settings = Settings(model="openai/test", mock_response="1. output | first response time to customers | decrease\n")
    fix = fix_set(okr, validate(okr), settings=settings)[0]
    assert fix.after is not None and fix.after.baseline is None  # 2 hours was the goal, not today's value
