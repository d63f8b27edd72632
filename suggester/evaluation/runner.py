"""Run the real pipeline over a dataset: every case scored, every error recorded, one typed log written.

    summary = run_eval(load_dataset(path), out=Path("runs/dev"), variant="no-repair")

Cases run concurrently up to `concurrency`; a case that raises a SuggesterError is recorded with its
error and counted, and the run goes on. Model calls go through the response cache (see `cache.py`),
so a re-run of the same configuration makes no model calls.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from suggester.errors import InvalidRequest, SuggesterError
from suggester.evaluation.cache import ResponseCache, recording
from suggester.evaluation.dataset import EvalCase, dataset_hash
from suggester.evaluation.log import (
    PARTIAL_FILE,
    CaseError,
    CaseResult,
    CaseUsage,
    RunConfig,
    RunLog,
    RunSummary,
    write_cases,
    write_summary,
)
from suggester.evaluation.metrics import percentile, summarize
from suggester.evaluation.outcome import case_outcome
from suggester.evaluation.scorers import Resources, Sample, metrics, score_sample
from suggester.models import ExampleRef, Suggestion, Usage
from suggester.settings import Settings, get_settings

DEFAULT_SEED = 7  # every case is drafted with the same seed, so runs (and variants) are reproducible
Progress = Callable[[CaseResult], None]


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _case_error(exc: SuggesterError) -> CaseError:
    attempts = exc.context.get("attempts")
    last = exc.context.get("last_output")
    return CaseError(
        type=type(exc).__name__,
        message=exc.message,
        attempts=attempts if isinstance(attempts, int) else None,
        last_output=last if isinstance(last, str) else None,
    )


def _usage(suggestion: Suggestion | None, calls, wall_ms: float, concurrent: int = 1) -> CaseUsage:
    """Tokens, cost and latency of one case; `concurrent` is how many first calls ran side by side."""
    replayed = [call for call in calls if call.cached]
    # A replayed call took no time now: add back what it took when it was made. The first `concurrent`
    # calls (the sampled candidates) overlapped, so they count once, as the longest; later ones in turn.
    together = [call.latency_ms for call in calls[:concurrent] if call.cached]
    latency = wall_ms + max(together, default=0.0) + sum(call.latency_ms for call in calls[concurrent:] if call.cached)
    return CaseUsage(
        latency_ms=round(latency, 2),
        wall_ms=round(wall_ms, 2),
        prompt_tokens=sum(c.prompt_tokens for c in calls),
        completion_tokens=sum(c.completion_tokens for c in calls),
        cost_usd=sum(c.cost_usd for c in calls),
        calls=len(calls),
        cached_calls=len(replayed),
    )


async def run_case(
    case: EvalCase,
    *,
    settings: Settings,
    variant: str,
    seed: int | None,
    cache: ResponseCache | None,
    resources: Resources,
) -> CaseResult:
    """Draft one case through the real pipeline and score it. Never raises a SuggesterError."""
    from suggester.pipeline import asuggest

    suggestion, error = None, None
    started = time.perf_counter()
    with recording(cache) as recorder:
        try:
            suggestion = await asuggest(case.request(seed), settings=settings, variant=variant)
        except SuggesterError as exc:
            error = _case_error(exc)
        except Exception as exc:  # noqa: BLE001 - a bug in one case must not end the run: record it as a crash
            error = CaseError(type=type(exc).__name__, message=str(exc)[:2000] or repr(exc), crash=True)
    wall_ms = (time.perf_counter() - started) * 1000
    sample = Sample(case=case, suggestion=suggestion, error=error, calls=recorder.calls)
    scores = await asyncio.to_thread(score_sample, sample, resources)
    usage = _usage(suggestion, recorder.calls, wall_ms, concurrent=settings.candidates)
    return CaseResult(
        case=case,
        output=suggestion,
        error=error,
        scores=scores,
        usage=usage,
        calls=recorder.calls,
        outcome=outcome_of(case, suggestion, error, usage),
    )


def outcome_of(case: EvalCase, suggestion: Suggestion | None, error: CaseError | None, usage: CaseUsage):
    """The per-case facts (see `outcome.py`) of a drafted case."""
    return case_outcome(
        suggestion, error.type if error else None, bool(error and error.crash), case.count, usage.latency_ms
    )


def retrieval_case(case: EvalCase, retriever, k: int) -> CaseResult:
    """Score retrieval alone (no model): the examples the pipeline would draw on, against the relevant ids."""
    started = time.perf_counter()
    hits = retriever.search(case.objective, case.team_type, k)
    wall_ms = (time.perf_counter() - started) * 1000
    suggestion = Suggestion(
        objective=case.objective,
        team_type=case.team_type,
        key_results=[],
        examples_used=[
            ExampleRef(id=e.id, team_type=e.team_type, objective=e.objective, score=round(s, 4))
            for e, s in hits
        ],
        usage=Usage(model="none", latency_ms=wall_ms),
    )
    sample = Sample(case=case, suggestion=suggestion)
    scores = score_sample(sample, Resources.from_retriever(retriever), only=["retrieval"])
    return CaseResult(
        case=case, output=suggestion, scores=scores, usage=CaseUsage(latency_ms=wall_ms, wall_ms=wall_ms)
    )


def rescore(log: RunLog, resources: Resources) -> RunSummary:
    """Score a finished run again from its log (outputs and model answers), with no pipeline and no model.

    Use it after a scorer changes; the run's config, wall time and usage are kept, and each case's
    outcome is derived again (so older logs gain it).
    """
    results = []
    for result in log.cases:
        sample = Sample(case=result.case, suggestion=result.output, error=result.error, calls=result.calls)
        only = ["retrieval"] if log.summary.config.retrieval_only else None
        outcome = (
            None
            if log.summary.config.retrieval_only
            else outcome_of(result.case, result.output, result.error, result.usage)
        )
        results.append(
            result.model_copy(
                update={"scores": score_sample(sample, resources, only=only), "outcome": outcome}
            )
        )
    summary = summarize_run(results, log.summary.config, log.summary.started_at, log.summary.wall_s)
    log.cases, log.summary = results, summary
    return summary


def summarize_run(results: list[CaseResult], config: RunConfig, started_at: str, wall_s: float) -> RunSummary:
    """Aggregate case results: each metric's mean and 95% interval, errors, latency, tokens and cost."""
    known = metrics()
    names = [name for name in known if any(name in r.scores for r in results)]
    latencies = [r.usage.latency_ms for r in results if r.error is None]
    prompt = sum(r.usage.prompt_tokens for r in results)
    completion = sum(r.usage.completion_tokens for r in results)
    return RunSummary(
        config=config,
        started_at=started_at,
        wall_s=round(wall_s, 2),
        cases=len(results),
        errors=sum(r.error is not None for r in results),
        errors_by_type=dict(Counter(r.error.type for r in results if r.error is not None)),
        metrics={
            name: summarize([r.scores.get(name) for r in results], known[name].binary) for name in names
        },
        latency_ms={
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "mean": round(sum(latencies) / len(latencies), 1),
        }
        if latencies
        else {},
        tokens={
            "prompt": prompt,
            "completion": completion,
            "per_case": round((prompt + completion) / len(results), 1) if results else 0.0,
        },
        cost_usd=round(sum(r.usage.cost_usd for r in results), 6),
        calls=sum(r.usage.calls for r in results),
        cached_calls=sum(r.usage.cached_calls for r in results),
    )


async def arun_eval(
    cases: list[EvalCase],
    *,
    dataset: str,
    out: Path,
    settings: Settings | None = None,
    variant: str = "default",
    seed: int | None = DEFAULT_SEED,
    cache_path: Path | None = None,
    concurrency: int = 1,
    retrieval_only: bool = False,
    on_case: Progress | None = None,
) -> RunSummary:
    """Run a dataset and write `cases.jsonl` and `summary.json` to `out`.

    Args:
        cases: the dataset (see `load_dataset`).
        dataset: its path or name, recorded in the summary.
        out: the run folder (created; existing files are replaced).
        settings: model and pipeline settings (default: the environment's).
        variant: pipeline variant, one of `suggester.pipeline.VARIANTS`.
        seed: sampling seed given to every case (None: the model's own randomness).
        cache_path: the response cache file; None bypasses the cache (every call reaches the model).
        concurrency: cases in flight at once.
        retrieval_only: score retrieval alone, no model calls (for datasets of relevant example ids).
        on_case: called after each case, e.g. to advance a progress bar.

    Returns:
        The run summary (also written to `out/summary.json`).

    Raises:
        InvalidRequest: unknown variant or a concurrency below 1.
        SuggesterError: the model or corpus cannot be loaded at all (before any case runs).
    """
    from suggester.pipeline import VARIANTS, warm_up
    from suggester.retrieval import get_retriever

    if variant not in VARIANTS:
        raise InvalidRequest(f"unknown variant {variant!r}: choose one of {', '.join(VARIANTS)}")
    if concurrency < 1:
        raise InvalidRequest("concurrency must be at least 1")
    settings = settings or get_settings()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    config = RunConfig(
        dataset=dataset,
        dataset_hash=dataset_hash(cases),
        model=settings.model,
        variant=variant,
        seed=seed,
        cache=None if cache_path is None else str(cache_path),
        retrieval_only=retrieval_only,
        settings={
            name: getattr(settings, name)
            for name in (
                "temperature",
                "max_tokens",
                "candidates",
                "repair_attempts",
                "retrieval_k",
                "mmr_lambda",
                "team_boost",
            )
        },
        git_commit=_git_commit(),
    )
    # Fail before the first model call, not after paying for every case: both files must be writable.
    partial = out / PARTIAL_FILE
    for path in (partial, *([cache_path] if cache_path is not None and not retrieval_only else [])):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.open("a", encoding="utf-8").close()
        except OSError as exc:
            raise SuggesterError(f"cannot write {path}: {exc.strerror}") from exc
    partial.unlink(missing_ok=True)

    def finished(result: CaseResult) -> None:
        with partial.open("a", encoding="utf-8") as handle:  # a killed run still leaves what it did
            handle.write(result.model_dump_json() + "\n")
        if on_case:
            on_case(result)

    retriever = await asyncio.to_thread(get_retriever, settings)
    if retrieval_only:
        results = []
        for case in cases:
            results.append(retrieval_case(case, retriever, settings.retrieval_k))
            finished(results[-1])
    else:
        await asyncio.to_thread(warm_up, settings)
        await asyncio.to_thread(
            retriever.kr_matrix
        )  # loads the embedder too: the first case is not charged for it
        cache = ResponseCache(cache_path) if cache_path is not None else None
        resources = Resources.from_retriever(retriever)
        gate = asyncio.Semaphore(concurrency)

        async def one(case: EvalCase) -> CaseResult:
            async with gate:
                result = await run_case(
                    case, settings=settings, variant=variant, seed=seed, cache=cache, resources=resources
                )
            finished(result)
            return result

        results = list(await asyncio.gather(*(one(case) for case in cases)))
    write_cases(out, results)
    partial.unlink(missing_ok=True)
    summary = summarize_run(results, config, started_at, time.perf_counter() - started)
    write_summary(out, summary)
    return summary


def run_eval(cases: list[EvalCase], **options) -> RunSummary:
    """Sync twin of `arun_eval` (same arguments)."""
    return asyncio.run(arun_eval(cases, **options))
