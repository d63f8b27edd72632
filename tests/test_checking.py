"""`suggester.check` and `check_files`: structured sets, Markdown text, files, reports."""

from __future__ import annotations

from pathlib import Path

import pytest

import suggester
from suggester.checking import CheckReport, check, check_files
from suggester.errors import InputFileError
from suggester.models import KeyResult, Kind, NumberSource, OKRSet, Severity
from suggester.validation import Profile

DATA = Path(__file__).parent / "data" / "okrs"

MARKDOWN = """\
# Grow our business in the EU
Context: We closed EUR 0.4M of new EU bookings last quarter.
- Increase new EU bookings from EUR 0.4M to EUR 0.7M by end of Q2
- [input -> 1] Hold 60 qualified demos in Germany and France by end of Q2

# Make support effortless
- Improve customer satisfaction
"""


def test_check_markdown_text_counts_and_locates_findings():
    report = check(MARKDOWN, source="okrs.md")
    assert isinstance(report, CheckReport)
    assert [s.okr.objective for s in report.sets] == ["Grow our business in the EU", "Make support effortless"]
    assert report.sets[0].findings == []
    assert report.sets[0].context.startswith("We closed")
    rules = {f.rule: f for f in report.findings}
    assert rules["measurable"].where == "okrs.md:7" and rules["measurable"].kr == "kr1"
    assert rules["count"].where == "okrs.md:6" and rules["count"].kr is None
    severities = [f.severity for f in report.findings]
    assert report.errors == severities.count(Severity.error) >= 2
    assert report.warnings == severities.count(Severity.warning)
    assert report.infos == severities.count(Severity.info)
    assert not report.ok


def test_check_an_okr_set_fills_fields_from_text():
    okr = OKRSet(
        objective="Grow our business in the EU",
        key_results=[
            KeyResult(id="kr1", kind=Kind.output, text="Increase new EU bookings from EUR 0.4M to EUR 0.7M by Q2"),
            KeyResult(id="kr2", kind=Kind.input, text="Hold 60 qualified demos by Q2", drives=["kr1"]),
        ],
    )
    report = check(okr)
    assert report.ok and report.findings == []
    assert report.sets[0].okr.key_results[0].target == pytest.approx(700_000)
    assert okr.key_results[0].target is None  # the caller's object is not changed


def test_context_argument_is_where_baselines_must_come_from():
    okr = OKRSet(objective="Grow", key_results=[
        KeyResult(id="kr1", kind=Kind.output, text="Raise NPS from 32 to 45 by Q4", baseline=32, target=45),
        KeyResult(id="kr2", kind=Kind.input, text="Hold 40 customer calls by Q4", target=40, unit="count",
                  drives=["kr1"], due="Q4"),
    ])
    invented = {f.rule for f in check(okr, context="Our NPS was 28 in March.").findings}
    assert "baseline-invented" in invented
    assert "baseline-invented" not in {f.rule for f in check(okr, context="Our NPS was 32 in March.").findings}
    # With no context to trace to, the numbers in a user's own set are theirs.
    assert "baseline-invented" not in {f.rule for f in check(okr).findings}
    drafted = okr.model_copy(update={"key_results": [
        okr.key_results[0].model_copy(update={"baseline_source": NumberSource.proposed}), okr.key_results[1]]})
    assert "baseline-invented" in {f.rule for f in check(drafted).findings}


def test_profile_argument_and_settings_profile(tmp_path, monkeypatch):
    quiet = Profile(rules={"measurable": "off", "count": "off", "time-bound": "off"})
    report = check("Grow\n- Improve customer satisfaction\n", profile=quiet)
    assert report.errors == 0
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  measurable: off\n  count: off\n")
    monkeypatch.setenv("OKR_RULE_PROFILE", str(path))
    assert {f.rule for f in check("Grow\n- Improve customer satisfaction\n").findings} == {"time-bound", "input-output-mix"}


def test_check_files_one_report_per_file():
    reports = check_files([DATA / "support.yaml", DATA / "sets.json"])
    assert [r.source for r in reports] == [str(DATA / "support.yaml"), str(DATA / "sets.json")]
    assert reports[0].ok and not reports[1].ok
    assert any(f.rule == "direction-consistent" and f.where.endswith("sets.json:14") for f in reports[1].findings)


def test_check_files_raises_with_file_and_line():
    with pytest.raises(InputFileError, match=r"bad_kind.yaml:7:"):
        check_files([DATA / "support.yaml", DATA / "bad_kind.yaml"])


def test_report_serialises_for_the_http_api():
    data = check(MARKDOWN).model_dump(mode="json")
    assert set(data) == {"source", "sets", "errors", "warnings", "infos"}
    assert data["sets"][1]["findings"][0]["where"].startswith("<text>:")
    schema = CheckReport.model_json_schema()
    assert all(field.get("description") for field in schema["properties"].values())


def test_lazy_reexport():
    assert suggester.check is check
