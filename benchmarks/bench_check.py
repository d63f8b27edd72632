"""How fast is `okr check`? Prints wall times; not a test (the machine is shared, timings vary).

    python benchmarks/bench_check.py            # time okr check on the 50-objective Markdown file
    python benchmarks/bench_check.py --write    # (re)generate tests/data/okrs/fifty_objectives.md first

Measures: the `okr check` command end to end (new process each run, as a user or CI runs it), the same
check in-process, `validate` per set over the examples corpus, and `parse_kr_text` per KR.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIFTY = ROOT / "tests" / "data" / "okrs" / "fifty_objectives.md"

_OBJECTIVES = (
    "Grow our business in {place}", "Make onboarding effortless for {who}", "Win the trust of {who}",
    "Turn {place} into our second home market", "Make support feel personal for {who}",
    "Become the default choice for {who}", "Help {who} succeed in their first month",
)
_PLACES = ("the Nordics", "DACH", "France", "Spain", "Benelux", "Poland", "Italy", "the UK", "Ireland", "Portugal")
_WHO = ("small agencies", "new admins", "finance teams", "clinic managers", "first-time buyers", "store owners")
_OUTPUTS = (
    "Increase new bookings from EUR {a}k to EUR {b}k by end of Q{q}",
    "Raise trial-to-paid conversion from {p}% to {p2}% by end of Q{q}",
    "Cut monthly churn from {c}% to {c2}% by end of Q{q}",
    "Reduce average first response time from {h} hours to {h2} hours by end of Q{q}",
    "Improve customer satisfaction",  # a bad one, so the output has findings to print
    "Increase NPS to {n} by end of Q{q}",
)
_INPUTS = (
    "[input -> 1] Hold {d} qualified demos by end of Q{q}",
    "[input -> 1] Publish {d} customer case studies by end of Q{q}",
    "[input] Run {w} onboarding workshops by end of Q{q}",
    "[input -> 1] Call every new account within {h2} business days, down from {h} days, by end of Q{q}",
)
_INITIATIVES = ("[initiative] Launch a localized pricing page by May {day}", "[initiative] Work on the website")


def write_fifty(path: Path = FIFTY, seed: int = 7) -> None:
    """A 50-objective Markdown file as teams write it: headings, a context line, bullet KRs, some bad ones."""
    rng = random.Random(seed)
    lines = ["# Company OKRs, Q2 2027", ""]
    for index in range(1, 51):
        objective = rng.choice(_OBJECTIVES).format(place=rng.choice(_PLACES), who=rng.choice(_WHO))
        a = rng.randrange(200, 900, 10)
        numbers = {
            "a": a, "b": a + rng.randrange(50, 400, 10), "p": rng.randint(4, 9), "p2": rng.randint(10, 15),
            "c": rng.randint(3, 6), "c2": rng.randint(1, 2), "h": rng.randint(8, 24), "h2": rng.randint(1, 4),
            "n": rng.randint(30, 60), "d": rng.randint(20, 90), "w": rng.randint(3, 12), "q": rng.randint(2, 4),
            "day": rng.randint(1, 31),
        }
        lines.append(f"## Objective {index}: {objective}")
        if rng.random() < 0.5:
            lines.append(f"Context: Bookings were EUR {a}k last quarter; conversion is {numbers['p']}%.")
        krs = rng.sample(_OUTPUTS, 2) + rng.sample(_INPUTS, rng.randint(1, 2)) + rng.sample(_INITIATIVES, 1)
        lines += [f"- {kr.format(**numbers)}" for kr in krs]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def _okr_command() -> list[str]:
    okr = Path(sys.executable).with_name("okr")
    return [str(okr)] if okr.exists() else [sys.executable, "-m", "suggester.cli"]


def time_command(path: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of `okr check FILE`, one new process per run."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        completed = subprocess.run([*_okr_command(), "check", str(path)], capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if completed.returncode not in (0, 1):
            raise SystemExit(f"okr check failed: {completed.stderr}")
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="regenerate the 50-objective file first")
    parser.add_argument("--runs", type=int, default=5, help="runs of the okr command (default 5)")
    args = parser.parse_args()
    if args.write or not FIFTY.exists():
        write_fifty()

    from suggester.checking import check_files

    started = time.perf_counter()
    (report,) = check_files([FIFTY])
    in_process = time.perf_counter() - started
    krs = sum(len(s.okr.key_results) for s in report.sets)
    print(f"file: {FIFTY.relative_to(ROOT)}: {len(report.sets)} objectives, {krs} key results, "
          f"{report.errors} errors, {report.warnings} warnings, {report.infos} info")

    walls, cpus = time_command(FIFTY, args.runs)
    print(f"okr check (new process, {args.runs} runs): wall median {statistics.median(walls):.3f} s "
          f"(min {min(walls):.3f}, max {max(walls):.3f}); CPU median {statistics.median(cpus):.3f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"check_files in-process, first call (parse + validate): {in_process * 1000:.1f} ms")

    started = time.perf_counter()
    for _ in range(10):
        check_files([FIFTY])
    print(f"check_files in-process, warm: {(time.perf_counter() - started) * 100:.1f} ms per run")

    _bench_corpus()


def _bench_corpus() -> None:
    import yaml

    from suggester.krtext import parse_kr_text
    from suggester.models import CorpusExample
    from suggester.validation import validate

    examples = [
        CorpusExample.model_validate(item)
        for path in sorted((ROOT / "examples_corpus").glob("*.yaml"))
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []
    ]
    sets = [(example.as_okr_set(), example.context) for example in examples]
    texts = [kr.text for example in examples for kr in example.key_results]
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(5):
        for okr, context in sets:
            validate(okr, context=context)
    runs = 5 * len(sets)
    print(f"validate: {(time.perf_counter() - wall) / runs * 1e6:.0f} µs wall, "
          f"{(time.process_time() - cpu) / runs * 1e6:.0f} µs CPU per set ({len(sets)} corpus sets x 5)")
    wall, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        parse_kr_text(text)
    print(f"parse_kr_text: {(time.perf_counter() - wall) / len(texts) * 1e6:.0f} µs wall, "
          f"{(time.process_time() - cpu) / len(texts) * 1e6:.0f} µs CPU per KR ({len(texts)} corpus KRs)")


if __name__ == "__main__":
    main()
