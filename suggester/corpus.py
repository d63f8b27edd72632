"""The examples corpus on disk: find the files, read them strictly, and hash their content.

A corpus folder holds YAML files (a list of OKR sets) and JSONL files (one set a line), each set a
`CorpusExample`. Every problem names its file and the item (YAML) or line (JSONL) it comes from, so a
writer can fix it without hunting. `scan_corpus` collects all problems (for `okr corpus validate`);
`load_corpus` raises on the first file that has any (for everything that needs a usable corpus).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from suggester.errors import CorpusError
from suggester.models import CorpusExample

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
