from suggester.models import Direction, KeyResult, Kind
from suggester.parsing import line_from_key_result, parse_lines


def test_reads_numbered_lines_with_drives():
    result = parse_lines(
        "1. output | new EU bookings | increase\n"
        "2. input | demos held in Germany | increase | drives 1\n"
        "3. Input | first response time | reduce | drives: 1, 2\n"
        "4. initiative | launch a German website | complete\n"
    )
    assert [line.kind for line in result.lines] == [Kind.output, Kind.input, Kind.input, Kind.initiative]
    assert result.lines[1].drives == [1]
    assert result.lines[2].drives == [1, 2]
    assert result.lines[2].direction is Direction.decrease
    assert result.problems == []


def test_stops_at_next_few_shot_block_and_blank_line():
    result = parse_lines("1. output | churn | decrease\n\nObjective: something else\n1. output | x | increase\n")
    assert len(result.lines) == 1


def test_garbage_becomes_problems_not_exceptions():
    for text in ["", "lorem ipsum", "1. banana | x | y", "| | |", "output |", "\x00\x01", "1." * 500]:
        result = parse_lines(text)
        assert result.lines == []
        assert result.problems


def test_bad_lines_are_reported_good_ones_kept():
    result = parse_lines("output | CSAT score | increase\nwhat is this\ninput | calls returned | increase | drives 1")
    assert len(result.lines) == 2
    assert any("what is this" in p for p in result.problems)


def test_complete_only_for_initiatives():
    line = parse_lines("output | revenue | complete").lines[0]
    assert line.direction is None
    assert parse_lines("initiative | new site | increase").lines[0].direction is Direction.complete


def test_render_round_trips():
    text = "input | demos held | increase | drives 1"
    line = parse_lines(text).lines[0]
    assert line.render() == text
    assert parse_lines(line.render()).lines[0] == line.__class__(**{**line.__dict__, "raw": line.render()})


def test_line_from_key_result_uses_positions_and_strips_due():
    ids = ["kr1", "kr2", "kr3"]
    initiative = KeyResult(id="kr3", kind=Kind.initiative, text="Launch the returns portal by 2027-05-15",
                           metric="portal live", target=1, unit="done", direction=Direction.complete)
    lever = KeyResult(id="kr2", kind=Kind.input, text="Hold 40 demos by 2027-06-30", metric="demos held",
                      target=40, unit="count", direction=Direction.increase, drives=["kr1"])
    assert line_from_key_result(initiative, ids).render() == "initiative | Launch the returns portal | complete"
    assert line_from_key_result(lever, ids).render() == "input | demos held | increase | drives 1"


def test_metric_loses_verbs_and_numbers():
    from suggester.parsing import clean_metric

    assert clean_metric("Increase increase in the number of paid orders") == "number of paid orders"
    assert clean_metric("50% of online sales") == "online sales"
    assert clean_metric("1.5 million euros in revenue") == "revenue"
    assert clean_metric("Reduce the churn rate") == "churn rate"
    assert clean_metric("NPS") == "NPS"
    assert parse_lines("output | 12% | increase").lines == []  # nothing left to measure
