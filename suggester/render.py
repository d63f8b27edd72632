"""Plain-text views of key results shared by the CLI, the HTTP page and exports."""

from __future__ import annotations

from suggester.models import Direction, KeyResult, Kind, Suggestion
from suggester.numbers import format_quantity


def numbers(kr: KeyResult) -> str:
    """`24 hours → 4 hours`, `unknown → +20%`, `0 → 60`, `done`."""
    if kr.direction is Direction.complete:
        return "done"
    if kr.target is None:
        return "no target"
    if kr.relative:
        sign = "-" if kr.direction is Direction.decrease else "+"
        return f"unknown → {sign}{format_quantity(kr.target, '%')}"
    if kr.baseline is None:
        start = "0" if kr.kind is Kind.input and kr.unit == "count" else "unknown"
        return f"{start} → {format_quantity(kr.target, kr.unit)}"
    return f"{format_quantity(kr.baseline, kr.unit)} → {format_quantity(kr.target, kr.unit)}"


def to_markdown(suggestion: Suggestion) -> str:
    """The set as Markdown that `okr check` reads back: an objective heading and typed bullets."""
    lines = [f"# {suggestion.objective}", "", f"Team: {suggestion.team_type}", ""]
    for kr in suggestion.key_results:
        tag = f"{kr.kind.value} -> {', '.join(kr.drives)}" if kr.drives else kr.kind.value
        lines.append(f"- [{tag}] {kr.text}")
    return "\n".join(lines) + "\n"
