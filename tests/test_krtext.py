"""The KR text parser: what it reads, what it leaves unknown, and that odd input never crashes it."""

from __future__ import annotations

import pytest

from suggester.krtext import parse_kr_text
from suggester.models import Direction, Kind, NumberSource


@pytest.mark.parametrize(
    ("text", "metric", "baseline", "target", "unit", "direction", "due"),
    [
        ("Increase weekly active users from 12,000 to 18,000 by end of Q2",
         "weekly active users", 12000, 18000, None, "increase", "end of Q2"),
        ("Reduce p95 API latency from 800 ms to 300 ms by 30 June 2027",
         "p95 API latency", 800, 300, "ms", "decrease", "30 June 2027"),
        ("Increase EU bookings from $1.2M to $1.8M by 2027-06-30", "EU bookings", 1.2e6, 1.8e6, "USD", "increase",
         "2027-06-30"),
        ("Raise trial-to-paid conversion from 8% to 12% in Q3 2027",
         "trial-to-paid conversion", 8, 12, "%", "increase", "Q3 2027"),
        ("Increase CSAT from 4.1/5 to 4.5/5 this quarter", "CSAT", 4.1, 4.5, "/5", "increase", "this quarter"),
        ("NPS 30 → 45 by Dec 2027", "NPS", 30, 45, None, "increase", "Dec 2027"),
        ("Reply to every inbound EU lead within 4 business hours, down from 24 hours, by 2027-05-31",
         "every inbound EU lead", 24, 4, "hours", "decrease", "2027-05-31"),
        ("Keep uptime at or above 99.9% through Q3", "uptime", None, 99.9, "%", "reach", "Q3"),
        ("Cut monthly churn to 2%", "monthly churn", None, 2, "%", "decrease", None),
        ("Reach 5,000 paying subscribers by end of Q4, up from 3,200", "paying subscribers", 3200, 5000, "count",
         "increase", "end of Q4"),
        ("Reduce mean time to restore from 3 hours to 45 minutes by end of Q3",
         "mean time to restore", 180, 45, "minutes", "decrease", "end of Q3"),
        ("Increase the share of deals over $50k from 10% to 20% by Q2",
         "share of deals over $50k", 10, 20, "%", "increase", "Q2"),
        ("Rewrite 2000 product titles in shopper language by 2027-06-15",
         "product titles in shopper language", None, 2000, "count", "increase", "2027-06-15"),
    ],
)
def test_reads_fields_from_a_sentence(text, metric, baseline, target, unit, direction, due):
    kr = parse_kr_text(text)
    assert kr.metric == metric
    assert kr.baseline == (pytest.approx(baseline) if baseline is not None else None)
    assert kr.target == pytest.approx(target)
    assert kr.unit == unit
    assert (kr.direction.value if kr.direction else None) == direction
    assert kr.due == due


def test_numbers_read_from_text_are_marked_as_document_numbers():
    kr = parse_kr_text("Increase NPS from 30 to 45 by Q4")
    assert kr.baseline_source is NumberSource.document
    assert kr.target_source is NumberSource.document
    assert parse_kr_text("Increase NPS to 45 by Q4").baseline_source is None


def test_never_guesses_missing_fields():
    kr = parse_kr_text("Improve customer satisfaction")
    assert (kr.baseline, kr.target, kr.unit, kr.direction, kr.due) == (None, None, None, None, None)
    assert kr.metric == "customer satisfaction"


def test_due_default_applies_only_when_the_text_has_no_date():
    assert parse_kr_text("Cut churn from 3% to 2%", due_default="Q3 2027").due == "Q3 2027"
    assert parse_kr_text("Cut churn from 3% to 2% by May 31", due_default="Q3 2027").due == "May 31"


@pytest.mark.parametrize(
    ("text", "target", "direction"),
    [
        ("Grow MRR by 25% by Q3 2027", 25, Direction.increase),
        ("Achieve a 20% reduction in onboarding time by Q4", 20, Direction.decrease),
        ("Grow ARR 30% YoY", 30, Direction.increase),
        ("Double trial signups by the end of H1", 100, Direction.increase),
    ],
)
def test_relative_targets(text, target, direction):
    kr = parse_kr_text(text)
    assert kr.relative is True
    assert kr.baseline is None
    assert kr.target == target and kr.unit == "%"
    assert kr.direction is direction


def test_kind_prefix_and_drives_links():
    kr = parse_kr_text("- [input -> 1, kr3] Run 8 customer workshops by the end of Q2", id="kr2")
    assert kr.kind is Kind.input and kr.kind_inferred is False
    assert kr.drives == ["kr1", "kr3"]
    assert kr.text == "Run 8 customer workshops by the end of Q2"
    assert (kr.target, kr.unit, kr.direction) == (8, "count", Direction.increase)
    assert kr.id == "kr2"


def test_kind_argument_wins_over_inference():
    kr = parse_kr_text("Hold 12 customer interviews by end of Q2", kind=Kind.output)
    assert kr.kind is Kind.output and kr.kind_inferred is False


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Hold 60 qualified demos by June 30", Kind.input),  # an activity with a number: a lever
        ("Refresh 60 outdated articles by August 31", Kind.input),  # a count of work done
        ("Launch a German-language website by 2027-04-30", Kind.initiative),
        ("Attain ISO 27001 certification by end of Q4", Kind.initiative),
        ("Hire a Head of Marketing by end of Q2", Kind.initiative),
        ("Increase weekly active users from 12,000 to 18,000", Kind.output),
        ("Sign 20 new enterprise customers by end of Q3", Kind.output),  # an outcome verb
        ("Hold customer churn at or below 1.5% through Q4", Kind.output),  # a level, not a meeting
        ("Hold weekly team meetings", Kind.output),  # an activity claiming to be a result: the rules say so
        ("Make onboarding smoother for new customers by end of Q2", Kind.output),
    ],
)
def test_inferred_kind_is_marked(text, kind):
    kr = parse_kr_text(text)
    assert kr.kind is kind
    assert kr.kind_inferred is True


def test_initiative_with_a_deliverable_is_graded_done_or_not():
    kr = parse_kr_text("[initiative] Launch the self-serve billing portal by May 15")
    assert (kr.direction, kr.target, kr.unit) == (Direction.complete, 1.0, "done")
    open_ended = parse_kr_text("[initiative] Improve the hiring process by end of Q3")
    assert (open_ended.direction, open_ended.target) == (None, None)


def test_names_with_digits_are_not_numbers():
    assert parse_kr_text("[initiative] Complete the SOC 2 Type II audit by end of Q3").metric == "SOC 2 Type II audit"
    kr = parse_kr_text("Publish the 2027 pricing page by March 1")
    assert kr.target == 1.0 and kr.unit == "done"  # the year is not a count
    assert parse_kr_text("Reduce P1 incidents from 9 to 3 by Q4").baseline == 9


def test_a_lone_from_after_a_verb_that_moves_nothing_is_not_a_baseline():
    kr = parse_kr_text("[input] Request referrals from 20 former colleagues by 2027-05-15")
    assert kr.baseline is None and kr.target == 20


def test_direction_comes_from_the_verb_even_when_the_numbers_disagree():
    # The validators need both to catch "Increase revenue from $2M to $1.5M".
    kr = parse_kr_text("Increase revenue from $2M to $1.5M")
    assert kr.direction is Direction.increase
    assert (kr.baseline, kr.target) == (2e6, 1.5e6)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "-", "[input]", "42", "→ → →", "from to by", "KR1:", "$$$ 12 %%% by by Q9 99999999999999999999",
     "Increase " * 200, "[input -> ] x", "1:1s with 8 reports 24/7", "{\"json\": true}", "\x00\x01 weird \u2028 text"],
)
def test_odd_input_never_crashes(text):
    kr = parse_kr_text(text)
    assert kr.id == "kr1"


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Keep CSAT at or above 88% through Q2", "increase"),
        ("Hold monthly churn at or below 1.5% all year", "decrease"),
        ("Keep first response time under 4 hours", "decrease"),
        ("Keep weekly active users steady through Q2", None),
        ("Keep the error rate above 0.1% and below 0.5%", None),
    ],
)
def test_held_side_reads_which_way_a_held_level_should_move(text, side):
    from suggester.krtext import held_side

    assert (held_side(text).value if held_side(text) else None) == side
