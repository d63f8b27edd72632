from suggester.checking import check
from suggester.models import Direction, KeyResult, Kind, Suggestion, Usage
from suggester.render import numbers, to_markdown

OUT = KeyResult(id="kr1", kind=Kind.output, text="Increase EU bookings from EUR 400,000 to EUR 600,000 by 2027-06-30",
                metric="EU bookings", baseline=400000, target=600000, unit="EUR", direction=Direction.increase, due="2027-06-30")
LEVER = KeyResult(id="kr2", kind=Kind.input, text="Reach 60 qualified demos held by 2027-06-30", metric="qualified demos held",
                  target=60, unit="count", direction=Direction.increase, due="2027-06-30", drives=["kr1"])
REL = KeyResult(id="kr3", kind=Kind.input, text="Reduce first response time by 50% against a baseline measured first, by 2027-06-30",
                metric="first response time", target=50, unit="%", relative=True, direction=Direction.decrease,
                due="2027-06-30", drives=["kr1"])


def test_numbers_show_unknown_baselines_honestly():
    assert numbers(OUT) == "EUR 400,000 → EUR 600,000"
    assert numbers(LEVER) == "0 → 60"
    assert numbers(REL) == "unknown → -50%"


def test_markdown_reads_back_through_okr_check_with_its_links():
    suggestion = Suggestion(objective="Grow our business in the EU", team_type="sales", key_results=[OUT, LEVER, REL],
                            usage=Usage(model="m"))
    report = check(to_markdown(suggestion))
    (okr,) = report.okr_sets
    assert [kr.kind for kr in okr.key_results] == [Kind.output, Kind.input, Kind.input]
    assert not [f for f in report.findings if f.rule == "inputs-drive-outputs"]
