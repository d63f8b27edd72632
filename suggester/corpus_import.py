"""Bring-your-own corpus: import a team's own OKR sets (CSV, JSONL, JSON, YAML) into a corpus folder.

Every record is validated alone: good sets are written, bad rows are reported with their row numbers
and reasons, and one bad row never costs the good ones.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from suggester.corpus import CORPUS_SUFFIXES, RawRecord, format_validation_error, read_records
from suggester.documents import complete_key_result
from suggester.errors import CorpusError
from suggester.models import CorpusExample

# CSV columns: one row per KR; the set columns repeat or stay blank after a set's first row.
SET_COLUMNS = ("id", "team_type", "industry", "stage", "horizon", "objective", "context")
KR_COLUMNS = ("kr_id", "kind", "text", "metric", "baseline", "target", "unit", "direction", "due", "drives", "rationale")
UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class RejectedRow:
    """A record `okr corpus import` refused, with where it was and every reason."""

    where: str
    reasons: list[str]


@dataclass
class ImportResult:
    """What an import accepted and what it refused; nothing good is dropped because of a bad row."""

    accepted: list[CorpusExample]
    rejected: list[RejectedRow]


def _csv_records(path: Path) -> Iterator[RawRecord]:
    """Group CSV rows (one per KR) into set records keyed by `id`, else by objective."""

    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"objective", "kind", "text"} - set(reader.fieldnames or [])
        if missing:
            raise CorpusError(f"{path}: CSV header lacks column(s): {', '.join(sorted(missing))}", path=str(path))
        unknown = set(reader.fieldnames or []) - set(SET_COLUMNS) - set(KR_COLUMNS)
        if unknown:
            raise CorpusError(f"{path}: unknown CSV column(s): {', '.join(sorted(unknown))}", path=str(path))
        groups: dict[str, tuple[list[int], dict[str, Any]]] = {}
        for number, row in enumerate(reader, start=2):  # row 1 is the header
            row = {key: (value or "").strip() for key, value in row.items() if key}
            key = row.get("id") or row.get("objective") or f"row {number}"
            rows, record = groups.setdefault(key, ([], {"key_results": []}))
            rows.append(number)
            for column in SET_COLUMNS:
                if row.get(column):
                    record.setdefault(column, row[column])
            kr = {column.removeprefix("kr_"): row[column] for column in KR_COLUMNS if row.get(column)}
            if "drives" in kr:
                kr["drives"] = [part for part in kr["drives"].replace(",", " ").replace(";", " ").split()]
            record["key_results"].append(kr)
    for rows, record in groups.values():
        where = f"row {rows[0]}" if len(rows) == 1 else f"rows {', '.join(map(str, rows))}"
        yield RawRecord(where, record)


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split()) or "set"


def _fill_defaults(data: dict[str, Any], number: int, stem: str, team_type: str | None) -> dict[str, Any]:
    """Fill what a team's own file may lack; the objective, context and KRs must be theirs."""
    data = dict(data)
    if team_type and not data.get("team_type"):
        data["team_type"] = team_type
    data.setdefault("id", f"{_slug(stem)}-{number:03d}")
    for field in ("industry", "stage", "horizon"):
        data.setdefault(field, UNSPECIFIED)
    data.setdefault("context", "")
    krs = data.get("key_results")
    if isinstance(krs, list):
        data["key_results"] = [
            {"id": f"kr{index}", **kr} if isinstance(kr, dict) and "id" not in kr else kr
            for index, kr in enumerate(krs, start=1)
        ]
    return data


def rule_errors(example: CorpusExample) -> list[str]:
    """Error-level findings of the rule catalogue for one example, as `rule [kr]: message` lines."""
    from suggester.validation import validate

    findings = validate(example.as_okr_set(), context=example.context or None)
    return [
        f"{finding.rule}{f' [{finding.kr}]' if finding.kr else ''}: {finding.message}"
        for finding in findings
        if finding.severity.value == "error"
    ]


def import_sets(
    path: Path,
    *,
    team_type: str | None = None,
    existing_ids: Iterable[str] = (),
    check: Any = rule_errors,
) -> ImportResult:
    """Read a team's own OKR sets (CSV, JSONL or YAML) and sort them into accepted and rejected.

    Each set must pass the corpus schema and have no error-level finding; missing ids, industry,
    stage and horizon are filled in, and `team_type` is the default for sets that lack one.

    Args:
        path: the file to import. CSV has one row per KR (columns `SET_COLUMNS` + `KR_COLUMNS`).
        team_type: team type for sets that do not name one.
        existing_ids: ids already in the corpus; a set reusing one is rejected.
        check: `example -> list[str]` of error messages; the rule catalogue by default.

    Raises:
        CorpusError: the file cannot be read at all (missing, unknown format, broken YAML).
    """
    if not path.is_file():
        raise CorpusError(f"file not found: {path}", path=str(path))
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".json", *CORPUS_SUFFIXES}:
        raise CorpusError(f"{path}: unsupported file type {suffix!r}; use .csv, .jsonl, .yaml or .yml")
    try:
        records = list(_csv_records(path) if suffix == ".csv" else read_records(path))
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 (Excel: 'CSV UTF-8') and import again",
            path=str(path),
        ) from None
    taken = set(existing_ids)
    result = ImportResult(accepted=[], rejected=[])
    for number, record in enumerate(records, start=1):
        if isinstance(record.data, CorpusError):
            result.rejected.append(RejectedRow(record.where, [record.data.message]))
            continue
        if not isinstance(record.data, dict):
            result.rejected.append(RejectedRow(record.where, ["expected a mapping with objective and key_results"]))
            continue
        try:
            example = CorpusExample.model_validate(_fill_defaults(record.data, number, path.stem, team_type))
        except ValidationError as exc:
            result.rejected.append(RejectedRow(record.where, [format_validation_error(exc)]))
            continue
        # A team's file often holds only the KR sentences: read metric, numbers and due date from them,
        # as `okr check` does (the numbers are the author's own).
        completed = [complete_key_result(kr, own_numbers=True) for kr in example.key_results]
        example = example.model_copy(update={"key_results": completed})
        reasons = [f"id {example.id!r} is already in the corpus"] if example.id in taken else []
        reasons += check(example)
        if reasons:
            result.rejected.append(RejectedRow(f"{record.where}, id {example.id}", reasons))
        else:
            taken.add(example.id)
            result.accepted.append(example)
    return result


def write_corpus_file(examples: list[CorpusExample], folder: Path, stem: str) -> Path:
    """Write examples as a new YAML corpus file in `folder`, never overwriting an existing file."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}.yaml"
    counter = 2
    while target.exists():
        target, counter = folder / f"{stem}-{counter}.yaml", counter + 1
    data = [example.model_dump(mode="json", exclude_defaults=True) for example in examples]
    header = "# Imported with `okr corpus import`.\n"
    target.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    return target
