"""Terminal output shared by the commands: one-line errors, progress on stderr, the suggestion table.

rich loads only for what needs it (tables, spinners): `okr check` prints with click alone.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from rich.console import Console

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
KIND_STYLE = {"output": "bold green", "input": "bold blue", "initiative": "magenta"}
_ATTRIBUTES = {"bold", "dim", "underline"}


@cache
def _console(stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr)


def __getattr__(name: str) -> Console:
    if name in ("console", "err_console"):
        return _console(name == "err_console")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def styled(text: str, style: str) -> str:
    """`text` in a rich-like style ("bold red", "dim"); click drops the colours when not on a terminal."""
    words = style.split()
    colours = [word for word in words if word not in _ATTRIBUTES]
    return click.style(text, fg=colours[0] if colours else None, **{word: True for word in words if word in _ATTRIBUTES})


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` on stderr and exit with `code`: never a traceback."""
    click.echo(f"{styled('error:', 'bold red')} {message}", err=True)
    sys.exit(code)


@contextmanager
def spinner(text: str):
    """A status line on stderr while slow work runs (silent when stderr is not a terminal)."""
    err_console = _console(True)
    if err_console.is_terminal:
        with err_console.status(text):
            yield
    else:
        yield


def print_suggestion(suggestion) -> None:
    """The table a manager reads: kind, KR, baseline → target, due, drives, findings; then hints and sources."""
    from rich.markup import escape
    from rich.table import Table

    from suggester.render import numbers

    console = _console(False)
    title = f"{escape(suggestion.objective)}  [dim]({escape(suggestion.team_type)})[/]"
    table = Table(title=title, show_lines=True, title_justify="left")
    for column, ratio in (("#", 0), ("kind", 0), ("key result", 4), ("baseline → target", 0), ("due", 0), ("drives", 0), ("findings", 2)):
        table.add_column(column, overflow="fold", ratio=ratio or None)
    by_kr: dict[str | None, list] = {}
    for finding in suggestion.findings:
        by_kr.setdefault(finding.kr, []).append(finding)
    for kr in suggestion.key_results:
        table.add_row(
            kr.id, f"[{KIND_STYLE[kr.kind.value]}]{kr.kind.value}[/]", escape(kr.text), escape(numbers(kr)),
            kr.due or "—", ", ".join(kr.drives) or "—",
            "\n".join(f"[{SEVERITY_STYLE[f.severity.value]}]{f.severity.value}[/] {f.rule}" for f in by_kr.get(kr.id, [])) or "[green]ok[/]",
        )
    console.print(table)
    # One line per distinct finding, naming every KR it concerns: four KRs with the same unknown baseline
    # are one note, not four.
    grouped: dict[tuple, list[str]] = {}
    for finding in suggestion.findings:
        key = (finding.severity.value, finding.rule, finding.message, finding.hint)
        grouped.setdefault(key, []).append(finding.kr or "set")
    for (severity, rule, message, hint), where in grouped.items():
        console.print(
            f"[{SEVERITY_STYLE[severity]}]{severity}[/] {', '.join(where)} {rule}: {escape(message)} [dim]{escape(hint)}[/]",
            highlight=False,
        )
    if suggestion.examples_used:
        console.print("[dim]Examples drawn on: " + ", ".join(e.id for e in suggestion.examples_used) + "[/]")
    usage = suggestion.usage
    console.print(
        f"[dim]{escape(usage.model)}: {usage.attempts} call(s), {usage.prompt_tokens}+{usage.completion_tokens} tokens, "
        f"${usage.cost_usd:.4f}, {usage.latency_ms / 1000:.1f} s[/]"
    )
