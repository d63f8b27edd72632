"""`okr check`: lint OKR files against the rule catalogue. Parsing and printing only; the work is
done by `suggester.checking`. Nothing here imports an LLM or torch, so the command starts fast."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from suggester.cli.output import SEVERITY_STYLE, console, fail

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
_SYMBOL = {"error": "✗", "warning": "!", "info": "i"}


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for tools and CI.")
@click.option("--rules", "list_rules", is_flag=True, help="List the rule catalogue and exit.")
@click.option("--profile", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file that switches rules off or changes severities (default: $OKR_RULE_PROFILE).")
@click.option("--context", help="Your situation in a sentence or two; baselines must trace back to it.")
@click.option("--fix", is_flag=True, help="Send flagged KRs through the repair prompt (needs a model).")
def check(
    files: tuple[Path, ...], output_format: str, list_rules: bool, profile: Path | None, context: str | None,
    fix: bool,
) -> None:
    """Lint OKR files (YAML, JSON, Markdown, plain text) against the rule catalogue.

    Exits 0 when no finding is an error, 1 when one is, 2 when a file cannot be read.
    Use "-" to read Markdown from standard input.

    \b
    Examples:
      okr check okrs.md
      okr check team/*.yaml --format json
      okr check okrs.md --profile okr-rules.yaml
      okr check --rules
    """
    from suggester.errors import SuggesterError

    if list_rules:
        _print_rules(output_format)
        return
    if not files:
        fail("no file given; try `okr check okrs.md` (or `okr check --help`)", EXIT_BAD_INPUT)
    if fix:
        fail("--fix is not available yet: the repair step (suggester.repair) is not wired in", EXIT_BAD_INPUT)
    from suggester.checking import check as check_text
    from suggester.checking import check_files, check_sets, settings_profile
    from suggester.documents import load_document
    from suggester.validation import load_profile

    try:
        rule_profile = load_profile(profile) if profile else settings_profile()
        reports = []
        for path in files:
            if str(path) == "-":
                reports.append(check_text(sys.stdin.read(), context=context, profile=rule_profile, source="<stdin>"))
            elif context is not None:
                reports.append(check_sets(load_document(path), source=str(path), context=context, profile=rule_profile))
            else:
                reports.extend(check_files([path], profile=rule_profile))
    except SuggesterError as exc:
        fail(exc.message, EXIT_BAD_INPUT)

    if output_format == "json":
        click.echo(json.dumps([report.model_dump(mode="json") for report in reports], indent=2, ensure_ascii=False))
    else:
        for report in reports:
            _print_report(report)
        _print_summary(reports)
    sys.exit(EXIT_FINDINGS if any(report.errors for report in reports) else EXIT_OK)


def _print_report(report) -> None:
    from rich.markup import escape

    console.print(f"[bold]{escape(report.source)}[/]", highlight=False)
    for checked in report.sets:
        by_kr: dict[str | None, list] = {}
        for finding in checked.findings:
            by_kr.setdefault(finding.kr, []).append(finding)
        mark = "[green]✓[/]" if not checked.findings else " "
        console.print(f"{mark} [bold]{escape(checked.okr.objective)}[/]  [dim]{escape(checked.where or '')}[/]",
                      highlight=False)
        for kr in checked.okr.key_results:
            if kr.id not in by_kr:
                continue
            inferred = "?" if kr.kind_inferred else ""
            line = f"  [dim]line {checked_line(by_kr[kr.id][0].where)}[/]"
            console.print(f"    [dim]{kr.id} {kr.kind.value}{inferred}[/] {escape(kr.text)}{line}", highlight=False)
            for finding in by_kr[kr.id]:
                _print_finding(finding, indent=6)
        for finding in by_kr.get(None, []):
            _print_finding(finding, indent=4)
    console.print()


def _print_finding(finding, indent: int) -> None:
    from rich.markup import escape

    severity = finding.severity.value
    pad = " " * indent
    console.print(
        f"{pad}[{SEVERITY_STYLE[severity]}]{_SYMBOL[severity]} {severity}[/] [bold]{finding.rule}[/]: "
        f"{escape(finding.message)}",
        highlight=False,
    )
    console.print(f"{pad}  [dim]hint: {escape(finding.hint)}[/]", highlight=False)


def checked_line(where: str | None) -> str:
    """The line part of "file:line"."""
    return where.rsplit(":", 1)[1] if where and ":" in where else "?"


def _print_summary(reports) -> None:
    errors = sum(report.errors for report in reports)
    warnings = sum(report.warnings for report in reports)
    infos = sum(report.infos for report in reports)
    sets = sum(len(report.sets) for report in reports)
    krs = sum(len(checked.okr.key_results) for report in reports for checked in report.sets)
    style = "bold red" if errors else "yellow" if warnings else "green"
    files = f"{len(reports)} file{'s' if len(reports) != 1 else ''}"
    console.print(
        f"[{style}]{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}, {infos} info[/]"
        f" in {files} ({sets} objective{'s' * (sets != 1)}, {krs} key result{'s' * (krs != 1)})",
        highlight=False,
    )


def _print_rules(output_format: str) -> None:
    from suggester.validation import RULES

    if output_format == "json":
        rows = [
            {"id": r.id, "scope": r.scope, "severity": r.severity.value, "message": r.message, "hint": r.hint}
            for r in RULES
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for scope, title in (("kr", "Per key result"), ("set", "Per set (objective + key results)")):
        console.print(f"[bold underline]{title}[/]")
        for rule in (rule for rule in RULES if rule.scope == scope):
            severity = rule.severity.value
            console.print(f"  [bold]{rule.id}[/] [{SEVERITY_STYLE[severity]}]{severity}[/]", highlight=False)
            console.print(f"      {rule.message}", highlight=False)
            console.print(f"      [dim]fix: {rule.hint}[/]", highlight=False)
        console.print()
