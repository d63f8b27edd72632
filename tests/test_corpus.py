"""Corpus files: strict schema, problems that name file and place, content hash, import of a team's own sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from suggester.corpus import corpus_hash, load_corpus, scan_corpus
from suggester.corpus_checks import corpus_stats, near_duplicate_objectives, validate_corpus
from suggester.corpus_import import import_sets, write_corpus_file
from suggester.embedding import HashingEmbedder
from suggester.errors import CorpusError
from suggester.settings import resource_dir


def example(id: str, team: str = "sales", objective: str = "Grow revenue in new regions", **extra) -> dict:
    """A valid corpus example as plain data; `extra` overrides any field."""
    data = {
        "id": id,
        "team_type": team,
        "industry": "retail",
        "stage": "startup",
        "horizon": "Q3 2027",
        "objective": objective,
        "context": "Revenue was 2.0M last quarter.",
        "key_results": [
            {"id": "kr1", "kind": "output", "text": "Increase revenue from 2.0M to 2.5M by 2027-09-30",
             "baseline": 2.0, "target": 2.5, "unit": "USD M", "direction": "increase", "due": "2027-09-30"},
            {"id": "kr2", "kind": "input", "text": "Hold 40 demos by 2027-09-30", "target": 40, "unit": "count",
             "direction": "increase", "due": "2027-09-30", "drives": ["kr1"]},
            {"id": "kr3", "kind": "initiative", "text": "Launch a partner page by 2027-08-31", "target": 1,
             "unit": "done", "direction": "complete", "due": "2027-08-31"},
        ],
    }
    data.update(extra)
    return data


def write_yaml(path: Path, items: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(items, sort_keys=False))
    return path


def test_shipped_corpus_loads_with_unique_ids():
    examples = load_corpus(resource_dir("examples_corpus"))
    assert examples, "the shipped corpus is empty"
    assert len({e.id for e in examples}) == len(examples)
    assert all(3 <= len(e.key_results) <= 5 for e in examples)


def test_yaml_and_jsonl_files_are_merged_in_file_order(tmp_path):
    write_yaml(tmp_path / "a.yaml", [example("a-1"), example("a-2")])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl").write_text(json.dumps(example("b-1")) + "\n\n")
    (tmp_path / "notes.txt").write_text("not a corpus file")
    assert [e.id for e in load_corpus(tmp_path)] == ["a-1", "a-2", "b-1"]
    assert [e.id for e in load_corpus([tmp_path / "sub"])] == ["b-1"]


def test_unknown_key_is_rejected_with_file_item_and_field(tmp_path):
    path = write_yaml(tmp_path / "x.yaml", [example("ok-1"), example("bad-2", owner="Ana")])
    with pytest.raises(CorpusError) as raised:
        load_corpus(tmp_path)
    message = raised.value.message
    assert str(path) in message and "item 2" in message and "bad-2" in message and "owner" in message


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d["key_results"].pop(), "key_results"),  # only 2 KRs
        (lambda d: d["key_results"][0].update(kind="outcome"), "key_results.0.kind"),
        (lambda d: d.pop("context"), "context"),
    ],
)
def test_schema_problems_name_the_field(tmp_path, change, expected):
    data = example("s-1")
    change(data)
    write_yaml(tmp_path / "s.yaml", [data])
    examples, problems = scan_corpus(tmp_path)
    assert examples == []
    assert len(problems) == 1 and expected in problems[0].message


def test_jsonl_problem_names_the_line(tmp_path):
    lines = [json.dumps(example("j-1")), "{not json", json.dumps(example("j-3", stage=None))]
    (tmp_path / "c.jsonl").write_text("\n".join(lines))
    examples, problems = scan_corpus(tmp_path)
    assert [e.id for e in examples] == ["j-1"]
    assert [p.where.split(",")[0] for p in problems] == ["line 2", "line 3"]


def test_broken_yaml_names_the_line(tmp_path):
    (tmp_path / "b.yaml").write_text("- id: x\n  team_type: [unclosed\n")
    with pytest.raises(CorpusError, match=r"b\.yaml.*line \d"):
        load_corpus(tmp_path)


def test_duplicate_ids_across_files_are_a_problem(tmp_path):
    write_yaml(tmp_path / "a.yaml", [example("same")])
    write_yaml(tmp_path / "b.yaml", [example("same", objective="Something else entirely")])
    examples, problems = scan_corpus(tmp_path)
    assert len(examples) == 1
    assert "duplicate id" in problems[0].message and "a.yaml" in problems[0].message


def test_missing_folder_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nowhere")


def test_hash_follows_content_not_formatting(tmp_path):
    path = write_yaml(tmp_path / "a.yaml", [example("a-1")])
    before = corpus_hash(load_corpus(tmp_path))
    path.write_text("# a comment\n" + yaml.safe_dump([example("a-1")], sort_keys=True, indent=4))
    assert corpus_hash(load_corpus(tmp_path)) == before
    write_yaml(path, [example("a-1", context="Revenue was 2.1M last quarter.")])
    assert corpus_hash(load_corpus(tmp_path)) != before


def test_near_duplicate_objectives_are_found():
    items = [
        example("n-1", objective="Grow revenue in new regions"),
        example("n-2", objective="Grow revenue in new regions!"),
        example("n-3", objective="Cut support wait times for premium customers"),
    ]
    from suggester.models import CorpusExample

    pairs = near_duplicate_objectives([CorpusExample.model_validate(i) for i in items], HashingEmbedder(), 0.95)
    assert [(a.id, b.id) for a, b, _ in pairs] == [("n-1", "n-2")]


def test_validate_corpus_reports_duplicates_and_near_duplicates_as_errors(tmp_path):
    write_yaml(tmp_path / "a.yaml", [example("a-1"), example("a-1"), example("a-3")])
    report = validate_corpus(tmp_path, HashingEmbedder())
    assert any("duplicate id" in error for error in report.errors)
    assert any("near-duplicate" in error and "a-3" in error for error in report.errors)


def test_stats_count_team_types_and_kinds(tmp_path):
    write_yaml(tmp_path / "a.yaml", [example("a-1"), example("a-2", team="Support", objective="Answer faster")])
    figures = corpus_stats(load_corpus(tmp_path))
    assert figures["team_types"] == {"sales": 1, "customer support": 1}
    assert figures["kr_kinds"] == {"output": 2, "input": 2, "initiative": 2}
    assert figures["sets_with_initiative"] == 2 and figures["krs_with_baseline"] == 2


# --- import ---------------------------------------------------------------------------------------------

CSV_HEADER = "id,team_type,objective,context,kr_id,kind,text,baseline,target,unit,direction,due,drives\n"
CSV_ROWS = [
    # a good set over three rows (set columns only on the first)
    ("h-1,support,Make weekend support dependable,Weekend CSAT is 78%.,kr1,output,"
    "Raise weekend CSAT from 78% to 88% by 2027-09-30,78,88,%,increase,2027-09-30,"),
    "h-1,,,,kr2,input,Staff 2 agents every weekend shift by 2027-07-31,,2,count,increase,2027-07-31,kr1",
    "h-1,,,,kr3,input,Publish 20 help articles for weekend topics by 2027-08-31,,20,count,increase,2027-08-31,kr1",
    # a bad set: unknown kind and only two KRs
    "h-2,support,Shorten the queue,,kr1,outcome,Cut the queue from 40 to 20 by 2027-09-30,40,20,count,decrease,,",
    "h-2,,,,kr2,input,Add a triage bot by 2027-08-31,,1,done,complete,,kr1",
]


def test_import_csv_keeps_good_sets_and_reports_bad_rows(tmp_path):
    path = tmp_path / "ours.csv"
    path.write_text(CSV_HEADER + "\n".join(CSV_ROWS) + "\n")
    result = import_sets(path, check=lambda e: [])
    assert [e.id for e in result.accepted] == ["h-1"]
    good = result.accepted[0]
    assert good.team_type == "support" and good.industry == "unspecified"
    assert [kr.drives for kr in good.key_results] == [[], ["kr1"], ["kr1"]]
    assert len(result.rejected) == 1
    bad = result.rejected[0]
    assert bad.where == "rows 5, 6"
    assert "key_results.0.kind" in bad.reasons[0] and "key_results" in bad.reasons[0]


def test_import_reads_the_numbers_of_text_only_krs_and_refuses_non_utf8(tmp_path):
    path = tmp_path / "sentences.csv"
    path.write_text(
        "objective,team_type,kind,text,drives,kr_id\n"
        "Keep our customers for longer,customer success,output,Raise 90-day retention from 80% to 88% by 2027-06-30,,kr1\n"
        "Keep our customers for longer,customer success,input,Hold 40 onboarding calls by 2027-06-30,kr1,kr2\n"
        "Keep our customers for longer,customer success,input,Cut time to first value from 14 days to 7 days by 2027-06-30,kr1,kr3\n"
    )
    result = import_sets(path)  # the real rule catalogue: text-only KRs are measurable once read
    assert not result.rejected and len(result.accepted) == 1
    retention = result.accepted[0].key_results[0]
    assert (retention.baseline, retention.target, retention.unit, retention.due) == (80, 88, "%", "2027-06-30")

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("objective,team_type,kind,text\nCafé growth,sales,output,Raise bookings by Q2\n".encode("cp1252"))
    with pytest.raises(CorpusError, match="not UTF-8"):
        import_sets(latin1)


def test_import_rejects_rule_errors_and_ids_already_in_the_corpus(tmp_path):
    path = tmp_path / "ours.jsonl"
    rows = [example("taken-1"), {k: v for k, v in example("x").items() if k != "id"}, example("rules-3")]
    path.write_text("\n".join(json.dumps(r) for r in rows))

    def check(e):
        return ["direction-consistent [kr1]: made-up finding"] if e.id == "rules-3" else []

    result = import_sets(path, existing_ids={"taken-1"}, check=check)
    assert [e.id for e in result.accepted] == ["ours-002"]  # id filled from the file name and record number
    reasons = {r.where.split(",")[0]: r.reasons for r in result.rejected}
    assert "already in the corpus" in reasons["line 1"][0]
    assert "direction-consistent" in reasons["line 3"][0]


def test_import_fills_team_type_and_kr_ids(tmp_path):
    data = example("y-1")
    del data["team_type"]
    for kr in data["key_results"]:
        kr.pop("id")
    data["key_results"][1]["drives"] = ["kr1"]
    path = write_yaml(tmp_path / "ours.yaml", [data])
    assert import_sets(path, check=lambda e: []).rejected[0].reasons[0].startswith("team_type")
    accepted = import_sets(path, team_type="design", check=lambda e: []).accepted
    assert accepted[0].team_type == "design"
    assert [kr.id for kr in accepted[0].key_results] == ["kr1", "kr2", "kr3"]


def test_import_refuses_unknown_formats_and_missing_files(tmp_path):
    (tmp_path / "okrs.docx").write_text("x")
    with pytest.raises(CorpusError, match="unsupported"):
        import_sets(tmp_path / "okrs.docx")
    with pytest.raises(CorpusError, match="not found"):
        import_sets(tmp_path / "missing.csv")


def test_written_file_round_trips_and_never_overwrites(tmp_path):
    from suggester.models import CorpusExample

    examples = [CorpusExample.model_validate(example("w-1")), CorpusExample.model_validate(example("w-2"))]
    first = write_corpus_file(examples[:1], tmp_path / "mine", "imported-ours")
    second = write_corpus_file(examples[1:], tmp_path / "mine", "imported-ours")
    assert first != second and first.exists() and second.exists()
    assert sorted(load_corpus(tmp_path / "mine"), key=lambda e: e.id) == examples
