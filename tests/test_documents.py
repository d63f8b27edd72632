"""Reading OKR documents: structured YAML/JSON, corpus-style files, Markdown and plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from suggester.documents import complete_key_result, load_document, parse_markdown, parse_structured
from suggester.errors import InputFileError
from suggester.models import Direction, KeyResult, Kind, NumberSource

DATA = Path(__file__).parent / "data" / "okrs"


def test_markdown_headings_bullets_tags_context_and_cycle():
    sets = load_document(DATA / "team_okrs.md")
    assert [s.okr.objective for s in sets] == ["Grow our business in the EU", "Make onboarding effortless for new teams"]
    first = sets[0]
    assert first.context.startswith("We closed EUR 0.4M")
    assert [kr.kind for kr in first.okr.key_results] == [Kind.output, Kind.input, Kind.initiative]
    assert first.okr.key_results[1].drives == ["kr1"]
    assert first.okr.key_results[1].kind_inferred is False and first.okr.key_results[0].kind_inferred is True
    assert first.where() == f"{DATA / 'team_okrs.md'}:5"
    assert first.where("kr2") == f"{DATA / 'team_okrs.md'}:8"
    # "# Growth team OKRs, Q2 2027" names the cycle: KRs without a date inherit it.
    conversion = sets[1].okr.key_results[0]
    assert conversion.due == "Q2 2027" and (conversion.baseline, conversion.target) == (8, 12)


def test_plain_text_labels_wrapped_lines_and_per_objective_meta():
    sets = load_document(DATA / "plain.txt")
    first, second = sets
    assert first.okr.objective == "Turn our trial into the best first week in B2B software"
    assert first.okr.team_type == "growth"
    assert [kr.due for kr in first.okr.key_results] == ["Q3 2027"] * 4
    assert first.okr.key_results[3].text.endswith("within their first 2 days")
    assert first.kr_lines == {"kr1": 5, "kr2": 6, "kr3": 7, "kr4": 8}
    assert second.okr.objective == "Improve things" and second.context is None
    assert [kr.due for kr in second.okr.key_results] == [None, None]


def test_markdown_objective_label_as_bullet_with_nested_krs_and_notes():
    text = (
        "- Objective: Win the mid-market\n"
        "  - Increase mid-market bookings from $300k to $450k by Q3\n"
        "    - note: the big deals close in September\n"
        "  - [input -> 1] Hold 80 discovery calls by Q3\n"
    )
    (okr_set,) = parse_markdown(text)
    assert okr_set.okr.objective == "Win the mid-market"
    assert [kr.text for kr in okr_set.okr.key_results] == [
        "Increase mid-market bookings from $300k to $450k by Q3", "Hold 80 discovery calls by Q3"]


def test_markdown_bullet_objectives_with_nested_krs():
    text = (
        "- Grow our business in the EU\n"
        "  - Increase new EU bookings from EUR 0.4M to EUR 0.7M by Q2\n"
        "  - [input -> 1] Hold 60 qualified demos by Q2\n"
        "    - most of them in Germany\n"
        "- Make support effortless\n"
        "  - Reduce first response time from 9 hours to 2 hours by Q2\n"
    )
    sets = parse_markdown(text)
    assert [s.okr.objective for s in sets] == ["Grow our business in the EU", "Make support effortless"]
    assert [len(s.okr.key_results) for s in sets] == [2, 1]
    assert sets[1].kr_lines == {"kr1": 6}


def test_markdown_ignores_code_fences_rules_and_quotes():
    text = "Grow\n```\n- not a KR\n```\n---\n> a quote\n- Raise NPS from 30 to 40 by Q4\n- Cut churn from 3% to 2% by Q4\n"
    (okr_set,) = parse_markdown(text)
    assert len(okr_set.okr.key_results) == 2


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [("- Increase NPS from 30 to 40\n", 1, "before any objective"),
     ("", 1, "no objective found"),
     ("Just some prose.\nMore prose.\n", 1, "no objective found")],
)
def test_markdown_errors_name_the_line(text, line, reason):
    with pytest.raises(InputFileError) as caught:
        parse_markdown(text, source="okrs.md")
    assert caught.value.message.startswith(f"okrs.md:{line}:") and reason in caught.value.message


def test_structured_yaml_completes_fields_from_text_and_keeps_given_ones():
    (okr_set,) = load_document(DATA / "support.yaml")
    kr1, kr2, kr3 = okr_set.okr.key_results
    assert (kr1.baseline, kr1.target, kr1.unit, kr1.direction) == (9, 2, "hours", Direction.decrease)
    assert kr1.baseline_source is NumberSource.document
    assert kr2.unit == "count" and kr2.drives == ["kr1"]
    assert kr3.id == "kr3" and kr3.kind is Kind.output and kr3.kind_inferred is True
    assert kr3.metric == "CSAT on closed tickets"  # given fields win over the text
    assert okr_set.kr_lines["kr3"] == 12


def test_json_list_of_sets():
    sets = load_document(DATA / "sets.json")
    assert len(sets) == 2
    assert sets[0].okr.key_results[0].baseline == pytest.approx(400_000)
    assert sets[1].where("kr1").endswith("sets.json:14")


def test_corpus_style_keeps_context_and_leaves_baselines_untrusted():
    (okr_set,) = load_document(DATA / "corpus_style.yaml")
    assert okr_set.context.startswith("Average first response time is 9 hours")
    assert all(kr.baseline_source is None for kr in okr_set.okr.key_results)
    assert all(kr.due == "Q2 2027" for kr in okr_set.okr.key_results)  # the horizon is the cycle


@pytest.mark.parametrize(
    ("name", "line", "reason"),
    [("bad_kind.yaml", 7, "key_results.1.kind"), ("broken.yaml", 5, "invalid YAML"),
     ("kr_first.md", 1, "before any objective")],
)
def test_bad_files_name_file_and_line(name, line, reason):
    with pytest.raises(InputFileError) as caught:
        load_document(DATA / name)
    assert caught.value.message.startswith(f"{DATA / name}:{line}:")
    assert reason in caught.value.message


def test_unreadable_and_non_utf8_files(tmp_path):
    with pytest.raises(InputFileError, match="cannot read"):
        load_document(tmp_path / "absent.md")
    binary = tmp_path / "okrs.md"
    binary.write_bytes(b"Grow\n- ok\n\xff\xfe broken\n")
    with pytest.raises(InputFileError, match=r"okrs.md:3: not UTF-8"):
        load_document(binary)


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "okrs.json"
    path.write_text('{\n  "objective": "Grow",\n  "key_results": [\n}\n')
    with pytest.raises(InputFileError, match=r"okrs.json:4: invalid JSON"):
        load_document(path)


def test_structured_text_without_a_set():
    with pytest.raises(InputFileError, match="no OKR set"):
        parse_structured("", source="x.yaml")
    with pytest.raises(InputFileError, match="expected a mapping"):
        parse_structured("- 1\n- 2\n", source="x.yaml")


def test_suggestion_json_is_checked_as_a_set():
    text = '{"objective": "Grow", "team_type": "sales", "key_results": [], "findings": [], "usage": {"model": "m"}}'
    (okr_set,) = parse_structured(text, source="s.json", is_json=True)
    assert okr_set.okr.objective == "Grow"


def test_complete_key_result_fills_numbers_only_when_none_are_given():
    bare = KeyResult(id="kr1", kind=Kind.output, text="Raise NPS from 30 to 45 by Q4")
    filled = complete_key_result(bare)
    assert (filled.baseline, filled.target, filled.direction) == (30, 45, Direction.increase)
    given = complete_key_result(bare.model_copy(update={"target": 50.0}))
    assert (given.baseline, given.target, given.due) == (None, 50.0, "Q4")  # given numbers win; the date is read
