"""Terminal output shared by the commands: one-line errors, progress on stderr, the suggestion table."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import NoReturn

from rich.console import Console

console = Console()
err_console = Console(stderr=True)
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
KIND_STYLE = {"output": "bold green", "input": "bold blue", "initiative": "magenta"}


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` on stderr and exit with `code`: never a traceback."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    sys.exit(code)


@contextmanager
def spinner(text: str):
    """A status line on stderr while slow work runs (silent when stderr is not a terminal)."""
    if err_console.is_terminal:
        with err_console.status(text):
            yield
    else:
        yield


def print_suggestion(suggestion) -> None:
    """The table a manager reads: kind, KR, baseline → target, due, drives, findings; then hints and sources."""
    from rich.table import Table

    from suggester.render import numbers

    table = Table(title=f"{suggestion.objective}  [dim]({suggestion.team_type})[/]", show_lines=True, title_justify="left")
    for column, ratio in (("#", 0), ("kind", 0), ("key result", 4), ("baseline → target", 0), ("due", 0), ("drives", 0), ("findings", 2)):
        table.add_column(column, overflow="fold", ratio=ratio or None)
    by_kr: dict[str | None, list] = {}
    for finding in suggestion.findings:
        by_kr.setdefault(finding.kr, []).append(finding)
    for kr in suggestion.key_results:
        table.add_row(
            kr.id, f"[{KIND_STYLE[kr.kind.value]}]{kr.kind.value}[/]", kr.text, numbers(kr), kr.due or "—",
            ", ".join(kr.drives) or "—",
            "\n".join(f"[{SEVERITY_STYLE[f.severity.value]}]{f.severity.value}[/] {f.rule}" for f in by_kr.get(kr.id, [])) or "[green]ok[/]",
        )
    console.print(table)
    for finding in suggestion.findings:
        where = finding.kr or "set"
        console.print(
            f"[{SEVERITY_STYLE[finding.severity.value]}]{finding.severity.value}[/] {where} {finding.rule}: "
            f"{finding.message} [dim]{finding.hint}[/]",
            highlight=False,
        )
    if suggestion.examples_used:
        console.print("[dim]Examples drawn on: " + ", ".join(e.id for e in suggestion.examples_used) + "[/]")
    usage = suggestion.usage
    console.print(
        f"[dim]{usage.model}: {usage.attempts} call(s), {usage.prompt_tokens}+{usage.completion_tokens} tokens, "
        f"${usage.cost_usd:.4f}, {usage.latency_ms / 1000:.1f} s[/]"
    )
