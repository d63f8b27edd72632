"""CLI start-up (issue 8, target 1): `okr --help` and `okr check FILE` against a bare `import pydantic`.

    .venv/bin/python benchmarks/bench_startup.py              # 10 rounds, then the import audit and draft start
    .venv/bin/python benchmarks/bench_startup.py --rounds 5 --skip-draft

Prints:
  1. wall time (median, min, max over --rounds new processes, the three commands interleaved round by round
     so that load on the shared machine hits them alike) and each command's ratio to the baseline
     `python -c "import pydantic"` (target: under 3x);
  2. an import audit from `python -X importtime`: the heavy packages (torch, sentence_transformers, litellm,
     llama_cpp) must not be imported by either command; any that is gets printed with its cost, and the
     slowest imports are listed either way;
  3. `okr draft` start: the heavy parts (corpus index + embedder, embedded model) loaded once each, in
     parallel by `suggester.pipeline.warm_up`, against the same parts loaded one after the other, each in a
     fresh process, and a second `warm_up` in the same process (it must cost nothing: loaded once).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
OKR = str(Path(sys.executable).parent / "okr")
HEAVY = ("torch", "sentence_transformers", "litellm", "llama_cpp")

OKR_FILE = """# Growth team OKRs, Q2 2027

Context: We closed EUR 0.4M of new EU bookings last quarter. Trial-to-paid conversion is 8%.

## Objective 1: Grow our business in the EU

- Increase new EU bookings from EUR 0.4M to EUR 0.7M by end of Q2
- [input -> 1] Hold 60 qualified demos with prospects in Germany and France by end of Q2
- [initiative] Launch a German-language website and sales deck by April 30

## Objective 2: Make onboarding effortless for new teams

1. Raise trial-to-paid conversion from 8% to 12%
2. [input -> 1] Ship 3 onboarding experiments by May 31
3. Improve the onboarding experience significantly
"""

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def wall(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, cwd=ROOT, check=False
    )
    return time.perf_counter() - began


def bench_wall(commands: dict[str, list[str]], rounds: int) -> dict[str, list[float]]:
    for command in commands.values():  # warm the OS file cache and .pyc files: we measure a warm start
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            times[name].append(wall(command))
    return times


def import_audit(command: list[str]) -> tuple[list[tuple[str, int, int]], int]:
    """(name, self us, cumulative us) of every module `-X importtime` reports, and the exit code."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", *command], capture_output=True, text=True, env=ENV, cwd=ROOT, check=False
    )
    modules = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = (cell.strip() for cell in line.removeprefix("import time:").split("|"))
        modules.append((name, int(self_us), int(cumulative_us)))
    return modules, done.returncode


def report_imports(label: str, modules: list[tuple[str, int, int]]) -> bool:
    heavy = [(name, cumulative) for name, _, cumulative in modules if name.split(".")[0] in HEAVY]
    top_level = sorted((m for m in modules if "." not in m[0]), key=lambda m: -m[2])[:6]
    total_ms = sum(self_us for _, self_us, _ in modules) / 1000
    print(f"\n{label}: {len(modules)} modules imported, {total_ms:.0f} ms of import time in total")
    print(
        "  slowest top-level imports (cumulative ms): "
        + ", ".join(f"{name} {cumulative / 1000:.0f}" for name, _, cumulative in top_level)
    )
    if heavy:
        print(
            "  HEAVY MODULES IMPORTED: "
            + ", ".join(f"{name} ({us / 1000:.0f} ms)" for name, us in heavy[:20])
        )
    else:
        print(f"  none of {', '.join(HEAVY)} imported")
    return not heavy


_DRAFT_START = """
import json, os, sys, time
began = time.perf_counter()
from suggester import llm, pipeline
from suggester.retrieval import get_retriever
from suggester.settings import get_settings
imported = time.perf_counter() - began
settings = get_settings()
figures = {"import pipeline s": imported}
mode = sys.argv[1]
began = time.perf_counter()
if mode == "parallel":
    pipeline.warm_up(settings)
else:
    retriever = get_retriever(settings)
    figures["index s"] = time.perf_counter() - began
    middle = time.perf_counter()
    retriever.embed_texts(["warm up"])  # the embedder's model loads on first use
    figures["embedder s"] = time.perf_counter() - middle
    middle = time.perf_counter()
    llm.warm_up(settings.model, settings)
    figures["model s"] = time.perf_counter() - middle
figures["load s"] = time.perf_counter() - began
figures["embedder loaded"] = "sentence_transformers" in sys.modules  # else the first query pays for it
began = time.perf_counter()
pipeline.warm_up(settings)  # what a second request or a second command in the process would pay
figures["second warm_up s"] = time.perf_counter() - began
began = time.perf_counter()
get_retriever(settings).search("Grow our business in the EU", "sales")
figures["first search s"] = time.perf_counter() - began
print(json.dumps(figures))
"""


def bench_draft_start(rounds: int) -> None:
    """warm_up (parallel) against loading the same parts one after the other, fresh processes, alternating."""
    results: dict[str, list[dict]] = {"parallel": [], "sequential": []}
    for mode in ("parallel",):  # first run builds the index cache and writes the model file if missing
        subprocess.run([PYTHON, "-c", _DRAFT_START, mode], capture_output=True, env=ENV, cwd=ROOT, check=True)
    for _ in range(rounds):
        for mode, runs in results.items():
            done = subprocess.run(
                [PYTHON, "-c", _DRAFT_START, mode],
                capture_output=True,
                text=True,
                env=ENV,
                cwd=ROOT,
                check=False,
            )
            if done.returncode:
                raise SystemExit(f"draft start ({mode}) failed:\n{done.stderr[-2000:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))

    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    print(
        f"\n3. `okr draft` start, fresh process each, median of {rounds} (model {os.environ.get('OKR_MODEL', 'default')})"
    )
    print(
        f"  import suggester.pipeline (no heavy modules yet): {median('parallel', 'import pipeline s'):.2f} s"
    )
    index_s, embedder_s = median("sequential", "index s"), median("sequential", "embedder s")
    model_s = median("sequential", "model s")
    sequential, parallel = median("sequential", "load s"), median("parallel", "load s")
    print(
        f"  one after the other: corpus index {index_s:.2f} s, embedder model {embedder_s:.2f} s, LLM {model_s:.2f} s"
        f" = {sequential:.2f} s"
    )
    print(
        f"  pipeline.warm_up (two threads):  {parallel:.2f} s  -> {sequential / parallel:.2f}x faster than one after"
        f" the other; the floor is the slower branch alone, {max(index_s + embedder_s, model_s):.2f} s"
    )
    print(
        f"  a second warm_up in the same process: {1000 * median('parallel', 'second warm_up s'):.2f} ms (loaded once)"
    )
    loaded = all(r["embedder loaded"] for r in results["parallel"])
    print(f"  embedder model loaded by warm_up: {loaded}")
    print(f"  first retrieval after warm_up: {1000 * median('parallel', 'first search s'):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10, help="new processes per command (default 10)")
    parser.add_argument(
        "--draft-rounds", type=int, default=3, help="fresh processes per draft-start mode (default 3)"
    )
    parser.add_argument("--skip-draft", action="store_true", help="leave out the `okr draft` start (part 3)")
    parser.add_argument(
        "--only-draft", action="store_true", help="measure only the `okr draft` start (part 3)"
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    if args.only_draft:
        bench_draft_start(args.draft_rounds)
        print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
        return
    with tempfile.TemporaryDirectory(prefix="okr-startup-") as tmp:
        okr_file = Path(tmp) / "okrs.md"
        okr_file.write_text(OKR_FILE, encoding="utf-8")
        commands = {
            'python -c "import pydantic"': [PYTHON, "-c", "import pydantic"],
            "okr --help": [OKR, "--help"],
            "okr check okrs.md": [OKR, "check", str(okr_file)],
        }
        times = bench_wall(commands, args.rounds)
        baseline = statistics.median(times['python -c "import pydantic"'])
        print(f"\n1. wall time of a new process, {args.rounds} rounds interleaved (ms)")
        print(f"  {'command':<30}{'median':>9}{'min':>9}{'max':>9}{'ratio':>9}")
        for name, seconds in times.items():
            ratio = statistics.median(seconds) / baseline
            verdict = "" if name.startswith("python") else ("  met (<3x)" if ratio < 3 else "  MISSED (>=3x)")
            print(
                f"  {name:<30}{statistics.median(seconds) * 1000:>9.0f}{min(seconds) * 1000:>9.0f}"
                f"{max(seconds) * 1000:>9.0f}{ratio:>8.2f}x{verdict}"
            )

        print("\n2. import audit (python -X importtime)")
        clean = True
        for label, command in (
            ("okr --help", [OKR, "--help"]),
            ("okr check okrs.md", [OKR, "check", str(okr_file)]),
        ):
            modules, code = import_audit(command)
            clean &= report_imports(f"{label} (exit {code})", modules)
        print(f"  heavy imports target: {'met' if clean else 'MISSED'}")

    if not args.skip_draft:
        bench_draft_start(args.draft_rounds)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
