"""The examples corpus on disk: find the files, read them strictly, and hash their content.

A corpus folder holds YAML files (a list of OKR sets) and JSONL files (one set a line), each set a
`CorpusExample`. Every problem names its file and the item (YAML) or line (JSONL) it comes from, so a
writer can fix it without hunting. `scan_corpus` collects all problems (for `okr corpus validate`);
`load_corpus` raises on the first file that has any (for everything that needs a usable corpus).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from suggester.errors import CorpusError
from suggester.models import CorpusExample
from suggester.teams import normalize_team

CORPUS_SUFFIXES = (".yaml", ".yml", ".jsonl")


@dataclass(frozen=True)
class CorpusProblem:
    """One thing wrong with a corpus file: where it is and what is wrong."""

    file: Path
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


@dataclass(frozen=True)
class RawRecord:
    """One parsed but not yet validated record, with a human label for where it sits in its file."""

    where: str
    data: Any


def format_validation_error(exc: ValidationError) -> str:
    """Turn a pydantic error into one line: `key_results.2.kind: Input should be ...; ...`."""
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        parts.append(f"{location}: {error['msg']}" if location else error["msg"])
    return "; ".join(parts)


def as_dirs(dirs: Path | str | Iterable[Path | str]) -> list[Path]:
    """Accept one folder or several."""
    if isinstance(dirs, (str, Path)):
        return [Path(dirs)]
    return [Path(item) for item in dirs]


def corpus_files(dirs: Path | Iterable[Path]) -> list[Path]:
    """List the corpus files under the given folders (recursively, sorted; a file path is taken as is).

    Raises:
        CorpusError: a folder does not exist.
    """
    files: list[Path] = []
    for folder in as_dirs(dirs):
        if folder.is_file():
            files.append(folder)
        elif folder.is_dir():
            files.extend(
                sorted(
                    path
                    for path in folder.rglob("*")
                    if path.suffix.lower() in CORPUS_SUFFIXES and path.is_file() and not path.name.startswith(".")
                )
            )
        else:
            raise CorpusError(f"corpus folder not found: {folder}", path=str(folder))
    return files


# libyaml when present: the pure-Python parser takes seconds for the shipped corpus.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse once, keeping both the node tree (for line numbers) and the data."""
    loader = _YAML_LOADER(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def read_records(path: Path) -> Iterator[RawRecord]:
    """Yield the raw records of one YAML, JSONL or JSON-array file, each labelled with its item or line.

    Raises:
        CorpusError: the file cannot be read or parsed at all (names the file and line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read: {exc}", path=str(path)) from exc
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                yield RawRecord(f"line {number}", json.loads(line))
            except json.JSONDecodeError as exc:
                yield RawRecord(f"line {number}", CorpusError(f"invalid JSON: {exc.msg} (column {exc.colno})"))
        return
    if path.suffix.lower() == ".json":  # a JSON array of sets (import only; the corpus uses JSONL)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}", path=str(path)) from exc
        if not isinstance(data, list):
            raise CorpusError(f"{path}: the top level must be a list of OKR sets", path=str(path))
        for index, item in enumerate(data, start=1):
            yield RawRecord(f"item {index}", item)
        return
    try:
        root, data = _parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise CorpusError(f"{path}: {where}invalid YAML: {getattr(exc, 'problem', exc)}", path=str(path)) from exc
    if data is None:
        return
    if not isinstance(data, list):
        raise CorpusError(f"{path}: the top level must be a list of OKR sets", path=str(path))
    for index, (item, node) in enumerate(zip(data, root.value), start=1):
        yield RawRecord(f"item {index} (line {node.start_mark.line + 1})", item)


def read_corpus_file(path: Path) -> tuple[list[CorpusExample], list[CorpusProblem]]:
    """Read one corpus file: the valid examples and a problem for each invalid record."""
    examples: list[CorpusExample] = []
    problems: list[CorpusProblem] = []
    try:
        for record in read_records(path):
            if isinstance(record.data, CorpusError):
                problems.append(CorpusProblem(path, record.where, record.data.message))
                continue
            where = record.where
            if isinstance(record.data, dict) and isinstance(record.data.get("id"), str):
                where = f"{where}, id {record.data['id']}"
            try:
                examples.append(CorpusExample.model_validate(record.data))
            except ValidationError as exc:
                problems.append(CorpusProblem(path, where, format_validation_error(exc)))
    except CorpusError as exc:
        problems.append(CorpusProblem(path, "", exc.message.removeprefix(f"{path}: ")))
    return examples, problems


def scan_corpus(dirs: Path | Iterable[Path]) -> tuple[list[CorpusExample], list[CorpusProblem]]:
    """Read every corpus file, collecting all problems instead of stopping at the first.

    Duplicate ids are problems too (the later example is dropped), since retrieval and provenance
    address examples by id.
    """
    examples: list[CorpusExample] = []
    problems: list[CorpusProblem] = []
    seen: dict[str, Path] = {}
    for path in corpus_files(dirs):
        found, file_problems = read_corpus_file(path)
        problems.extend(file_problems)
        for example in found:
            if example.id in seen:
                problems.append(
                    CorpusProblem(path, f"id {example.id}", f"duplicate id (first seen in {seen[example.id]})")
                )
                continue
            seen[example.id] = path
            examples.append(example)
    return examples, problems


def load_corpus(dirs: Path | list[Path]) -> list[CorpusExample]:
    """Load every example under one or more corpus folders.

    Args:
        dirs: corpus folders (searched recursively for *.yaml, *.yml, *.jsonl) or single files.

    Returns:
        The examples, in file order then item order.

    Raises:
        CorpusError: any file or record is invalid, or an id repeats; the message names the file and
            the item or line of each problem (up to five, then a count).
    """
    examples, problems = scan_corpus(dirs)
    if problems:
        shown = "\n  ".join(str(problem) for problem in problems[:5])
        more = f"\n  ... and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise CorpusError(
            f"{len(problems)} problem(s) in the corpus (run `okr corpus validate`):\n  {shown}{more}",
            problems=[str(problem) for problem in problems],
        )
    return examples


def corpus_hash(examples: Iterable[CorpusExample]) -> str:
    """A content hash of the examples, in order: formatting and comments in the files do not count.

    The order is part of the hash because index rows follow it.
    """
    digest = hashlib.sha256()
    for example in examples:
        digest.update(example.model_dump_json(exclude_defaults=True).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


# --- Bring-your-own corpus: import a team's own sets -------------------------------------------------

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
    import csv

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
    if suffix == ".csv":
        records = list(_csv_records(path))
    elif suffix in CORPUS_SUFFIXES or suffix == ".json":
        records = list(read_records(path))
    else:
        raise CorpusError(f"{path}: unsupported file type {suffix!r}; use .csv, .jsonl, .yaml or .yml")
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


# --- Corpus checks and statistics ---------------------------------------------------------------------


@dataclass
class CorpusReport:
    """What `okr corpus validate` found: errors fail CI, warnings are counted by rule."""

    examples: list[CorpusExample]
    files: int
    errors: list[str]
    warnings: Counter[str]
    notes: list[str]


def near_duplicate_objectives(
    examples: list[CorpusExample], embedder: Any, threshold: float = 0.95
) -> list[tuple[CorpusExample, CorpusExample, float]]:
    """Pairs of examples whose objectives have an embedding cosine above `threshold`."""
    import numpy as np

    if len(examples) < 2:
        return []
    vectors = embedder.encode([example.objective for example in examples])
    similarity = vectors @ vectors.T
    rows, cols = np.nonzero(np.triu(similarity, k=1) > threshold)
    return [(examples[i], examples[j], float(similarity[i, j])) for i, j in zip(rows, cols)]


def validate_corpus(dirs: Path | list[Path], embedder: Any | None, threshold: float = 0.95) -> CorpusReport:
    """Check a corpus: schema, duplicate ids, near-duplicate objectives and the rule catalogue.

    Args:
        dirs: corpus folders or files.
        embedder: encodes objectives for the near-duplicate check; None skips that check.
        threshold: cosine above which two objectives count as the same one.
    """
    examples, problems = scan_corpus(dirs)
    report = CorpusReport(examples, len(corpus_files(dirs)), [str(p) for p in problems], Counter(), [])
    if embedder is None:
        report.notes.append("near-duplicate check skipped")
    else:
        for first, second, cosine in near_duplicate_objectives(examples, embedder, threshold):
            report.errors.append(
                f"{first.id} and {second.id}: near-duplicate objectives (cosine {cosine:.3f}): {first.objective!r}"
            )
    try:
        from suggester.validation import validate
    except ImportError:
        report.notes.append("rule checks skipped: suggester.validation is not available")
        return report
    for example in examples:
        for finding in validate(example.as_okr_set(), context=example.context or None):
            if finding.severity.value == "error":
                where = f"{example.id} {finding.kr}" if finding.kr else example.id
                report.errors.append(f"{where}: {finding.rule}: {finding.message}")
            elif finding.severity.value == "warning":
                report.warnings[finding.rule] += 1
    return report


def corpus_stats(examples: list[CorpusExample]) -> dict[str, Any]:
    """Counts that tell whether the corpus is broad enough: by team type, KR kind, stage, and so on."""
    krs = [kr for example in examples for kr in example.key_results]
    return {
        "sets": len(examples),
        "key_results": len(krs),
        "team_types": dict(Counter(normalize_team(e.team_type) for e in examples).most_common()),
        "kr_kinds": dict(Counter(kr.kind.value for kr in krs).most_common()),
        "krs_per_set": dict(sorted(Counter(len(e.key_results) for e in examples).items())),
        "sets_with_initiative": sum(any(kr.kind.value == "initiative" for kr in e.key_results) for e in examples),
        "krs_with_baseline": sum(kr.baseline is not None for kr in krs),
        "industries": len({e.industry.lower() for e in examples}),
        "stages": dict(Counter(e.stage for e in examples).most_common()),
        "horizons": dict(Counter(e.horizon for e in examples).most_common()),
    }
