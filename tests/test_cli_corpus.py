"""`okr corpus` through click's runner, with a fake embedder and a fake rule catalogue (no model load)."""

from __future__ import annotations

import json
import sys
import types

import pytest
import yaml
from click.testing import CliRunner

from suggester.cli import main
from suggester.embedding import HashingEmbedder
from suggester.models import Finding, Severity
from suggester.settings import get_settings


def example(id: str, team: str = "sales", objective: str = "Grow revenue in new regions") -> dict:
    kr = {"unit": "count", "direction": "increase", "due": "2027-09-30"}
    return {
        "id": id, "team_type": team, "industry": "retail", "stage": "startup", "horizon": "Q3 2027",
        "objective": objective, "context": "Revenue was 2.0M last quarter.",
        "key_results": [
            {**kr, "id": "kr1", "kind": "output", "text": "Increase revenue from 2.0M to 2.5M", "baseline": 2.0,
             "target": 2.5, "unit": "USD M"},
            {**kr, "id": "kr2", "kind": "input", "text": "Hold 40 demos", "target": 40, "drives": ["kr1"]},
            {**kr, "id": "kr3", "kind": "input", "text": "Send 300 tailored proposals", "target": 300, "drives": ["kr1"]},
        ],
    }


GOOD = [
    example("s-1"),
    example("s-2", objective="Shorten the sales cycle for enterprise buyers"),
    example("p-1", "people", "Make the first month at work a great one for new hires"),
]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A tiny corpus, a private cache, the hashing embedder, and a rule catalogue that flags 'BROKEN'."""
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "teams.yaml").write_text(yaml.safe_dump(GOOD))
    monkeypatch.setenv("OKR_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("OKR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OKR_EXTRA_CORPUS_DIRS", raising=False)
    get_settings.cache_clear()
    embedder = HashingEmbedder()
    monkeypatch.setattr("suggester.embedding.get_embedder", lambda: embedder)
    monkeypatch.setattr("suggester.retrieval.get_embedder", lambda: embedder)

    def validate(okr, *, context=None, profile=None):
        if "BROKEN" in okr.objective:
            return [Finding(rule="measurable", severity=Severity.error, message="no number", hint="add one", kr="kr1")]
        return [Finding(rule="guardrail", severity=Severity.warning, message="no counter-metric", hint="add one")]

    monkeypatch.setitem(sys.modules, "suggester.validation", types.SimpleNamespace(validate=validate))
    yield types.SimpleNamespace(corpus=corpus_dir, tmp=tmp_path, embedder=embedder)
    get_settings.cache_clear()


def run(*args: str):
    return CliRunner().invoke(main, ["corpus", *args])


def test_validate_passes_a_good_corpus_and_counts_warnings(env):
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "warning: guardrail: 3" in result.output
    assert "3 sets, 2 team types in 1 files: 0 errors, 3 warnings" in result.output


def test_validate_fails_on_rule_errors_duplicates_and_near_duplicates(env):
    bad = [example("s-1", objective="Grow revenue in new regions!"), example("x-9", objective="BROKEN objective")]
    (env.corpus / "more.yaml").write_text(yaml.safe_dump(bad))
    result = run("validate")
    assert result.exit_code == 1
    assert "duplicate id" in result.output
    assert "x-9 kr1: measurable: no number" in result.output
    assert "near-duplicate objectives" not in result.stdout  # the duplicate-id copy was dropped before the check
    (env.corpus / "more.yaml").write_text(yaml.safe_dump([example("s-9", objective="Grow revenue in new regions!")]))
    result = run("validate")
    assert result.exit_code == 1 and "s-9 and s-1: near-duplicate objectives" in result.output


def test_validate_schema_error_is_one_line_per_problem(env):
    (env.corpus / "broken.yaml").write_text(yaml.safe_dump([{**example("b-1"), "owner": "Kim"}]))
    result = run("validate", "--no-embed")
    assert result.exit_code == 1
    assert "broken.yaml: item 1 (line 1), id b-1: owner: Extra inputs are not permitted" in result.output
    assert "Traceback" not in result.output


def test_index_builds_then_loads_from_cache(env):
    first = run("index")
    assert first.exit_code == 0, first.output
    assert "3 examples, 2 team types: index built" in first.output
    encoded = env.embedder.texts_encoded
    second = run("index")
    assert "index loaded from cache" in second.output and env.embedder.texts_encoded == encoded
    assert "index built" in run("index", "--rebuild").output


def test_search_shows_ranked_examples_with_scores(env):
    result = run("search", "Shorten the sales cycle", "--team", "sales", "-k", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["results"][0]["id"] == "s-2" and len(data["results"]) == 2
    assert data["team_weights"]["sales"] == 1.0
    text = run("search", "new hires", "--team", "HR", "-k", "1").output
    assert "team weights: people 1" in text and "p-1  [people]" in text


def test_broken_corpus_gives_a_one_line_error(env):
    (env.corpus / "bad.yaml").write_text("- id: [unclosed\n")
    result = run("stats")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "bad.yaml" in result.output and "Traceback" not in result.output


def test_stats_counts_by_team_and_kind(env):
    result = run("stats", "--json")
    figures = json.loads(result.output)
    assert figures["sets"] == 3 and figures["team_types"] == {"sales": 2, "people": 1}
    assert figures["kr_kinds"] == {"input": 6, "output": 3}
    assert "team types:" in run("stats").output


def test_import_keeps_good_rows_and_reports_bad_ones(env):
    ours = env.tmp / "ours.jsonl"
    rows = [
        example("o-1", "support", "Answer weekend questions within an hour"),
        {**example("o-2"), "key_results": example("o-2")["key_results"][:2]},  # too few KRs
        example("s-1"),  # id already in the corpus
        example("o-4", "support", "BROKEN objective"),  # rule error
        example("o-5", "support", "Fewer repeat contacts about billing"),
    ]
    ours.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    out = env.tmp / "mine"
    result = run("import", str(ours), "--out", str(out))
    assert result.exit_code == 1
    assert "2 accepted, 3 rejected" in result.output
    assert "rejected line 2" in result.output and "key_results" in result.output
    assert "rejected line 3, id s-1:\n  - id 's-1' is already in the corpus" in result.output
    assert "rejected line 4, id o-4:\n  - measurable [kr1]: no number" in result.output
    written = list(out.glob("*.yaml"))
    assert [path.name for path in written] == ["imported-ours.yaml"]
    assert [item["id"] for item in yaml.safe_load(written[0].read_text())] == ["o-1", "o-5"]
    assert "OKR_EXTRA_CORPUS_DIRS" in result.output


def test_imported_sets_are_retrieved_once_the_folder_is_configured(env, monkeypatch):
    ours = env.tmp / "ours.csv"
    ours.write_text(
        "objective,context,kind,text,baseline,target,unit,direction,due,drives,kr_id\n"
        "Grow the volunteer base for our food bank,We have 40 volunteers.,output,"
        "Grow active volunteers from 40 to 70 by 2027-12-31,40,70,count,increase,2027-12-31,,kr1\n"
        "Grow the volunteer base for our food bank,,input,Hold 6 volunteer open days by 2027-11-30,,6,count,"
        "increase,2027-11-30,kr1,kr2\n"
        "Grow the volunteer base for our food bank,,input,Post 24 volunteer stories by 2027-11-30,,24,count,"
        "increase,2027-11-30,kr1,kr3\n"
    )
    mine = env.tmp / "mine"
    monkeypatch.setenv("OKR_EXTRA_CORPUS_DIRS", str(mine))
    get_settings.cache_clear()
    result = run("import", str(ours), "--team", "nonprofit")
    assert result.exit_code == 0, result.output
    assert "1 accepted, 0 rejected" in result.output and "note:" not in result.output
    found = json.loads(run("search", "More volunteers for the food bank", "--team", "nonprofit", "--json").stdout)
    assert found["results"][0]["id"] == "ours-001"


def test_import_without_a_target_folder_says_how_to_set_one(env):
    ours = env.tmp / "ours.yaml"
    ours.write_text(yaml.safe_dump([example("o-1")]))
    result = run("import", str(ours))
    assert result.exit_code == 2 and "--out DIR" in result.output
