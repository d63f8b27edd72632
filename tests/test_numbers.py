import datetime as dt

import pytest

from suggester.numbers import due_date, find_baseline, format_quantity, nice, quantities, stated_metrics

TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(
    "horizon,expected",
    [
        ("Q2 2027", "2027-06-30"),
        ("H1 2027", "2027-06-30"),
        ("H2 2027", "2027-12-31"),
        ("2027-05-31", "2027-05-31"),
        ("end of 2027", "2027-12-31"),
        ("Q1", "2027-03-31"),  # Q1 of this year is past: next year's
        (None, "2027-03-31"),  # end of next quarter
        ("whenever", "2027-03-31"),
    ],
)
def test_due_date(horizon, expected):
    assert due_date(horizon, TODAY) == expected


CONTEXT = (
    "We closed EUR 400k of new EU bookings last quarter. Median first response time to inbound leads "
    "is 24 hours; win rate 18%. In 2026 we hired 2 account executives."
)


def test_quantities_reads_units_and_skips_years():
    found = {(q.value, q.unit) for q in quantities(CONTEXT)}
    assert (400000.0, "EUR") in found
    assert (24.0, "hours") in found
    assert (18.0, "%") in found
    assert all(q.value != 2026 for q in quantities(CONTEXT))


def test_baseline_only_when_the_context_states_it():
    assert find_baseline("new EU bookings", "EUR M", CONTEXT).value == 400000.0
    assert find_baseline("first response time to EU leads", "hours", CONTEXT).value == 24.0
    assert find_baseline("win rate", "%", CONTEXT).value == 18.0
    # Nothing in the context about demos or churn: unknown, never guessed.
    assert find_baseline("qualified demos held", "count", CONTEXT) is None
    assert find_baseline("logo churn", "%", CONTEXT) is None
    assert find_baseline("win rate", "%", None) is None


def test_ambiguous_context_gives_no_baseline():
    context = "Churn was 4% in March. Churn was 6% in April."
    assert find_baseline("monthly churn", "%", context) is None


def test_unit_family_must_match():
    assert find_baseline("response time", "%", "Response time is 9 hours.") is None


def test_nice_and_format():
    assert nice(1234.5) == 1200
    assert nice(0.456) == 0.46
    assert format_quantity(0.4, "EUR M") == "EUR 0.4M"
    assert format_quantity(12000, "USD") == "$12,000"
    assert format_quantity(45, "%") == "45%"
    assert format_quantity(4, "hours") == "4 hours"
    assert format_quantity(60, "count") == "60"


@pytest.mark.parametrize(
    ("metric", "unit", "context"),
    [
        ("scrap rate on line", "%", "First pass yield on line 3 is 88%. Scrap costs $42k a month."),
        ("sales calls with the mid-market customers", "%", "Gross revenue retention in the mid-market segment is 86%."),
    ],
)
def test_one_shared_word_does_not_make_a_number_the_baseline(metric, unit, context):
    assert find_baseline(metric, unit, context) is None


def test_a_clause_that_names_the_metric_gives_its_baseline():
    context = "First pass yield on line 3 is 88%. Scrap costs $42k a month. 25 resellers are signed."
    assert find_baseline("first pass yield on line 3", "%", context).value == 88.0
    assert find_baseline("monthly scrap costs", "USD", context).value == 42000.0
    assert find_baseline("resellers signing", "count", context).value == 25.0  # signed ~ signing
    assert find_baseline("ARR", "USD", "ARR is $3.1M with 140 customers.").value == 3_100_000.0


def test_stated_metrics_read_what_the_context_measures():
    context = ("Median first response time is 9 hours; CSAT is 78%. First pass yield on line 3 is 88%. "
               "45% of trials never invite a teammate. Month-end close takes 11 business days. We deploy twice a week.")
    stated = {metric: (q.value, q.unit) for metric, q in stated_metrics(context)}
    assert stated == {
        "Median first response time": (9.0, "hours"),
        "CSAT": (78.0, "%"),
        "First pass yield on line 3": (88.0, "%"),  # the number after the verb, not the 3 inside the name
        "share of trials never invite a teammate": (45.0, "%"),
        "Month-end close time": (11.0, "days"),
    }
    assert stated_metrics("We have 14 paying customers.") == [] and stated_metrics(None) == []
