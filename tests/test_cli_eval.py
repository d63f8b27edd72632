"""`okr eval run | compare | gate | report` through the CLI runner (mock model, hashing embedder)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from suggester.cli import main
from suggester.embedding import HashingEmbedder

GOOD = (
    "1. output | new bookings | increase\n"
    "2. input | qualified demos held | increase | drives 1\n"
    "3. initiative | Launch a partner page | complete\n"
)
EMBEDDER = HashingEmbedder()


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("index")


@pytest.fixture
def cli(monkeypatch, index_dir):
    monkeypatch.setattr("suggester.retrieval.get_embedder", lambda: EMBEDDER)
    monkeypatch.setenv("OKR_MODEL", "openai/test")
    monkeypatch.setenv("OKR_MOCK_RESPONSE", GOOD)
    monkeypatch.setenv("OKR_CACHE_DIR", str(index_dir))

    def invoke(*args):
        return CliRunner().invoke(main, ["eval", *map(str, args)])

    return invoke


@pytest.fixture
def dataset(tmp_path) -> Path:
    path = tmp_path / "set.jsonl"
    lines = [{"id": f"c{i}", "objective": f"Grow our business in region {i}", "team_type": "sales"} for i in range(3)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_help_shows_examples(cli):
    for command in ("run", "compare", "gate", "report", "rescore"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and "Example" in result.output and "okr eval " + command in result.output


def test_run_then_compare_gate_and_report(cli, dataset, tmp_path):
    cache = tmp_path / "responses.jsonl"
    first = cli("run", dataset, "--out", tmp_path / "a", "--cache", cache)
    assert first.exit_code == 0, first.output
    assert "passed" in first.output and "model calls 6 (0 replayed)" in first.output
    assert (tmp_path / "a" / "summary.json").is_file() and cache.is_file()

    second = cli("run", dataset, "--out", tmp_path / "b", "--cache", cache, "--limit", 2)
    assert second.exit_code == 0 and "model calls 4 (4 replayed)" in second.output

    same = cli("compare", tmp_path / "a", tmp_path / "b")
    assert same.exit_code == 0 and "only in A (1): c2" in same.output

    gate_ok = cli("gate", tmp_path / "a", "--min", "parsed=1", "--max", "error_rate=0")
    assert gate_ok.exit_code == 0 and "gate passed" in gate_ok.output
    thresholds = tmp_path / "t.json"
    thresholds.write_text(json.dumps({"min": {"relevance": 0.99}, "min_cases": 3}))
    gate_bad = cli("gate", tmp_path / "a", "--thresholds", thresholds)
    assert gate_bad.exit_code == 1 and "relevance" in gate_bad.output and "Traceback" not in gate_bad.output

    (tmp_path / "a" / "summary.json").write_text(
        (tmp_path / "a" / "summary.json").read_text().replace('"passed"', '"passed_old"'))
    rescored = cli("rescore", tmp_path / "a")
    assert rescored.exit_code == 0 and '"passed"' in (tmp_path / "a" / "summary.json").read_text()

    report = cli("report", tmp_path / "a", tmp_path / "b", "--html", tmp_path / "r.html")
    assert report.exit_code == 0 and "<details" in (tmp_path / "r.html").read_text()


def test_compare_exits_1_on_a_regression(cli, dataset, tmp_path):
    assert cli("run", dataset, "--out", tmp_path / "a", "--no-cache").exit_code == 0
    worse = tmp_path / "b"
    worse.mkdir()
    (worse / "summary.json").write_text((tmp_path / "a" / "summary.json").read_text())
    lines = [json.loads(line) for line in (tmp_path / "a" / "cases.jsonl").read_text().splitlines()]
    for line in lines:
        line["scores"]["passed"] = 0.0
    (worse / "cases.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = cli("compare", tmp_path / "a", worse)
    assert result.exit_code == 1 and "pass → fail (3)" in result.output and "regressed" in result.output
    assert cli("compare", tmp_path / "a", worse, "--no-gate").exit_code == 0
    assert cli("compare", tmp_path / "a", worse, "--max-worsening", "passed=1").exit_code == 0
    as_json = cli("compare", tmp_path / "a", worse, "--json", "--no-gate")
    assert json.loads(as_json.output)["pass_to_fail"] == ["c0", "c1", "c2"]


def unwrapped(output: str) -> str:
    """The terminal wraps long messages; compare them as one line."""
    return " ".join(output.split())


def test_errors_are_one_line_messages(cli, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "objective": "Grow"}\n')
    result = cli("run", bad, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "bad.jsonl:1: team_type: Field required" in unwrapped(result.output)
    missing = cli("compare", tmp_path / "nope", tmp_path / "nada")
    assert missing.exit_code == 2 and "is not an eval run" in unwrapped(missing.output)
    assert cli("gate", tmp_path / "nope").exit_code == 2  # no thresholds given
    assert cli("compare", tmp_path, tmp_path, "--max-worsening", "passed").exit_code == 2


def test_variant_choices_are_the_pipelines_variants():
    from suggester.cli.eval import run
    from suggester.pipeline import VARIANTS

    option = next(param for param in run.params if param.name == "variant")
    assert set(option.type.choices) == set(VARIANTS)
