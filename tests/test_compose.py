from suggester.compose import Neighbor, compose, compose_kr, resolve_direction
from suggester.models import Direction, KeyResult, Kind, NumberSource
from suggester.parsing import DraftLine

DUE = "2027-06-30"


def neighbor(**fields) -> Neighbor:
    base = dict(id="kr1", kind=Kind.output, text="x", metric="x")
    return Neighbor(kr=KeyResult(**{**base, **fields}), similarity=0.8, example_id="ex-01")


BOOKINGS = neighbor(baseline=0.4, target=0.7, unit="EUR M", direction=Direction.increase)  # +75%
RESPONSE = neighbor(kind=Kind.input, baseline=24, target=6, unit="hours", direction=Direction.decrease)  # -75%
DEMOS = neighbor(kind=Kind.input, target=60, unit="count", direction=Direction.increase)


def test_baseline_from_context_and_target_from_neighbor_change():
    line = DraftLine(Kind.output, "new EU bookings", Direction.increase)
    kr = compose_kr(line, "kr1", BOOKINGS, "We closed EUR 400k of new EU bookings last quarter.", DUE)
    assert kr.baseline == 400000 and kr.baseline_source is NumberSource.user_context
    assert kr.target == 600000 and kr.target_source is NumberSource.example  # +75% capped at +50%
    assert kr.text == f"Increase new EU bookings from EUR 400,000 to EUR 600,000 by {DUE}"


def test_no_baseline_in_context_means_unknown_and_a_relative_target():
    line = DraftLine(Kind.output, "new EU bookings", Direction.increase)
    kr = compose_kr(line, "kr1", BOOKINGS, "We sell payroll software.", DUE)
    assert kr.baseline is None and kr.baseline_source is None
    assert kr.relative and kr.target == 50 and kr.unit == "%"  # +75% capped
    assert "baseline measured first" in kr.text


def test_inverted_direction_from_a_small_model_is_corrected():
    # "Raise the average waiting time": the metric's wording wins over the model's verb.
    line = DraftLine(Kind.input, "first response time to inbound leads", Direction.increase)
    kr = compose_kr(line, "kr2", RESPONSE, "First response time to inbound leads is 24 hours.", DUE)
    assert kr.direction is Direction.decrease
    assert kr.baseline == 24 and kr.target < kr.baseline
    assert kr.text.startswith("Reduce first response time")


def test_count_style_input_needs_no_baseline():
    kr = compose_kr(DraftLine(Kind.input, "qualified demos held", Direction.increase), "kr2", DEMOS, None, DUE)
    assert kr.baseline is None and not kr.relative
    assert kr.target == 60 and kr.unit == "count"
    assert kr.text == f"Reach 60 qualified demos held by {DUE}"


def test_initiative_is_done_or_not():
    kr = compose_kr(DraftLine(Kind.initiative, "launch the German website"), "kr4", None, None, DUE)
    assert (kr.target, kr.unit, kr.direction) == (1, "done", Direction.complete)
    assert kr.text == f"Launch the German website by {DUE}"


def test_percent_targets_stay_in_range():
    line = DraftLine(Kind.output, "trial to paid conversion", Direction.increase)
    big = neighbor(baseline=10, target=30, unit="%", direction=Direction.increase)  # +200%, capped at +90%
    kr = compose_kr(line, "kr1", big, "Trial to paid conversion is 80%.", DUE)
    assert kr.baseline == 80 and 80 < kr.target <= 100


def test_direction_falls_back_to_neighbor_then_increase():
    assert resolve_direction(DraftLine(Kind.output, "bookings"), None) is Direction.increase
    reach = neighbor(target=99.9, unit="%", direction=Direction.reach)
    assert resolve_direction(DraftLine(Kind.output, "uptime"), reach) is Direction.reach
    assert resolve_direction(DraftLine(Kind.output, "monthly churn", Direction.increase), None) is Direction.decrease


def test_compose_maps_drives_to_output_ids_only():
    lines = [
        DraftLine(Kind.output, "bookings", Direction.increase),
        DraftLine(Kind.input, "demos held", Direction.increase, drives=[1, 2, 9]),
    ]
    krs = compose(lines, lambda line: None, None, DUE)
    assert [kr.id for kr in krs] == ["kr1", "kr2"]
    assert krs[1].drives == ["kr1"]


def test_a_context_number_is_the_baseline_of_one_kr_only():
    lines = [
        DraftLine(Kind.output, "mobile checkout conversion", Direction.increase),
        DraftLine(Kind.output, "mobile product page conversion rate", Direction.increase),
    ]
    rate = neighbor(baseline=2, target=3, unit="%", direction=Direction.increase)
    krs = compose(lines, lambda line: rate, "Mobile checkout conversion is 2.1%.", DUE)
    assert krs[0].baseline == 2.1
    assert krs[1].baseline is None and krs[1].relative
