"""Tolerant parser for the model's key-result lines.

The model writes one KR per line, `kind | what is measured | direction [| drives N]`. Small models
drift: numbering, casing, missing fields, chatter. Whatever comes back, this never raises; lines it
cannot read become problems that the repair step can show to the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from suggester.models import Direction, KeyResult, Kind

_KINDS = {k.value: k for k in Kind} | {"outcome": Kind.output, "lever": Kind.input, "project": Kind.initiative}
_DIRECTIONS = {d.value: d for d in Direction} | {
    "increase": Direction.increase,
    "grow": Direction.increase,
    "raise": Direction.increase,
    "up": Direction.increase,
    "decrease": Direction.decrease,
    "reduce": Direction.decrease,
    "lower": Direction.decrease,
    "cut": Direction.decrease,
    "down": Direction.decrease,
    "maintain": Direction.reach,
    "hold": Direction.reach,
    "keep": Direction.reach,
    "done": Direction.complete,
    "launch": Direction.complete,
    "finish": Direction.complete,
}
_NUMBERING = re.compile(r"^\s*(?:[-*•]|\(?\d{1,2}[.):])\s*")
_DRIVES = re.compile(r"drives?\s*:?\s*((?:#?\d+\s*(?:,|and|&)?\s*)+)", re.I)
_STOP = re.compile(r"^\s*(objective|context|key results?)\b", re.I)
_LEADING_VERB = re.compile(
    r"^(?:(?:to|an?|the)\s+)?(?:increase|decrease|reduce|grow|raise|improve|boost|cut|lower|achieve|reach|hit|get|"
    r"drive|maintain|keep|hold|double|halve|growth|reduction|improvement)(?:s|d|ed)?\s+(?:(?:in|of|the|our)\s+)*",
    re.I,
)
_NUMBER_PHRASE = re.compile(
    r"(?:[$€£]\s?)?\b\d[\d,.]*(?:st|nd|rd|th)?(?:\s*(?:%|(?:percent|million|billion|thousand|euros?|dollars?|usd|eur|gbp|bn|k|m)\b))*"
    r"(?:-day|-hour|-week)?\s*(?:\b(?:of|in|to|from)\b\s*)?",
    re.I,
)


def clean_metric(metric: str) -> str:
    """What is measured, without a leading verb or numbers: the code owns direction and numbers."""
    metric = re.sub(r"\s+", " ", metric).strip(" .;:-")
    for _ in range(2):
        metric = _LEADING_VERB.sub("", metric).strip()
    metric = _NUMBER_PHRASE.sub("", metric)
    metric = re.sub(r"\b(\w+)(?:\s+\1\b)+", r"\1", metric, flags=re.I)  # "release release" -> "release"
    metric = re.sub(r"\s+(?:to|from|by|of|in|at|for)$", "", metric.strip(" .;:-,"))
    return re.sub(r"\s+", " ", metric).strip(" .;:-,")


@dataclass
class DraftLine:
    """One KR as the model proposed it: what to measure, its kind and direction, no numbers."""

    kind: Kind
    metric: str
    direction: Direction | None = None
    drives: list[int] = field(default_factory=list)  # 1-based line numbers of output lines
    raw: str = ""

    def render(self, number_of: dict[int, int] | None = None) -> str:
        """The line in prompt shape; `number_of` renumbers `drives` when lines were reordered."""
        parts = [self.kind.value, self.metric, (self.direction or _default_direction(self.kind)).value]
        if self.kind is Kind.input and self.drives:
            targets = [str((number_of or {}).get(d, d)) for d in self.drives]
            parts.append("drives " + ", ".join(targets))
        return " | ".join(parts)


def _default_direction(kind: Kind) -> Direction:
    return Direction.complete if kind is Kind.initiative else Direction.increase


@dataclass
class ParseResult:
    lines: list[DraftLine]
    problems: list[str]


def parse_lines(text: str, limit: int = 8) -> ParseResult:
    """Read KR lines from model output; stop at the next few-shot block or after `limit` lines."""
    lines: list[DraftLine] = []
    problems: list[str] = []
    for raw in (text or "").splitlines():
        stripped = raw.strip()
        if not stripped:
            if lines:
                break
            continue
        if _STOP.match(stripped):
            if lines:
                break
            continue
        line, problem = _parse_one(stripped)
        if line is not None:
            lines.append(line)
        elif problem:
            problems.append(problem)
        if len(lines) >= limit:
            break
    if not lines:
        problems.append("no key-result line could be read from the model output")
    return ParseResult(lines, problems)


def _parse_one(raw: str) -> tuple[DraftLine | None, str | None]:
    body = _NUMBERING.sub("", raw).strip().strip("`")
    cells = [c.strip(" .;\"'") for c in body.split("|")]
    cells = [c for c in cells if c]
    if len(cells) < 2:
        return None, f"not in the 'kind | what is measured | direction' shape: {raw[:80]!r}"
    kind = _KINDS.get(cells[0].lower().rstrip(":"))
    if kind is None:
        return None, f"unknown kind {cells[0][:20]!r} (use input, output or initiative): {raw[:80]!r}"
    if kind is Kind.initiative and _LEADING_VERB.match(cells[1]):
        kind = Kind.output  # "initiative | increase in donor cancellations": a metric, not a project
    metric = re.sub(r"\s+", " ", cells[1]).strip() if kind is Kind.initiative else clean_metric(cells[1])
    if not metric or not re.search(r"[A-Za-z]", metric) or len(metric) > 160:
        return None, f"no readable metric in {raw[:80]!r}"
    direction = None
    drives: list[int] = []
    for cell in cells[2:]:
        match = _DRIVES.search(cell)
        if match:
            drives = [int(n) for n in re.findall(r"\d+", match.group(1))]
            continue
        word = cell.lower().split()[0] if cell.split() else ""
        if direction is None and word in _DIRECTIONS:
            direction = _DIRECTIONS[word]
    if kind is Kind.initiative:
        direction = Direction.complete
    elif direction is Direction.complete or cells[0].lower().startswith("initiative"):
        direction = None  # only initiatives complete; let composition decide
    return DraftLine(kind=kind, metric=metric, direction=direction, drives=drives, raw=raw), None


_DUE_TAIL = re.compile(r"\s*(,\s*)?\b(by|before|until|through)\b.*$", re.I)


def line_from_key_result(kr: KeyResult, ids: list[str]) -> DraftLine:
    """The prompt-shaped line for a written KR (few-shot examples, repair of a user's KR)."""
    metric = kr.metric or kr.text
    if kr.kind is Kind.initiative:
        metric = _DUE_TAIL.sub("", kr.text).strip() or metric
    drives = [ids.index(d) + 1 for d in kr.drives if d in ids]
    return DraftLine(kind=kr.kind, metric=metric, direction=kr.direction, drives=drives, raw=kr.text)
