"""Pipeline overhead (issue 8, target 2): what the pipeline adds around the LLM calls.

    .venv/bin/python benchmarks/bench_pipeline.py                    # both parts (~2-4 min on 2 cores)
    .venv/bin/python benchmarks/bench_pipeline.py --only mock --requests 100
    .venv/bin/python benchmarks/bench_pipeline.py --only embedded --objectives 5

(a) embedded: real drafts with the embedded model (settings.model, local/gemma-3-270m by default) over a
    few objectives. Each step's time comes from `Usage.timings_ms` (suggester/pipeline.py). Every LLM call
    is timed too, by wrapping `suggester.llm.acomplete` (the candidates run concurrently, so generation is
    the union of the call intervals), which splits the `generate` and `repair` steps into the model's
    time and the pipeline's own bookkeeping. Target: everything but generation under 5% of the draft.
(b) mock: the same pipeline with a mocked LLM (settings.mock_response, litellm's mock_response), ms per
    request and per step, against a bare `litellm.acompletion(mock_response=...)` on the same messages.

The load average is printed before and after; the machine is shared, so compare within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm: no cost-map download
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from load import MOCK_DRAFT  # the load driver's mocked model answer: one source for both

from suggester import llm, pipeline, prompting
from suggester.models import SuggestionRequest
from suggester.settings import get_settings

OBJECTIVES = [
    (
        "Grow our global business via expansion in the EU",
        "sales",
        "EU bookings were $1.2M last quarter; two account executives cover DACH.",
    ),
    (
        "Make our help desk the reason customers renew",
        "customer support",
        "Median first response time is 9 hours; CSAT is 78%.",
    ),
    ("Let every squad ship a small change the same day it is written", "engineering", None),
    ("Make our brand the first one cyclists think of", "marketing", None),
    (
        "Get every patient their test results within a day",
        "healthcare",
        "Results take 3 days on average today.",
    ),
]
MOCK_MODEL = "openai/gpt-4o-mini"


@contextmanager
def llm_calls_timed():
    """Record (start, end) of every `llm.acomplete` call made while inside; yields the list."""
    calls: list[tuple[float, float]] = []
    original = llm.acomplete

    async def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            calls.append((began, time.perf_counter()))

    llm.acomplete = timed
    try:
        yield calls
    finally:
        llm.acomplete = original


def union_ms(intervals: list[tuple[float, float]]) -> float:
    """Wall time covered by possibly overlapping intervals (concurrent candidates count once)."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total * 1000


async def one_draft(request: SuggestionRequest, settings) -> dict:
    """One suggestion: its step timings, the model's share, and the pipeline's own share."""
    with llm_calls_timed() as calls:
        began = time.perf_counter()
        suggestion = await pipeline.asuggest(request, settings=settings)
        wall_ms = (time.perf_counter() - began) * 1000
    steps = dict(suggestion.usage.timings_ms)
    generation_ms = union_ms(calls)
    # The generate and repair steps hold the model calls; what is left of them is our bookkeeping.
    repair_calls = calls[settings.candidates :]
    steps["generate (own)"] = steps.pop("generate", 0.0) - union_ms(calls[: settings.candidates])
    if "repair" in steps:
        steps["repair (own)"] = steps.pop("repair") - union_ms(repair_calls)
    return {
        "wall_ms": wall_ms,
        "latency_ms": suggestion.usage.latency_ms,
        "generation_ms": generation_ms,
        "calls": len(calls),
        "steps": steps,
        "krs": len(suggestion.key_results),
    }


def step_table(runs: list[dict], title: str) -> None:
    names = sorted(
        {name for run in runs for name in run["steps"]},
        key=lambda n: -statistics.fmean(run["steps"].get(n, 0.0) for run in runs),
    )
    print(f"\n{title}")
    print(f"  {'step':<18}{'mean ms':>10}{'share':>9}")
    total = statistics.fmean(run["latency_ms"] for run in runs)
    for name in names:
        mean = statistics.fmean(run["steps"].get(name, 0.0) for run in runs)
        print(f"  {name:<18}{mean:>10.1f}{100 * mean / total:>8.2f}%")
    generation = statistics.fmean(run["generation_ms"] for run in runs)
    print(f"  {'LLM calls':<18}{generation:>10.1f}{100 * generation / total:>8.2f}%")
    print(f"  {'draft (wall)':<18}{total:>10.1f}{100:>8.2f}%")


def bench_embedded(count: int) -> None:
    settings = get_settings()
    print(
        f"\n(a) embedded model {settings.model}, {settings.candidates} candidates, up to {settings.repair_attempts}"
        f" repair(s), {count} objective(s); loading ..."
    )
    began = time.perf_counter()
    pipeline.warm_up(settings)
    print(f"  warm_up {time.perf_counter() - began:.1f} s (not counted)")
    objective, team, context = OBJECTIVES[-1]
    asyncio.run(
        one_draft(SuggestionRequest(objective=objective, team_type=team, context=context, seed=99), settings)
    )
    runs = []
    for index, (objective, team, context) in enumerate((OBJECTIVES * 2)[:count]):
        request = SuggestionRequest(objective=objective, team_type=team, context=context, seed=index)
        run = asyncio.run(one_draft(request, settings))
        runs.append(run)
        own = run["latency_ms"] - run["generation_ms"]
        print(
            f"  {objective[:50]:<50} {run['latency_ms'] / 1000:6.1f} s, {run['calls']} LLM calls, {run['krs']} KRs,"
            f" non-generation {own:.0f} ms = {100 * own / run['latency_ms']:.2f}%"
        )
    step_table(runs, "per step, mean over the objectives (share of the draft's latency)")
    own = sum(run["latency_ms"] - run["generation_ms"] for run in runs)
    share = 100 * own / sum(run["latency_ms"] for run in runs)
    worst = max(100 * (run["latency_ms"] - run["generation_ms"]) / run["latency_ms"] for run in runs)
    print(
        f"  everything but generation: {share:.2f}% of draft latency overall (worst draft {worst:.2f}%) ->"
        f" {'met' if share < 5 else 'MISSED'} (target < 5%)"
    )


def bench_mock(requests: int) -> None:
    settings = get_settings().model_copy(update={"model": MOCK_MODEL, "mock_response": MOCK_DRAFT})
    litellm = llm._litellm()
    print(f"\n(b) mocked LLM ({MOCK_MODEL}, mock_response), {requests} requests; loading ...")
    pipeline.warm_up(settings)
    objective, team, context = OBJECTIVES[0]
    request = SuggestionRequest(objective=objective, team_type=team, context=context)
    messages = prompting.messages(
        "draft",
        settings.prompts_dir,
        examples=[],
        objective=objective,
        team_type=team,
        context=context,
        count=4,
    )

    async def bare_call() -> float:
        began = time.perf_counter()
        await litellm.acompletion(model=MOCK_MODEL, messages=messages, mock_response=MOCK_DRAFT)
        return (time.perf_counter() - began) * 1000

    async def measure() -> tuple[list[dict], list[float]]:
        for _ in range(3):  # first calls build caches (tokenizers, templates, the embedder's kernels)
            await one_draft(request, settings)
            await bare_call()
        runs, bare = [], []
        for _ in range(requests):  # alternate, so load on the machine hits both alike
            runs.append(await one_draft(request, settings))
            bare.append(await bare_call())
        return runs, bare

    runs, bare = asyncio.run(measure())
    step_table(runs, "per step, mean (share of the request)")
    pipeline_ms = statistics.median(run["latency_ms"] for run in runs)
    own_ms = statistics.median(run["latency_ms"] - run["generation_ms"] for run in runs)
    calls = statistics.median(run["calls"] for run in runs)
    bare_ms = statistics.median(bare)
    print(
        f"  pipeline per request: median {pipeline_ms:.1f} ms ({calls:g} mocked LLM calls each), of which its own"
        f" (outside the LLM calls) {own_ms:.1f} ms"
    )
    print(f"  bare litellm.acompletion(mock_response=...): median {bare_ms:.2f} ms")
    print(
        f"  ratio pipeline / bare call: {pipeline_ms / bare_ms:.1f}x; pipeline's own time / bare call:"
        f" {own_ms / bare_ms:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["embedded", "mock"], action="append", help="run only these parts")
    parser.add_argument(
        "--objectives", type=int, default=3, help="drafts with the embedded model (default 3)"
    )
    parser.add_argument("--requests", type=int, default=50, help="requests with the mocked LLM (default 50)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    parts = args.only or ["embedded", "mock"]
    if "embedded" in parts:
        bench_embedded(args.objectives)
    if "mock" in parts:
        bench_mock(args.requests)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
