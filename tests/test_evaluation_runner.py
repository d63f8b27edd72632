"""The runner end to end on the real pipeline, with litellm's mock_response and a hashing embedder."""

import json

import pytest

from suggester.embedding import HashingEmbedder
from suggester.errors import InvalidRequest
from suggester.evaluation import read_run, run_eval
from suggester.evaluation.dataset import EvalCase
from suggester.evaluation.log import PARTIAL_FILE
from suggester.settings import Settings

GOOD = (
    "1. output | new bookings | increase\n"
    "2. input | qualified demos held | increase | drives 1\n"
    "3. input | first response time to inbound leads | decrease | drives 1\n"
    "4. initiative | Launch a partner page | complete\n"
)
CASES = [
    EvalCase(
        id="a",
        objective="Grow our business in the EU",
        team_type="sales",
        context="New bookings were $400k last quarter.",
        relevant_example_ids=["sales-eu-expansion-01"],
    ),
    EvalCase(id="too-long", objective="x" * 600, team_type="sales"),
    EvalCase(id="b", objective="Answer customers faster", team_type="support"),
]


EMBEDDER = HashingEmbedder()


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("index")  # one corpus index for the module: built once


@pytest.fixture
def settings(monkeypatch, index_dir):
    """Settings for the mock model over the real corpus, embedded with the hashing embedder."""
    monkeypatch.setattr("suggester.retrieval.get_embedder", lambda: EMBEDDER)

    def make(mock: str = GOOD) -> Settings:
        return Settings(
            model="openai/test", mock_response=mock, cache_dir=index_dir, candidates=2, repair_attempts=1
        )

    return make


def test_run_writes_the_typed_log_and_records_errors_without_stopping(tmp_path, settings):
    seen = []
    summary = run_eval(
        CASES,
        dataset="mem",
        out=tmp_path / "run",
        settings=settings(),
        cache_path=tmp_path / "responses.jsonl",
        on_case=lambda r: seen.append(r.id),
    )
    assert sorted(seen) == ["a", "b", "too-long"]
    assert summary.cases == 3 and summary.errors == 1 and summary.errors_by_type == {"InputTooLong": 1}
    log = read_run(tmp_path / "run")
    assert [r.id for r in log.cases] == ["a", "too-long", "b"]  # dataset order, whatever finished first
    ok, failed = log.by_id()["a"], log.by_id()["too-long"]
    assert ok.output.key_results and ok.scores["complete"] == 1.0 and ok.usage.calls == 2
    assert ok.scores["invented_baselines"] == 0 and ok.scores["baseline_rate"] is not None
    assert failed.output is None and "limit is 500" in failed.error.message and failed.scores["passed"] == 0.0
    assert summary.metrics["passed"].n == 3 and summary.metrics["complete"].n == 2
    assert summary.calls == 4 and summary.cached_calls == 0 and summary.latency_ms["p50"] > 0
    assert summary.config.model == "openai/test" and summary.config.seed == 7 and summary.config.dataset_hash
    assert not (tmp_path / "run" / PARTIAL_FILE).exists()


def test_rerun_replays_every_call_and_gives_the_same_scores(tmp_path, monkeypatch, settings):
    cache = tmp_path / "responses.jsonl"
    first = run_eval(CASES, dataset="mem", out=tmp_path / "one", settings=settings(), cache_path=cache)

    from suggester import llm

    async def no_model(**kwargs):
        raise AssertionError("the model was called")

    monkeypatch.setattr(llm._litellm(), "acompletion", no_model)
    second = run_eval(CASES, dataset="mem", out=tmp_path / "two", settings=settings(), cache_path=cache)
    assert second.errors == 1 and second.cached_calls == second.calls == first.calls
    for name, value in first.metrics.items():
        assert second.metrics[name] == value, name
    replayed = read_run(tmp_path / "two").by_id()["a"]
    original = read_run(tmp_path / "one").by_id()["a"]
    assert all(call.cached for call in replayed.calls)
    # Latency adds back what the replayed calls took originally: the concurrent candidates once (the
    # longest), the later calls one after the other.
    candidates = settings().candidates
    took = [call.latency_ms for call in original.calls]
    added_back = max(took[:candidates]) + sum(took[candidates:])
    assert added_back <= replayed.usage.latency_ms <= added_back + replayed.usage.wall_ms + 1


def test_rescore_recomputes_scores_from_the_log_alone(tmp_path, monkeypatch, settings):
    from suggester import llm
    from suggester.evaluation.runner import rescore
    from suggester.evaluation.scorers import Resources
    from suggester.retrieval import get_retriever

    first = run_eval(CASES, dataset="mem", out=tmp_path / "run", settings=settings(), cache_path=None)
    log = read_run(tmp_path / "run")
    for result in log.cases:
        result.scores = {"passed": 0.0}  # as if written by an older scorer set
    monkeypatch.setattr(llm, "acomplete", None)  # rescoring never reaches a model
    summary = rescore(log, Resources.from_retriever(get_retriever(settings())))
    assert summary.metrics == first.metrics and summary.wall_s == first.wall_s
    assert log.cases[0].scores == read_run(tmp_path / "run").cases[0].scores


def test_no_cache_writes_no_cache_and_variants_are_recorded(tmp_path, settings):
    summary = run_eval(
        CASES[:1],
        dataset="mem",
        out=tmp_path / "run",
        settings=settings(),
        cache_path=None,
        variant="zero-shot",
        seed=None,
    )
    assert (
        summary.config.variant == "zero-shot" and summary.config.cache is None and summary.config.seed is None
    )
    assert not list(tmp_path.glob("*.jsonl"))
    result = read_run(tmp_path / "run").cases[0]
    assert result.output.examples_used == [] and result.scores["recall_at_k"] is None


def test_unusable_answers_count_as_parse_failures(tmp_path, settings):
    summary = run_eval(
        CASES[:1], dataset="mem", out=tmp_path / "run", settings=settings("Sorry, I can't."), cache_path=None
    )
    assert summary.errors_by_type == {"DraftFailed": 1}
    result = read_run(tmp_path / "run").cases[0]
    assert result.scores["parsed"] == 0.0 and result.error.attempts == 3 and len(result.calls) == 3


def test_retrieval_only_scores_retrieval_without_any_model_call(tmp_path, monkeypatch, settings):
    from suggester import llm

    async def no_model(**kwargs):
        raise AssertionError("the model was called")

    monkeypatch.setattr(llm, "acomplete", no_model)
    cases = [
        EvalCase(
            id="r",
            objective="Break into the German and French markets with our sales team",
            team_type="sales",
            relevant_example_ids=["sales-eu-expansion-01", "no-such-example"],
        )
    ]
    summary = run_eval(cases, dataset="mem", out=tmp_path / "run", settings=settings(), retrieval_only=True)
    assert set(summary.metrics) == {"recall_at_k", "mrr"} and summary.calls == 0
    assert summary.metrics["recall_at_k"].mean in (0.0, 0.5)


def test_bad_variant_and_concurrency_are_refused(tmp_path, settings):
    with pytest.raises(InvalidRequest, match="unknown variant"):
        run_eval(CASES, dataset="mem", out=tmp_path, settings=settings(), variant="no-llm")
    with pytest.raises(InvalidRequest, match="concurrency"):
        run_eval(CASES, dataset="mem", out=tmp_path, settings=settings(), concurrency=0)


def test_concurrent_cases_each_keep_their_own_calls(tmp_path, settings):
    cases = [
        case.model_copy(update={"id": f"{case.id}{i}"}) for i in range(3) for case in (CASES[0], CASES[2])
    ]
    run_eval(cases, dataset="mem", out=tmp_path / "run", settings=settings(), cache_path=None, concurrency=4)
    lines = (tmp_path / "run" / "cases.jsonl").read_text().splitlines()
    assert [json.loads(line)["usage"]["calls"] for line in lines] == [2] * 6


def test_an_unexpected_exception_is_recorded_as_a_crash_and_the_run_goes_on(tmp_path, monkeypatch, settings):
    from suggester import pipeline

    real = pipeline.asuggest

    async def flaky(request, **kwargs):
        if request.objective == CASES[0].objective:
            raise KeyError("a bug")
        return await real(request, **kwargs)

    monkeypatch.setattr(pipeline, "asuggest", flaky)
    summary = run_eval(
        [CASES[0], CASES[2]], dataset="mem", out=tmp_path / "run", settings=settings(), cache_path=None
    )
    assert summary.cases == 2 and summary.errors_by_type == {"KeyError": 1}
    crashed, fine = read_run(tmp_path / "run").cases
    assert crashed.error.crash and crashed.outcome.crashed and crashed.outcome.parsed is None
    assert fine.error is None and not fine.outcome.crashed


def test_each_case_records_its_outcome(tmp_path, settings):
    run_eval(CASES, dataset="mem", out=tmp_path / "run", settings=settings(), cache_path=None)
    ok, too_long, _ = read_run(tmp_path / "run").cases
    assert ok.outcome.parsed and ok.outcome.kinds == [kr.kind.value for kr in ok.output.key_results]
    assert set(ok.outcome.errors_per_kr) == {kr.id for kr in ok.output.key_results}
    assert ok.outcome.draft_latency_ms == ok.usage.latency_ms and ok.outcome.first_draft_invalid is not None
    assert too_long.outcome.error_type == "InputTooLong" and too_long.outcome.parsed is None
