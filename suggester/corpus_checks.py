"""What `okr corpus validate` and `okr corpus stats` report about a corpus."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suggester.corpus import corpus_files, scan_corpus
from suggester.models import CorpusExample
from suggester.teams import normalize_team


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
