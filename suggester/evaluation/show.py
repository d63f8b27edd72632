"""Terminal tables for run summaries and comparisons (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from suggester.evaluation.log import MetricSummary, RunSummary
from suggester.evaluation.scorers import metrics

console = Console()


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"  # one case gives no interval


def fmt_interval(summary: MetricSummary) -> str:
    if summary.mean is None:
        return "—"
    return f"{summary.mean:.3f} [{fmt(summary.ci_low)}, {fmt(summary.ci_high)}]"


def print_summary(summary: RunSummary) -> None:
    """Metric table (mean and 95% interval), then errors, latency, tokens and cost."""
    config = summary.config
    table = Table(title=f"{config.dataset} · {config.model} · {config.variant}", title_justify="left")
    for column in ("metric", "mean [95% CI]", "n", "better"):
        table.add_column(column)
    known = metrics()
    for name, value in summary.metrics.items():
        better = {True: "↑", False: "↓", None: ""}[known[name].higher_is_better] if name in known else ""
        table.add_row(name, fmt_interval(value), str(value.n), better)
    console.print(table)
    errors = ", ".join(f"{kind} {count}" for kind, count in summary.errors_by_type.items()) or "none"
    latency = summary.latency_ms
    console.print(
        f"cases {summary.cases} · errors {summary.errors} ({errors}) · wall {summary.wall_s:.1f} s · "
        f"latency p50 {latency.get('p50', 0) / 1000:.1f} s, p95 {latency.get('p95', 0) / 1000:.1f} s · "
        f"tokens {summary.tokens.get('prompt', 0):.0f}+{summary.tokens.get('completion', 0):.0f} · "
        f"cost ${summary.cost_usd:.4f} · model calls {summary.calls} ({summary.cached_calls} replayed)",
        highlight=False,
    )


def print_comparison(comparison) -> None:
    """Per-metric table (A, B, B - A with its interval, verdict), then the cases that flipped."""
    table = Table(title=f"{comparison.run_a} → {comparison.run_b} ({comparison.joined} joined cases)",
                  title_justify="left")
    for column in ("metric", "A", "B", "B − A [95% CI]", ""):
        table.add_column(column)
    for delta in comparison.deltas:
        if delta.delta.mean is None:
            verdict = ""
        elif delta.regressed:
            verdict = f"[bold red]regressed[/] (limit {delta.max_worsening})"
        else:
            better = delta.higher_is_better
            moved = delta.delta.ci_low is not None and (delta.delta.ci_low > 0 or delta.delta.ci_high < 0)
            up = delta.delta.mean > 0
            verdict = "" if better is None or not moved else ("[green]better[/]" if up == better else "[yellow]worse[/]")
        table.add_row(delta.name, fmt(delta.a.mean), fmt(delta.b.mean),
                      f"{delta.delta.mean:+.3f} [{_signed(delta.delta.ci_low)}, {_signed(delta.delta.ci_high)}]"
                      if delta.delta.mean is not None else "—", verdict)
    console.print(table)
    if not comparison.same_dataset:
        console.print("[yellow]warning:[/] the runs used different datasets; only joined cases are compared")
    for title, ids in (("pass → fail", comparison.pass_to_fail), ("fail → pass", comparison.fail_to_pass),
                       ("new errors", comparison.new_errors), ("only in A", comparison.only_in_a),
                       ("only in B", comparison.only_in_b)):
        if ids:
            console.print(f"{title} ({len(ids)}): {', '.join(ids)}", highlight=False)
    regressions = comparison.regressions
    if regressions:
        console.print(f"[bold red]{len(regressions)} metric(s) regressed past their threshold:[/] "
                      + ", ".join(d.name for d in regressions))
