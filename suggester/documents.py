"""Read OKR documents: our structured YAML/JSON, and Markdown or plain text as people write it.

Every reader returns `DocumentSet`s: an OKRSet with its context and the line of each part, so a
finding can point at "file:line". KRs whose structured fields are missing are completed from their
text by `suggester.krtext.parse_kr_text`; the validators then only look at fields.

Markdown/plain text, the way teams write OKRs::

    # Q2 2027
    Context: EU bookings were EUR 0.4M last quarter.

    ## Grow our business in the EU
    - Increase new EU bookings from EUR 0.4M to EUR 0.7M by end of Q2
    - [input -> 1] Hold 60 qualified demos in Germany and France by end of Q2
    - [initiative] Launch a German-language website by April 30

An objective is a heading, an "Objective:" line, any plain line followed by bullet KRs, or a
bullet with its KRs nested below it.
"Context:", "Cycle:" and "Team:" lines apply to the objective above them (or to the whole file
when they come first). A `[input]`, `[output]` or `[initiative]` prefix gives the kind, and
`[input -> 1]` links an input to the first KR of its objective.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from suggester.errors import InputFileError
from suggester.krtext import parse_kr_text
from suggester.models import CorpusExample, KeyResult, Kind, NumberSource, OKRSet

if TYPE_CHECKING:
    import yaml  # imported where YAML is read: a Markdown check never pays for it

STRUCTURED_SUFFIXES = {".yaml", ".yml", ".json"}
_NUMERIC_FIELDS = ("baseline", "target", "relative", "unit", "baseline_source", "target_source")
_SUGGESTION_ONLY_KEYS = ("findings", "examples_used", "usage")  # `okr draft --json` output checks as a set
_CORPUS_KEYS = {"id", "industry", "stage", "horizon", "context"}


@dataclass
class DocumentSet:
    """One objective read from a document, with where each part was written."""

    okr: OKRSet
    context: str | None = None
    source: str = "<text>"
    line: int | None = None
    kr_lines: dict[str, int] = field(default_factory=dict)

    def where(self, kr_id: str | None = None) -> str:
        """"file:line" of a KR (or of the objective when `kr_id` is None or unknown)."""
        line = self.kr_lines.get(kr_id, self.line) if kr_id else self.line
        return f"{self.source}:{line}" if line else self.source


def load_document(path: str | Path) -> list[DocumentSet]:
    """Read one OKR file: YAML/JSON by suffix, anything else as Markdown/plain text.

    Raises:
        InputFileError: the file cannot be read or parsed; the message names the file and line.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read file ({exc.strerror})", path=str(path)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError(f"{path}:{line}: not UTF-8 text", path=str(path), line=line) from exc
    if path.suffix.lower() in STRUCTURED_SUFFIXES:
        return parse_structured(text, source=str(path), is_json=path.suffix.lower() == ".json")
    return parse_markdown(text, source=str(path))


# --------------------------------------------------------------------------- structured YAML / JSON


def parse_structured(text: str, *, source: str = "<text>", is_json: bool = False) -> list[DocumentSet]:
    """Read an OKRSet, a list of them, or corpus examples, from YAML or JSON text.

    KRs may omit `id` (numbered kr1, kr2, ...), `kind` (inferred from the wording) and any structured
    field their text already states.
    """
    data = _load_data(text, source, is_json)
    root = _compose(text)
    items = data if isinstance(data, list) else [data]
    if not items or data is None:
        raise InputFileError(f"{source}:1: no OKR set found (expected an objective with key_results)", path=source)
    sets = []
    for index, item in enumerate(items):
        node = _child(root, index) if isinstance(data, list) else root
        sets.append(_structured_set(item, node, source))
    return sets


def _load_data(text: str, source: str, is_json: bool) -> Any:
    if is_json:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{source}:{exc.lineno}: invalid JSON: {exc.msg}", path=source, line=exc.lineno) from exc
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputFileError(f"{source}:{line}: invalid YAML: {problem}", path=source, line=line) from exc


def _structured_set(item: Any, node: yaml.Node | None, source: str) -> DocumentSet:
    line = _line(node)
    if not isinstance(item, dict):
        raise InputFileError(f"{source}:{line}: expected a mapping with an objective and key_results", path=source)
    item = {key: value for key, value in item.items() if key not in _SUGGESTION_ONLY_KEYS}
    corpus_style = bool(_CORPUS_KEYS & set(item))
    due_default = item.get("horizon") if isinstance(item.get("horizon"), str) else None
    krs = item.get("key_results")
    if isinstance(krs, list):
        item["key_results"] = [
            _complete_kr(kr, index, due_default, trust_numbers=not corpus_style) if isinstance(kr, dict) else kr
            for index, kr in enumerate(krs, start=1)
        ]
    try:
        if corpus_style:
            example = CorpusExample.model_validate(item)
            okr, context = example.as_okr_set(), example.context
        else:
            okr, context = OKRSet.model_validate(item), None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _line(_descend(node, error["loc"]))
        field_path = ".".join(str(part) for part in error["loc"]) or "set"
        raise InputFileError(f"{source}:{where}: {field_path}: {error['msg']}", path=source, line=where) from exc
    krs_node = _child(node, "key_results")
    kr_lines = {kr.id: _line(_child(krs_node, index)) for index, kr in enumerate(okr.key_results)}
    return DocumentSet(okr=okr, context=context, source=source, line=line, kr_lines=kr_lines)


def _complete_kr(raw: dict, index: int, due_default: str | None, *, trust_numbers: bool) -> dict:
    """Fill the fields a KR's text states but its mapping leaves out. Given fields always win."""
    text = raw.get("text")
    if not isinstance(text, str):
        return raw
    given_kind = raw.get("kind") if raw.get("kind") in {kind.value for kind in Kind} else None
    parsed = parse_kr_text(text, id=str(raw.get("id") or f"kr{index}"), kind=given_kind, due_default=due_default)
    completed = dict(raw)
    completed.setdefault("id", parsed.id)
    if "kind" not in raw:
        completed["kind"], completed["kind_inferred"] = parsed.kind.value, True
    numbers_given = any(key in raw for key in ("baseline", "target", "relative"))
    filled = ["metric", "direction", "due"] + ([] if numbers_given else list(_NUMERIC_FIELDS))
    for key in filled:
        value = getattr(parsed, key)
        if key not in raw and value is not None:
            completed[key] = value.value if hasattr(value, "value") else value
    if not trust_numbers:
        # Corpus-style files carry a context: their baselines must be traced to it, not to the text.
        for key in ("baseline_source", "target_source"):
            if key not in raw:
                completed.pop(key, None)
    else:
        for number, source_key in (("baseline", "baseline_source"), ("target", "target_source")):
            if completed.get(number) is not None and completed.get(source_key) is None:
                completed[source_key] = NumberSource.document.value
    return completed


def complete_key_result(kr: KeyResult, *, own_numbers: bool = False) -> KeyResult:
    """Fill what a KR's text states but its fields leave empty (numbers only when none are given).

    Args:
        kr: the key result.
        own_numbers: the numbers are the author's (a user's own OKR set): a baseline or target with
            no source is marked "document" rather than left to be traced to a context.
    """
    parsed = parse_kr_text(kr.text, id=kr.id, kind=kr.kind, due_default=kr.due)
    updates = {key: getattr(parsed, key) for key in ("metric", "direction", "due") if getattr(kr, key) is None}
    numbers_given = kr.baseline is not None or kr.target is not None or kr.relative
    if not numbers_given and (parsed.baseline is not None or parsed.target is not None):
        updates.update({key: getattr(parsed, key) for key in _NUMERIC_FIELDS})
    if own_numbers:
        for number, source_key in (("baseline", "baseline_source"), ("target", "target_source")):
            if getattr(kr, number) is not None and getattr(kr, source_key) is None:
                updates[source_key] = NumberSource.document
    updates = {key: value for key, value in updates.items() if value is not None}
    return kr.model_copy(update=updates) if updates else kr


def _compose(text: str) -> yaml.Node | None:
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:  # valid JSON that YAML cannot read (tabs): lines fall back to the set start
        return None


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    import yaml

    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    return None


def _descend(node: yaml.Node | None, loc: tuple) -> yaml.Node | None:
    deepest = node
    for part in loc:
        child = _child(deepest, part)
        if child is None:
            break
        deepest = child
    return deepest


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


# --------------------------------------------------------------------------- Markdown / plain text

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<value>.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*+•]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(?P<value>.+)$")
_KR_LABEL = re.compile(r"^\s*(?:kr|key result)\s*[\d.]*\s*[:.)-]\s*(?P<value>.+)$", re.IGNORECASE)
_OBJECTIVE_LABEL = re.compile(
    r"^(?:objective|obj|o)\s*\d*(?:\.\d+)?\s*(?:\((?P<cycle>[^)]*)\))?\s*[:.)–—-]\s*(?P<value>.+)$", re.IGNORECASE
)
_META = re.compile(r"^(?P<key>context|cycle|horizon|quarter|period|timeframe|team|team type)\s*:\s*(?P<value>.*)$",
                   re.IGNORECASE)
_RULE_LINE = re.compile(r"^\s*(?:[=\-*_]\s*){3,}$")
_CYCLE_IN_TITLE = re.compile(r"\b(?:(?:Q[1-4]|H[12])\s*(?:FY)?'?\s*(?:(?:19|20)\d{2}|\d{2})?|FY\s?'?\d{2,4})\b")
_EMPHASIS = re.compile(r"(\*\*|__|`)")


@dataclass
class _Draft:
    objective: str
    line: int
    explicit: bool
    krs: list[tuple[str, int]] = field(default_factory=list)
    context: str | None = None
    cycle: str | None = None
    team: str | None = None
    kr_indent: int | None = None
    indent: int | None = None  # set when the objective is itself a bullet with its KRs nested below


def parse_markdown(text: str, *, source: str = "<text>") -> list[DocumentSet]:
    """Read OKRs from Markdown or plain text (see the module docstring for the shape).

    Raises:
        InputFileError: a KR comes before any objective, or the text holds no objective at all.
    """
    drafts: list[_Draft] = []
    document = _Draft(objective="", line=0, explicit=False)  # file-wide Context / Cycle / Team
    current: _Draft | None = None
    candidate: tuple[str, int] | None = None  # a plain line that becomes an objective if KRs follow
    in_fence = False
    lines = text.splitlines()
    for number, raw_line in enumerate(lines, start=1):
        line = raw_line.rstrip()
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip() or _RULE_LINE.match(line) or line.lstrip().startswith(("<!--", "|", ">")):
            continue
        heading, bullet = _HEADING.match(line), _BULLET.match(line)
        content = _clean(heading["value"] if heading else bullet["value"] if bullet else line)
        meta = _META.match(content)
        if meta:
            _apply_meta(current or document, meta["key"].lower(), meta["value"].strip())
            continue
        objective = _OBJECTIVE_LABEL.match(content)
        if objective:
            if candidate is not None:
                _title_cycle(candidate[0], document)
            indent = len(bullet["indent"].expandtabs(4)) if bullet else None
            current = _Draft(objective["value"].strip(), number, explicit=True, cycle=objective["cycle"], indent=indent)
            drafts.append(current)
            candidate = None
            continue
        kr_label = None if heading else _KR_LABEL.match(content)
        if bullet or kr_label:
            indent = len(bullet["indent"].expandtabs(4)) if bullet else 0
            if bullet and candidate is None and _has_children(lines, number, indent) and (
                current is None or (current.indent is not None and indent <= current.indent)
            ):
                current = _Draft(content, number, explicit=False, indent=indent)  # "- Objective" over nested KRs
                drafts.append(current)
                continue
            if current is not None and current.kr_indent is not None and indent > current.kr_indent:
                continue  # a nested note under a KR
            if candidate is not None:
                current = _Draft(candidate[0], candidate[1], explicit=False)
                drafts.append(current)
                candidate = None
            if current is None:
                raise InputFileError(
                    f"{source}:{number}: key result before any objective; put an objective line above it",
                    path=source, line=number,
                )
            if current.kr_indent is None:
                current.kr_indent = indent
            current.krs.append((content, number))
            continue
        if current is not None and current.krs and raw_line[:1].isspace() and not heading:
            text_so_far, kr_line = current.krs[-1]  # a wrapped KR line
            current.krs[-1] = (f"{text_so_far} {content}", kr_line)
            continue
        if candidate is not None:
            _title_cycle(candidate[0], document)
        candidate = (content, number)
        current = None
    if candidate is not None:
        _title_cycle(candidate[0], document)
    if not drafts:
        raise InputFileError(
            f"{source}:1: no objective found; write an objective line followed by bullet key results",
            path=source, line=1,
        )
    return [_markdown_set(draft, document, source) for draft in drafts]


def _has_children(lines: list[str], number: int, indent: int) -> bool:
    """True when the next non-blank line after line `number` is a bullet indented deeper than `indent`."""
    for following in lines[number:]:
        if following.strip():
            bullet = _BULLET.match(following.rstrip())
            return bullet is not None and len(bullet["indent"].expandtabs(4)) > indent
    return False


def _clean(text: str) -> str:
    return _EMPHASIS.sub("", text).strip()


def _apply_meta(draft: _Draft, key: str, value: str) -> None:
    if key == "context":
        draft.context = f"{draft.context} {value}".strip() if draft.context else value
    elif key in ("team", "team type"):
        draft.team = value
    else:
        draft.cycle = value


def _title_cycle(title: str, document: _Draft) -> None:
    """A heading with no KRs under it ("# Q3 2027 OKRs") may name the cycle for the whole file."""
    match = _CYCLE_IN_TITLE.search(title)
    if match and document.cycle is None:
        document.cycle = match.group(0).strip()


def _markdown_set(draft: _Draft, document: _Draft, source: str) -> DocumentSet:
    cycle = draft.cycle or document.cycle
    krs = [
        parse_kr_text(text, id=f"kr{index}", due_default=cycle) for index, (text, _) in enumerate(draft.krs, start=1)
    ]
    okr = OKRSet(objective=draft.objective, team_type=draft.team or document.team, key_results=krs)
    return DocumentSet(
        okr=okr,
        context=draft.context or document.context,
        source=source,
        line=draft.line,
        kr_lines={kr.id: line for kr, (_, line) in zip(krs, draft.krs)},
    )
