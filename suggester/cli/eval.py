"""`okr eval`: run a dataset through the pipeline, compare two runs, gate CI, write an HTML report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from suggester.cli.output import console, err_console, fail, spinner

DEFAULT_CACHE = "~/.cache/okr-suggester/responses.jsonl"


@click.group(name="eval")
def eval_group() -> None:
    """Score suggestion quality over datasets, compare runs, gate CI.

    \b
    Examples:
      okr eval run eval/datasets/dev.jsonl --out runs/dev
      okr eval run eval/datasets/dev.jsonl --variant no-repair --out runs/dev-no-repair
      okr eval compare runs/dev runs/dev-no-repair
      okr eval gate runs/dev --thresholds eval/ci_thresholds.json
      okr eval report runs/dev runs/dev-no-repair --html runs/report.html
      okr eval outcomes runs/dev
    """


@eval_group.command("run")
@click.argument("dataset", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--model", "-m", default=None, help="litellm model string (default: OKR_MODEL or local/gemma-3-270m)."
)
@click.option(
    "--variant",
    default="default",
    show_default=True,
    type=click.Choice(["default", "no-retrieval", "zero-shot", "no-repair", "repair-findings", "no-context-metrics"]),
    help="Pipeline variant: switch one stage off to measure what it is worth.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run folder for cases.jsonl and summary.json (default: runs/<dataset>-<variant>).",
)
@click.option(
    "--concurrency", "-j", type=click.IntRange(1, 64), default=1, show_default=True, help="Cases in flight."
)
@click.option("--limit", "-n", type=click.IntRange(1), default=None, help="Only the first N cases.")
@click.option("--seed", type=int, default=7, show_default=True, help="Sampling seed given to every case.")
@click.option(
    "--cache",
    "cache_path",
    default=DEFAULT_CACHE,
    show_default=True,
    help="Response cache file (JSONL); a re-run of the same configuration replays it.",
)
@click.option(
    "--no-cache", is_flag=True, help="Call the model for every case; neither read nor write the cache."
)
@click.option(
    "--retrieval-only",
    is_flag=True,
    help="Score retrieval alone (recall@k, MRR), no model calls: for datasets with relevant_example_ids.",
)
def run(dataset, model, variant, out, concurrency, limit, seed, cache_path, no_cache, retrieval_only):
    """Run DATASET (JSONL, one case a line) through the real pipeline and score every case.

    Writes OUT/cases.jsonl (input, output, scores, latency, tokens, cost, error per case) and
    OUT/summary.json (each metric's mean with a 95% interval). A case that fails is recorded and
    counted; the run goes on.

    \b
    Examples:
      okr eval run eval/datasets/ci.jsonl --out runs/ci
      okr eval run eval/datasets/dev.jsonl --variant zero-shot --limit 5 --no-cache
      okr eval run eval/datasets/retrieval.jsonl --retrieval-only --out runs/retrieval
    """
    from suggester.errors import SuggesterError
    from suggester.evaluation import load_dataset, run_eval
    from suggester.settings import get_settings

    try:
        cases = load_dataset(dataset)[:limit]
        settings = get_settings()
        if model:
            settings = settings.model_copy(update={"model": model})
        out = out or Path("runs") / f"{dataset.stem}-{variant}"
        cache = None if no_cache else Path(cache_path).expanduser()
        with _progress(len(cases), f"{settings.model} · {variant}") as advance:
            summary = run_eval(
                cases,
                dataset=str(dataset),
                out=out,
                settings=settings,
                variant=variant,
                seed=seed,
                cache_path=cache,
                concurrency=concurrency,
                retrieval_only=retrieval_only,
                on_case=advance,
            )
    except SuggesterError as exc:
        fail(exc.message)
    except KeyboardInterrupt:
        fail("interrupted (finished cases are in cases.partial.jsonl)", code=130)
    from suggester.evaluation.show import print_summary

    print_summary(summary)
    console.print(f"[dim]wrote {out}/cases.jsonl and {out}/summary.json[/]")


@eval_group.command("rescore")
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, path_type=Path))
def rescore(run_dir):
    """Score RUN again from its log after a scorer changed: no pipeline, no model calls.

    Rewrites RUN/cases.jsonl and RUN/summary.json; outputs, usage and wall time are kept.

    \b
    Example:
      okr eval rescore runs/dev-default
    """
    from suggester.errors import SuggesterError
    from suggester.evaluation import read_run
    from suggester.evaluation.log import write_cases, write_summary
    from suggester.evaluation.runner import rescore as rescore_run
    from suggester.evaluation.scorers import Resources
    from suggester.evaluation.show import print_summary
    from suggester.retrieval import get_retriever

    try:
        log = read_run(run_dir)
        with spinner("Loading the corpus index and the embedder…"):
            summary = rescore_run(log, Resources.from_retriever(get_retriever()))
        write_cases(run_dir, log.cases)
        write_summary(run_dir, summary)
    except SuggesterError as exc:
        fail(exc.message)
    print_summary(summary)


def _progress(total: int, label: str):
    """A progress bar on stderr, advanced once per finished case (errors counted in the label)."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    @contextmanager
    def bar():
        errors = 0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=False,
            disable=not err_console.is_terminal,
        ) as progress:
            task = progress.add_task(label, total=total)

            def advance(result) -> None:
                nonlocal errors
                errors += result.error is not None
                progress.update(
                    task, advance=1, description=f"{label} · {errors} error(s)" if errors else label
                )
                if not err_console.is_terminal:  # logs and CI: one line per case
                    status = result.error.type if result.error else "ok"
                    print(
                        f"[{progress.tasks[0].completed:.0f}/{total}] {result.id}: {status} "
                        f"({result.usage.wall_ms / 1000:.1f} s)",
                        file=sys.stderr,
                        flush=True,
                    )

            yield advance

    return bar()


def _limits(pairs: tuple[str, ...], option: str) -> dict[str, float]:
    limits = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            limits[name.strip()] = float(value)
        except ValueError:
            fail(f"{option} {pair!r}: expected METRIC=NUMBER, e.g. passed=0.05", code=2)
    return limits


@eval_group.command("compare")
@click.argument("run_a", type=click.Path(file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--max-worsening",
    "worsening",
    multiple=True,
    metavar="METRIC=N",
    help="Fail when B is worse than A on METRIC by more than N (absolute); repeatable. "
    "Replaces the defaults for the metrics it names.",
)
@click.option("--no-gate", is_flag=True, help="Report only: exit 0 even past the thresholds.")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare(run_a, run_b, worsening, no_gate, as_json):
    """Compare RUN_B against RUN_A (the baseline), joined on case id.

    Prints each metric's mean in both runs and the paired delta (B - A) with its 95% interval, then the
    cases that went from pass to fail. Exits 1 when a metric got worse past its threshold, 2 on bad input.

    \b
    Examples:
      okr eval compare runs/dev-default runs/dev-no-repair
      okr eval compare runs/main runs/branch --max-worsening passed=0.02 --max-worsening relevance=0.01
    """
    from suggester.errors import SuggesterError
    from suggester.evaluation import read_run
    from suggester.evaluation.compare import DEFAULT_MAX_WORSENING, compare_runs
    from suggester.evaluation.show import print_comparison

    limits = {**DEFAULT_MAX_WORSENING, **_limits(worsening, "--max-worsening")}
    try:
        comparison = compare_runs(read_run(run_a), read_run(run_b), limits)
    except SuggesterError as exc:
        fail(exc.message, code=2)  # bad input; 1 means a regression
    if as_json:
        sys.stdout.write(comparison.model_dump_json(indent=2) + "\n")
    else:
        print_comparison(comparison)
    if comparison.regressions and not no_gate:
        sys.exit(1)


@eval_group.command("gate")
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--thresholds",
    "-t",
    "thresholds_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help='JSON file of bounds: {"min": {...}, "max": {...}, "min_cases": N}.',
)
@click.option(
    "--min", "mins", multiple=True, metavar="METRIC=N", help="Fail when METRIC's mean is below N; repeatable."
)
@click.option(
    "--max",
    "maxes",
    multiple=True,
    metavar="METRIC=N",
    help="Fail when METRIC's mean is above N; repeatable.",
)
def gate(run_dir, thresholds_path, mins, maxes):
    """Fail (exit 1) when RUN's summary is past any threshold: the CI quality gate (exit 2: bad input).

    \b
    Examples:
      okr eval gate runs/ci --thresholds eval/ci_thresholds.json
      okr eval gate runs/ci --min passed=0.5 --max invented_baselines=0 --max error_rate=0.1
    """
    from suggester.errors import SuggesterError
    from suggester.evaluation import read_run
    from suggester.evaluation.gate import Thresholds, check_gate, load_thresholds

    try:
        thresholds = load_thresholds(thresholds_path) if thresholds_path else Thresholds()
        thresholds.min.update(_limits(mins, "--min"))
        thresholds.max.update(_limits(maxes, "--max"))
        if not thresholds.min and not thresholds.max:
            fail("no thresholds: give --thresholds FILE, --min or --max", code=2)
        summary = read_run(run_dir).summary
        failures = check_gate(summary, thresholds)
    except SuggesterError as exc:
        fail(exc.message, code=2)  # bad input; 1 means a regression
    checked = len(thresholds.min) + len(thresholds.max)
    if failures:
        for line in failures:
            err_console.print(f"[bold red]below the gate:[/] {line}", highlight=False)
        fail(f"{run_dir}: {len(failures)} of {checked} threshold(s) not met")
    console.print(
        f"[green]gate passed[/]: {run_dir} meets {checked} threshold(s) over {summary.cases} cases",
        highlight=False,
    )


@eval_group.command("outcomes")
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the totals as JSON.")
def outcomes(run_dir, as_json):
    """Pool RUN's per-case outcomes: parse rate, complete sets, error-free KRs, median latency, repair success.

    Reads the outcome each case carries in RUN/cases.jsonl (run `okr eval rescore RUN` first on older logs).

    \b
    Example:
      okr eval outcomes runs/dev-default --json
    """
    from suggester.errors import SuggesterError
    from suggester.evaluation import read_run
    from suggester.evaluation.outcome import outcome_totals

    try:
        log = read_run(run_dir)
    except SuggesterError as exc:
        fail(exc.message)
    missing = [result.id for result in log.cases if result.outcome is None]
    if missing:
        fail(f"{len(missing)} case(s) of {run_dir} have no outcome: run `okr eval rescore {run_dir}` first")
    totals = outcome_totals([result.outcome for result in log.cases])
    if as_json:
        sys.stdout.write(totals.model_dump_json(indent=2) + "\n")
        return
    for name, value in totals.model_dump().items():
        console.print(f"{name:<26} {'—' if value is None else value}", highlight=False)


@eval_group.command("report")
@click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the page (default: RUN/report.html of the first run).",
)
def report(runs, html_path):
    """Write a self-contained HTML report of one or more RUNS (the first is the main one).

    The page has the summary table, charts of each metric by run (e.g. one run per variant), a
    per-team-type breakdown, and every case, expandable, with its KRs and findings.

    \b
    Examples:
      okr eval report runs/dev-default
      okr eval report runs/dev-default runs/dev-no-retrieval runs/dev-zero-shot runs/dev-no-repair --html report.html
    """
    from suggester.errors import SuggesterError
    from suggester.evaluation import read_run
    from suggester.evaluation.report import write_report

    try:
        logs = [read_run(run) for run in runs]
        path = write_report(logs, html_path or Path(runs[0]) / "report.html")
    except SuggesterError as exc:
        fail(exc.message, code=2)
    except OSError as exc:
        fail(f"cannot write the report {exc.filename or html_path}: {exc.strerror}", code=2)
    console.print(f"wrote {path}", highlight=False)
