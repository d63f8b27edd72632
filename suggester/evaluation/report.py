"""The HTML report: one self-contained page (inline CSS and SVG, no script, no CDN).

    write_report([read_run("runs/dev-default"), read_run("runs/dev-no-repair")], Path("report.html"))

The first run is the main one. The page shows the summary table (a column per run), charts of each
metric by run, a per-team-type breakdown, and every case, expandable, with its KRs and findings in
every run.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from pathlib import Path

from suggester.evaluation.log import CaseResult, MetricSummary, RunLog
from suggester.evaluation.metrics import summarize
from suggester.evaluation.scorers import metrics
from suggester.render import numbers
from suggester.teams import normalize_team

CHART_METRICS = ("passed", "complete", "kr_pass_rate", "set_error_free", "drives_coverage", "answers_parsed",
                 "relevance", "max_pair_similarity", "corpus_similarity", "invented_baselines", "ref_recall", "mrr")
TEAM_METRICS = ("passed", "complete", "kr_pass_rate", "relevance")
COLORS = ("#2f6fbf", "#d9822b", "#3a9e5f", "#a3479b", "#7a7a7a", "#c23b3b")

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1d2330}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0}th,td{padding:3px 8px;border-bottom:1px solid #eceef3;text-align:left;vertical-align:top}
th{background:#f4f6fa;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ci{color:#778;font-size:12px}.muted{color:#778}.meta{color:#556;font-size:13px}
.good{color:#1e7b45}.bad{color:#b3261e}
.badge{display:inline-block;border-radius:3px;padding:0 6px;margin-right:4px;font-size:12px;color:#fff}
.pass{background:#2e8b57}.fail{background:#c0392b}.err{background:#6c3483}
details.case{border:1px solid #e2e5ec;border-radius:4px;margin:4px 0;padding:2px 8px}
details.case>summary{cursor:pointer;padding:3px 0}details.run{margin:6px 0 6px 8px}
details.run>summary{cursor:pointer;font-weight:600}
.kind-output{color:#1e7b45;font-weight:600}.kind-input{color:#2f6fbf;font-weight:600}.kind-initiative{color:#8e44ad;font-weight:600}
.sev-error{color:#b3261e;font-weight:600}.sev-warning{color:#b9770e}.sev-info{color:#2874a6}
pre{background:#f6f7f9;padding:6px;white-space:pre-wrap;font-size:12px;margin:4px 0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:10px}
.chart{border:1px solid #eceef3;border-radius:4px;padding:6px}.chart h3{font-size:13px;margin:0 0 4px}
.legend span{margin-right:12px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
"""


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _labels(runs: list[RunLog]) -> list[str]:
    """A column name per run: its variant, made unique with the folder name when two runs share one."""
    variants = [run.summary.config.variant for run in runs]
    return [v if variants.count(v) == 1 else f"{v} ({Path(run.path).name})" for v, run in zip(variants, runs)]


def _metric_cell(summary: MetricSummary | None) -> str:
    if summary is None or summary.mean is None:
        return '<td class="num muted">—</td>'
    return (f'<td class="num">{summary.mean:.3f} <span class="ci">[{_fmt(summary.ci_low)}, {_fmt(summary.ci_high)}]'
            f" n={summary.n}</span></td>")


def summary_table(runs: list[RunLog], labels: list[str]) -> str:
    known = metrics()
    names = [name for name in known if any(name in run.summary.metrics for run in runs)]
    head = "".join(f"<th>{escape(label)}</th>" for label in labels)
    rows = []
    for name in names:
        arrow = {True: "↑", False: "↓", None: ""}[known[name].higher_is_better]
        cells = "".join(_metric_cell(run.summary.metrics.get(name)) for run in runs)
        rows.append(f'<tr><th title="{escape(known[name].description)}">{escape(name)} {arrow}</th>{cells}</tr>')

    def row(title: str, values: list[str]) -> str:
        return f"<tr><th>{escape(title)}</th>" + "".join(f'<td class="num">{v}</td>' for v in values) + "</tr>"

    s = [run.summary for run in runs]
    rows += [
        row("cases", [str(x.cases) for x in s]),
        row("errors", [f"{x.errors} " + escape(", ".join(f"{k} {v}" for k, v in x.errors_by_type.items())) for x in s]),
        row("latency p50 / p95 (s)", [f"{x.latency_ms.get('p50', 0) / 1000:.1f} / {x.latency_ms.get('p95', 0) / 1000:.1f}"
                                      for x in s]),
        row("tokens per case", [f"{x.tokens.get('per_case', 0):.0f}" for x in s]),
        row("cost (USD)", [f"{x.cost_usd:.4f}" for x in s]),
        row("model calls (replayed)", [f"{x.calls} ({x.cached_calls})" for x in s]),
        row("wall time of the run (s)", [f"{x.wall_s:.0f}" for x in s]),
    ]
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(rows)}</table>"


def definitions() -> str:
    items = "".join(f"<li><b>{escape(m.name)}</b>: {escape(m.description)}</li>" for m in metrics().values())
    return f'<ul class="meta">{items}</ul>'


def bar_chart(name: str, values: list[MetricSummary | None], labels: list[str]) -> str:
    """Horizontal bars with 95% interval whiskers, one per run, as inline SVG."""
    width, bar, gap, left = 320, 16, 6, 120
    present = [v for v in values if v is not None and v.mean is not None]
    top = max([1.0] + [v.ci_high or v.mean for v in present])
    scale = (width - left - 40) / top
    height = len(values) * (bar + gap) + 4
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(name)} by run">']
    for i, (value, label) in enumerate(zip(values, labels)):
        y = i * (bar + gap) + 2
        parts.append(f'<text x="0" y="{y + bar - 4}" font-size="11">{escape(label[:18])}</text>')
        if value is None or value.mean is None:
            parts.append(f'<text x="{left}" y="{y + bar - 4}" font-size="11" fill="#778">n/a</text>')
            continue
        parts.append(f'<rect x="{left}" y="{y}" width="{max(value.mean * scale, 1):.1f}" height="{bar}" '
                     f'fill="{COLORS[i % len(COLORS)]}"/>')
        if value.ci_low is not None and value.ci_high is not None:
            x1, x2, mid = left + value.ci_low * scale, left + value.ci_high * scale, y + bar / 2
            parts.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{mid}" y2="{mid}" stroke="#222"/>'
                         f'<line x1="{x1:.1f}" x2="{x1:.1f}" y1="{mid - 4}" y2="{mid + 4}" stroke="#222"/>'
                         f'<line x1="{x2:.1f}" x2="{x2:.1f}" y1="{mid - 4}" y2="{mid + 4}" stroke="#222"/>')
        parts.append(f'<text x="{left + (value.ci_high or value.mean) * scale + 4:.1f}" y="{y + bar - 4}" '
                     f'font-size="11">{value.mean:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def charts(runs: list[RunLog], labels: list[str]) -> str:
    known = metrics()
    blocks = []
    for name in CHART_METRICS:
        values = [run.summary.metrics.get(name) for run in runs]
        if all(v is None or v.mean is None for v in values):
            continue
        arrow = {True: "higher is better", False: "lower is better", None: ""}[known[name].higher_is_better]
        blocks.append(f'<div class="chart"><h3>{escape(name)} <span class="muted">{arrow}</span></h3>'
                      f"{bar_chart(name, values, labels)}</div>")
    return f'<div class="charts">{"".join(blocks)}</div>'


def team_table(runs: list[RunLog], labels: list[str]) -> str:
    """Per team type: case count and errors, `passed` in every run, then the main run's other metrics."""
    by_team: dict[str, list[list[CaseResult]]] = defaultdict(lambda: [[] for _ in runs])
    for position, run in enumerate(runs):
        for result in run.cases:
            by_team[normalize_team(result.case.team_type)][position].append(result)
    head = "<th>team type</th><th>cases</th><th>errors</th>"
    head += "".join(f"<th>passed · {escape(label)}</th>" for label in labels)
    head += "".join(f"<th>{escape(name)}</th>" for name in TEAM_METRICS[1:])
    rows = []
    for team in sorted(by_team):
        results = by_team[team]
        main = results[0]
        cells = [f'<td class="num">{len(main)}</td>', f'<td class="num">{sum(r.error is not None for r in main)}</td>']
        cells += [f'<td class="num">{_fmt(summarize([r.scores.get("passed") for r in rs], True).mean, 2)}</td>'
                  for rs in results]
        cells += [f'<td class="num">{_fmt(summarize([r.scores.get(name) for r in main]).mean, 2)}</td>'
                  for name in TEAM_METRICS[1:]]
        rows.append(f"<tr><th>{escape(team[:40])}</th>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _badge(result: CaseResult | None, label: str) -> str:
    if result is None:
        return ""
    if result.error is not None:
        return f'<span class="badge err" title="{escape(result.error.type)}">{escape(label)}: error</span>'
    ok = result.scores.get("passed") == 1.0
    return f'<span class="badge {"pass" if ok else "fail"}">{escape(label)}: {"pass" if ok else "fail"}</span>'


def case_run(result: CaseResult, label: str, open_: bool) -> str:
    """One run's answer for a case: scores, KRs, findings, examples, error and raw model answers."""
    replayed = f", {result.usage.cached_calls} replayed" if result.usage.cached_calls else ""
    heading = (f'<details class="run"{" open" if open_ else ""}><summary>{escape(label)} <span class="muted">'
               f"{result.usage.latency_ms / 1000:.1f} s · {result.usage.calls} call(s){replayed}</span></summary>")
    parts = [heading]
    scores = " · ".join(f"{escape(k)} {_fmt(v, 2)}" for k, v in result.scores.items() if v is not None)
    parts.append(f'<div class="meta">{scores}</div>')
    if result.error is not None:
        parts.append(f'<p class="bad">{escape(result.error.type)}: {escape(result.error.message)}</p>')
    if result.output is not None and result.output.key_results:
        rows = "".join(
            f'<tr><td>{escape(kr.id)}</td><td class="kind-{kr.kind.value}">{kr.kind.value}</td><td>{escape(kr.text)}</td>'
            f'<td class="num">{escape(numbers(kr))}</td><td>{escape(", ".join(kr.drives)) or "—"}</td></tr>'
            for kr in result.output.key_results
        )
        parts.append(f"<table><tr><th>id</th><th>kind</th><th>key result</th><th>baseline → target</th>"
                     f"<th>drives</th></tr>{rows}</table>")
        if result.output.findings:
            items = "".join(
                f'<li><span class="sev-{f.severity.value}">{f.severity.value}</span> {escape(f.rule)}'
                f'{" (" + escape(f.kr) + ")" if f.kr else ""}: {escape(f.message)}</li>'
                for f in result.output.findings
            )
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append('<p class="good">No findings.</p>')
    if result.output is not None and result.output.examples_used:
        used = ", ".join(f"{escape(e.id)} ({e.score:.2f})" for e in result.output.examples_used)
        parts.append(f'<div class="meta">Examples used: {used}</div>')
    for number, call in enumerate(result.calls, start=1):
        parts.append(f'<details><summary class="muted">model answer {number}{" (replayed)" if call.cached else ""}, '
                     f"{call.latency_ms / 1000:.1f} s</summary><pre>{escape(call.text)}</pre></details>")
    if result.error is not None and result.error.last_output and not result.calls:
        parts.append(f"<pre>{escape(result.error.last_output)}</pre>")
    parts.append("</details>")
    return "".join(parts)


def case_list(runs: list[RunLog], labels: list[str]) -> str:
    indexes = [run.by_id() for run in runs]
    blocks = []
    for result in runs[0].cases:
        case = result.case
        others = [index.get(case.id) for index in indexes]
        badges = "".join(_badge(r, label) for r, label in zip(others, labels))
        inputs = [f"<b>Objective:</b> {escape(case.objective)}", f"<b>Team:</b> {escape(case.team_type)}"]
        if case.context:
            inputs.append(f"<b>Context:</b> {escape(case.context)}")
        if case.reference_krs:
            inputs.append("<b>Reference KRs:</b> " + "; ".join(escape(r) for r in case.reference_krs))
        if case.relevant_example_ids:
            inputs.append("<b>Relevant examples:</b> " + ", ".join(escape(r) for r in case.relevant_example_ids))
        if case.metadata:
            inputs.append("<b>Metadata:</b> " + escape(", ".join(f"{k}={v}" for k, v in case.metadata.items())))
        runs_html = "".join(case_run(r, label, i == 0) for i, (r, label) in enumerate(zip(others, labels)) if r)
        blocks.append(
            f'<details class="case" id="case-{escape(case.id)}"><summary>{badges}<b>{escape(case.id)}</b> '
            f'<span class="muted">{escape(normalize_team(case.team_type)[:40])}</span> · {escape(case.objective[:110])}'
            f'</summary><div class="meta">{"<br>".join(inputs)}</div>{runs_html}</details>'
        )
    return "".join(blocks)


def render_report(runs: list[RunLog]) -> str:
    """The whole page as a string."""
    labels = _labels(runs)
    main = runs[0].summary
    config = main.config
    legend = "".join(f'<span><i class="swatch" style="background:{COLORS[i % len(COLORS)]}"></i>{escape(label)}</span>'
                     for i, label in enumerate(labels))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>okr-suggester eval · {escape(config.dataset)}</title><style>{CSS}</style></head><body>
<h1>okr-suggester evaluation</h1>
<p class="meta">Dataset <b>{escape(config.dataset)}</b> ({main.cases} cases, hash {escape(config.dataset_hash)}) ·
model <b>{escape(config.model)}</b> · seed {config.seed} · commit {escape(config.git_commit or "unknown")} ·
started {escape(main.started_at)}. Intervals are 95% (Wilson for pass/fail metrics, bootstrap otherwise);
↑ higher is better, ↓ lower is better. Latency of replayed answers counts their original time.</p>
<h2>Summary</h2>{summary_table(runs, labels)}
<details><summary class="muted">What the metrics mean</summary>{definitions()}</details>
<h2>Metrics by run</h2><p class="legend">{legend}</p>{charts(runs, labels)}
<h2>By team type</h2>{team_table(runs, labels)}
<h2>Cases</h2><p class="meta">Click a case to see its input and, for every run, the key results, findings,
examples used and the model's raw answers.</p>{case_list(runs, labels)}
</body></html>
"""


def write_report(runs: list[RunLog], path: Path) -> Path:
    """Write the report for one or more runs (the first is the main one) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(runs), encoding="utf-8")
    return path
