"""Eval datasets: the shipped dev and CI sets, and the loader's checks."""

import json
from pathlib import Path

import pytest

from suggester.corpus import load_corpus
from suggester.evaluation.dataset import DatasetError, EvalCase, dataset_hash, load_dataset
from suggester.settings import Settings
from suggester.teams import TEAM_TYPES, normalize_team

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "eval" / "datasets" / "dev.jsonl"
CI = ROOT / "eval" / "datasets" / "ci.jsonl"


def tags(case: EvalCase) -> set[str]:
    return set(case.metadata.get("tags", []))


def test_dev_set_covers_teams_edges_references_and_contexts():
    cases = load_dataset(DEV)
    assert len(cases) >= 60
    assert len({normalize_team(c.team_type) for c in cases} & set(TEAM_TYPES)) >= 15
    every_tag = set().union(*(tags(c) for c in cases))
    assert {"short", "numbers", "unknown-team", "non-english", "injection"} <= every_tag
    for case in cases:
        if "unknown-team" in tags(case):
            assert normalize_team(case.team_type) not in TEAM_TYPES
    assert sum(bool(c.reference_krs) for c in cases) >= 5
    assert sum(bool(c.context) and any(ch.isdigit() for ch in c.context) for c in cases) >= 10


def test_relevant_example_ids_exist_in_the_corpus():
    known = {example.id for example in load_corpus([Settings().corpus_dir])}
    for path in (DEV, CI):
        for case in load_dataset(path):
            assert set(case.relevant_example_ids) <= known, case.id


def test_ci_set_is_a_small_verbatim_subset_of_the_dev_set():
    dev = {case.id: case for case in load_dataset(DEV)}
    ci = load_dataset(CI)
    assert 10 <= len(ci) <= 12
    for case in ci:
        assert dev[case.id] == case
    assert any("injection" in tags(c) for c in ci) and any(c.reference_krs for c in ci)


def write(tmp_path, *lines) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def test_extra_keys_are_kept_as_metadata(tmp_path):
    path = write(tmp_path, {"id": "a", "objective": "Grow", "team_type": "sales", "tags": ["x"], "owner": "kim"}, "")
    case = load_dataset(path)[0]
    assert case.metadata == {"tags": ["x"], "owner": "kim"}
    assert case.request(seed=3).seed == 3 and case.request().objective == "Grow"
    assert EvalCase.model_validate_json(case.model_dump_json()) == case  # a run log reads it back unchanged


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "set.jsonl:2: not JSON"),
        ({"id": "b", "team_type": "sales"}, "set.jsonl:2: objective"),
        ({"id": "b", "objective": "x", "team_type": "sales", "count": 9}, "set.jsonl:2: count"),
        ({"id": "a", "objective": "x", "team_type": "sales"}, "id 'a' already used on line 1"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, line, message):
    path = write(tmp_path, {"id": "a", "objective": "Grow", "team_type": "sales"}, line)
    with pytest.raises(DatasetError, match=message):
        load_dataset(path)


def test_missing_and_empty_files_are_clear_errors(tmp_path):
    with pytest.raises(DatasetError, match="cannot read dataset"):
        load_dataset(tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="no cases"):
        load_dataset(write(tmp_path, ""))


def test_dataset_hash_changes_with_content():
    a = [EvalCase(id="a", objective="Grow", team_type="sales")]
    b = [EvalCase(id="a", objective="Grow more", team_type="sales")]
    assert dataset_hash(a) == dataset_hash(list(a)) != dataset_hash(b)
