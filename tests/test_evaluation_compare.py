"""compare (two runs joined on case id), gate (thresholds on one summary) and reading run folders."""

import json

import pytest

from suggester.evaluation.compare import compare_runs, worsening
from suggester.evaluation.dataset import EvalCase
from suggester.evaluation.gate import GateError, Thresholds, check_gate, load_thresholds
from suggester.evaluation.log import (
    CaseError,
    CaseResult,
    CaseUsage,
    RunConfig,
    RunLog,
    RunLogError,
    read_run,
    write_cases,
    write_summary,
)
from suggester.evaluation.runner import summarize_run


def result(case_id, passed=1.0, relevance=0.5, error=None, latency=1000.0):
    scores = {"passed": passed, "relevance": relevance, "invented_baselines": 0.0}
    if error:
        scores = {"passed": 0.0}
    return CaseResult(
        case=EvalCase(id=case_id, objective=f"Objective {case_id}", team_type="sales"),
        error=CaseError(type=error, message="failed") if error else None,
        scores=scores, usage=CaseUsage(latency_ms=latency, wall_ms=latency),
    )


def run(path, results, variant="default") -> RunLog:
    config = RunConfig(dataset="d.jsonl", dataset_hash="h", model="m", variant=variant, seed=7, cache=None)
    return RunLog(path=path, summary=summarize_run(results, config, "now", 1.0), cases=results)


BASE = [result(f"c{i}", relevance=0.5 + 0.01 * i) for i in range(10)]


def test_identical_runs_do_not_regress():
    comparison = compare_runs(run("a", BASE), run("b", BASE))
    assert comparison.joined == 10 and not comparison.regressions and not comparison.pass_to_fail
    relevance = next(d for d in comparison.deltas if d.name == "relevance")
    assert relevance.delta.mean == 0.0


def test_flipped_cases_new_errors_and_regressions_are_reported():
    worse = [result("c0", passed=0.0), result("c1", error="ProviderTimeout")] + BASE[2:]
    comparison = compare_runs(run("a", BASE), run("b", worse))
    assert comparison.pass_to_fail == ["c0", "c1"] and comparison.new_errors == ["c1"]
    passed = next(d for d in comparison.deltas if d.name == "passed")
    assert passed.delta.mean == pytest.approx(-0.2) and passed.regressed
    assert passed.a.mean == 1.0 and passed.b.mean == pytest.approx(0.8)
    assert [d.name for d in comparison.regressions] == ["passed"]
    assert not compare_runs(run("a", BASE), run("b", worse), {"passed": 0.25}).regressions


def test_direction_decides_what_worse_means():
    assert worsening(-0.1, higher_is_better=True) == pytest.approx(0.1)
    assert worsening(-0.1, higher_is_better=False) == pytest.approx(-0.1)
    assert worsening(0.5, higher_is_better=None) == 0.0
    invented = [r.model_copy(update={"scores": r.scores | {"invented_baselines": 1.0}}) for r in BASE]
    comparison = compare_runs(run("a", BASE), run("b", invented))
    assert [d.name for d in comparison.regressions] == ["invented_baselines"]
    assert not compare_runs(run("a", invented), run("b", BASE)).regressions  # fewer invented numbers is better


def test_only_joined_cases_are_compared():
    comparison = compare_runs(run("a", BASE[:6]), run("b", BASE[3:]))
    assert comparison.joined == 3 and comparison.only_in_a == ["c0", "c1", "c2"]
    assert comparison.only_in_b == [f"c{i}" for i in range(6, 10)]
    relevance = next(d for d in comparison.deltas if d.name == "relevance")
    assert relevance.a.n == relevance.b.n == 3


def test_gate_checks_min_max_error_rate_latency_and_case_count():
    summary = run("a", BASE[:8] + [result("e1", error="DraftFailed"), result("e2", error="DraftFailed")]).summary
    assert check_gate(summary, Thresholds(min={"passed": 0.8}, max={"error_rate": 0.2})) == []
    failures = check_gate(summary, Thresholds(min={"passed": 0.81, "relevance": 0.6}, max={"error_rate": 0.1,
                                              "latency_p95_ms": 500}, min_cases=11))
    assert [f.split(":")[0] for f in failures] == ["cases", "passed", "relevance", "error_rate", "latency_p95_ms"]
    with pytest.raises(GateError, match="no metric 'relevence'"):
        check_gate(summary, Thresholds(min={"relevence": 0.1}))


def test_thresholds_file_is_strict(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"min": {"passed": 0.5}, "note": "measured"}))
    assert load_thresholds(path).min == {"passed": 0.5}
    path.write_text(json.dumps({"minimum": {"passed": 0.5}}))
    with pytest.raises(GateError, match="not a thresholds file"):
        load_thresholds(path)
    with pytest.raises(GateError, match="cannot read"):
        load_thresholds(tmp_path / "missing.json")


def test_run_folder_round_trip_and_clear_errors(tmp_path):
    log = run(str(tmp_path), BASE)
    write_cases(tmp_path, log.cases)
    write_summary(tmp_path, log.summary)
    again = read_run(tmp_path)
    assert again.summary == log.summary and [c.id for c in again.cases] == [c.id for c in BASE]
    with pytest.raises(RunLogError, match="is not an eval run"):
        read_run(tmp_path / "nothing")
    (tmp_path / "cases.jsonl").write_text('{"case": 1}\n')
    with pytest.raises(RunLogError, match="cases.jsonl:1: not a case result"):
        read_run(tmp_path)
