"""`okr check`: lint OKR files against the rule catalogue. Parsing and printing only; the work is
done by `suggester.checking`. Nothing here imports an LLM or torch, so the command starts fast."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from suggester.cli.output import SEVERITY_STYLE, fail, styled

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
@click.option("--fix", is_flag=True,
              help="Rewrite flagged KRs with the model (the repair prompt) and print before -> after; "
                   "the file is not changed.")
@click.option("--model", "-m", default=None,
              help="With --fix: the litellm model string that rewrites (default: OKR_MODEL or local/gemma-3-270m).")
def check(
    files: tuple[Path, ...], output_format: str, list_rules: bool, profile: Path | None, context: str | None,
    fix: bool, model: str | None,
) -> None:
    """Lint OKR files (YAML, JSON, Markdown, plain text) against the rule catalogue.

    Exits 0 when no finding is an error, 1 when one is, 2 when a file cannot be read
    (or, with --fix, when the model cannot be reached). Use "-" to read Markdown from
    standard input. --fix suggests rewrites; the exit status still describes the file.

    \b
    Examples:
      okr check okrs.md
      okr check team/*.yaml --format json
      okr check okrs.md --profile okr-rules.yaml
      okr check okrs.md --fix
      okr check okrs.md --fix --model openai/gpt-4o-mini
      okr check --rules
    """
    from suggester.errors import SuggesterError

    if list_rules:
        _print_rules(output_format)
        return
    if model is not None and not fix:
        fail("--model only applies with --fix (plain checking uses no model)", EXIT_BAD_INPUT)
    if not files:
        fail("no file given; try `okr check okrs.md` (or `okr check --help`)", EXIT_BAD_INPUT)
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

    fixes = []
    if fix:
        try:
            fixes = _repair(reports, model)
        except SuggesterError as exc:
            fail(f"--fix: {exc.message}", EXIT_BAD_INPUT)

    if output_format == "json":
        rows = [report.model_dump(mode="json") for report in reports]
        payload = {"reports": rows, "fixes": [_fix_json(*item) for item in fixes]} if fix else rows
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for report in reports:
            _print_report(report)
        _print_summary(reports)
        if fix:
            _print_fixes(fixes)
    sys.exit(EXIT_FINDINGS if any(report.errors for report in reports) else EXIT_OK)


def _repair(reports, model: str | None) -> list[tuple]:
    """Send each set's flagged KRs through the repair prompt; returns (source, set, Fix) triples."""
    from suggester.cli.output import spinner
    from suggester.models import Severity
    from suggester.repair import fix_set
    from suggester.settings import get_settings

    settings = get_settings()
    if model:
        settings = settings.model_copy(update={"model": model})

    flagged = [
        (report.source, checked) for report in reports for checked in report.sets
        if any(f.kr and f.severity is not Severity.info for f in checked.findings)
    ]
    results = []
    for number, (source, checked) in enumerate(flagged, start=1):
        with spinner(f"Repairing flagged KRs of objective {number}/{len(flagged)}: {checked.okr.objective[:50]}"):
            for item in fix_set(checked.okr, checked.findings, context=checked.context, settings=settings):
                results.append((source, checked, item))
    return results


def _print_fixes(fixes) -> None:
    click.echo()
    click.echo(styled(f"Suggested rewrites ({len(fixes)} flagged KR{'s' * (len(fixes) != 1)})", "bold underline"))
    for source, checked, item in fixes:
        where = next((f.where for f in item.fixed + item.remaining if f.where), source)
        click.echo(f"  {styled(f'{where} {item.before.id}', 'dim')} {item.before.text}")
        if item.after is None:
            click.echo(f"    {styled('no better rewrite found', 'yellow')}")
        else:
            click.echo(f"    {styled(f'→ {item.after.text}', 'green')}")
        if item.fixed:
            click.echo(f"    {styled('fixed: ' + ', '.join(f.rule for f in item.fixed), 'dim')}")
        for finding in item.remaining:
            severity = finding.severity.value
            click.echo(f"    {styled(severity, SEVERITY_STYLE[severity])} {finding.rule}: {finding.message}")


def _fix_json(source, checked, item) -> dict:
    return {
        "source": source,
        "objective": checked.okr.objective,
        "kr": item.before.id,
        "before": item.before.model_dump(mode="json"),
        "after": item.after.model_dump(mode="json") if item.after else None,
        "fixed": [finding.rule for finding in item.fixed],
        "remaining": [finding.model_dump(mode="json") for finding in item.remaining],
    }


def _print_report(report) -> None:
    click.echo(styled(report.source, "bold"))
    for checked in report.sets:
        by_kr: dict[str | None, list] = {}
        for finding in checked.findings:
            by_kr.setdefault(finding.kr, []).append(finding)
        mark = styled("✓", "green") if not checked.findings else " "
        click.echo(f"{mark} {styled(checked.okr.objective, 'bold')}  {styled(checked.where or '', 'dim')}")
        for kr in checked.okr.key_results:
            if kr.id not in by_kr:
                continue
            inferred = "?" if kr.kind_inferred else ""
            line = styled(f"line {checked_line(by_kr[kr.id][0].where)}", "dim")
            click.echo(f"    {styled(f'{kr.id} {kr.kind.value}{inferred}', 'dim')} {kr.text}  {line}")
            for finding in by_kr[kr.id]:
                _print_finding(finding, indent=6)
        for finding in by_kr.get(None, []):
            _print_finding(finding, indent=4)
    click.echo()


def _print_finding(finding, indent: int) -> None:
    severity = finding.severity.value
    pad = " " * indent
    label = styled(f"{_SYMBOL[severity]} {severity}", SEVERITY_STYLE[severity])
    click.echo(f"{pad}{label} {styled(finding.rule, 'bold')}: {finding.message}")
    click.echo(f"{pad}  {styled('hint: ' + finding.hint, 'dim')}")


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
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}, {infos} info"
    click.echo(
        f"{styled(counts, style)} in {files} ({sets} objective{'s' * (sets != 1)}, {krs} key result{'s' * (krs != 1)})"
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
        click.echo(styled(title, "bold underline"))
        for rule in (rule for rule in RULES if rule.scope == scope):
            severity = rule.severity.value
            click.echo(f"  {styled(rule.id, 'bold')} {styled(severity, SEVERITY_STYLE[severity])}")
            click.echo(f"      {rule.message}")
            click.echo(f"      {styled('fix: ' + rule.hint, 'dim')}")
        click.echo()
