"""The rule catalogue: each rule alone, profiles, and precision/recall over the labelled set.

Run `python tests/test_validation.py` (or `pytest tests/test_validation.py -s`) to print the per-rule table.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from suggester.errors import InputFileError
from suggester.krtext import parse_kr_text
from suggester.models import Direction, KeyResult, Kind, NumberSource, OKRSet, Severity
from suggester.validation import RULES, Profile, has_errors, load_profile, validate

LABELLED = Path(__file__).parent / "data" / "labelled_krs.yaml"
KR_RULES = {rule.id for rule in RULES if rule.scope == "kr"}
SET_RULES = {rule.id for rule in RULES if rule.scope == "set"}
MIN_OVERALL = 0.9


def kr(text: str, **fields) -> KeyResult:
    """A KR read from its text, with any field overridden."""
    parsed = parse_kr_text(text, kind=fields.pop("kind", None))
    return parsed.model_copy(update=fields)


def rules_hit(okr: OKRSet, *, context: str | None = None, scope: set[str] | None = None) -> set[str]:
    return {f.rule for f in validate(okr, context=context) if scope is None or f.rule in scope}


def single(item: KeyResult, context: str | None = None) -> set[str]:
    """Per-KR rules that fire on one KR."""
    return rules_hit(OKRSet(objective="Win the mid-market", key_results=[item]), context=context, scope=KR_RULES)


# ------------------------------------------------------------------------------------------ the labelled set


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    support: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _labelled_kr(entry: dict) -> tuple[OKRSet, str | None]:
    item = parse_kr_text(entry["text"], kind=Kind(entry["kind"]) if entry.get("kind") else None)
    if entry.get("drafted"):  # numbers came from a model: nothing vouches for them but the context
        item = item.model_copy(update={"baseline_source": None, "target_source": NumberSource.proposed})
    return OKRSet(objective="Grow the business", key_results=[item]), entry.get("context")


def _labelled_set(entry: dict) -> OKRSet:
    items = [parse_kr_text(text, id=f"kr{index}") for index, text in enumerate(entry["krs"], start=1)]
    return OKRSet(objective=entry["objective"], key_results=items)


def score_labelled_set(path: Path = LABELLED, batch: str | None = None) -> tuple[dict[str, Score], list[str], dict]:
    """Per-rule precision/recall of "flagged" over the labelled KRs and sets, plus the mismatches.

    `batch` keeps only the entries of one batch ("holdout", or "main" for the untagged ones).
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if batch is not None:
        data = {key: [e for e in entries if e.get("batch", "main") == batch] for key, entries in data.items()}
    scores = {rule.id: Score() for rule in RULES}
    mismatches: list[str] = []
    kr_level = Counter()
    cases = [(entry, *_labelled_kr(entry), KR_RULES) for entry in data["krs"]]
    cases += [(entry, _labelled_set(entry), None, SET_RULES) for entry in data["sets"]]
    for entry, okr, context, scope in cases:
        expected = set(entry["flags"])
        unknown = expected - scope
        assert not unknown, f"unknown or out-of-scope rule(s) {unknown} in {entry}"
        got = rules_hit(okr, context=context, scope=scope)
        for rule_id in scope:
            score = scores[rule_id]
            score.support += rule_id in expected
            if rule_id in got and rule_id in expected:
                score.tp += 1
            elif rule_id in got:
                score.fp += 1
            elif rule_id in expected:
                score.fn += 1
        if scope is KR_RULES:
            kr_level[(bool(expected), bool(got))] += 1
        if got != expected:
            name = entry.get("text") or entry["objective"]
            mismatches.append(f"{name!r}: expected {sorted(expected)}, got {sorted(got)}")
    summary = {
        "krs": len(data["krs"]),
        "sets": len(data["sets"]),
        "good_krs": sum(1 for entry in data["krs"] if not entry["flags"]),
        "kr_level": kr_level,
    }
    return scores, mismatches, summary


def overall(scores: dict[str, Score]) -> Score:
    total = Score()
    for score in scores.values():
        total.tp += score.tp
        total.fp += score.fp
        total.fn += score.fn
        total.support += score.support
    return total


def format_table(scores: dict[str, Score], summary: dict) -> str:
    lines = [f"{'rule':<22} {'support':>7} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}"]
    for rule in RULES:
        s = scores[rule.id]
        lines.append(f"{rule.id:<22} {s.support:>7} {s.tp:>4} {s.fp:>4} {s.fn:>4} {s.precision:>9.3f} {s.recall:>7.3f}")
    total = overall(scores)
    lines.append(f"{'overall (micro)':<22} {total.support:>7} {total.tp:>4} {total.fp:>4} {total.fn:>4} "
                 f"{total.precision:>9.3f} {total.recall:>7.3f}")
    level = summary["kr_level"]
    bad_flagged, good_flagged = level[(True, True)], level[(False, True)]
    kr_precision = bad_flagged / (bad_flagged + good_flagged) if bad_flagged + good_flagged else 1.0
    kr_recall = bad_flagged / (bad_flagged + level[(True, False)]) if bad_flagged + level[(True, False)] else 1.0
    lines.append(
        f"{summary['krs']} labelled KRs ({summary['good_krs']} good), {summary['sets']} labelled sets; "
        f"KR flagged-at-all: precision {kr_precision:.3f}, recall {kr_recall:.3f}"
    )
    return "\n".join(lines)


def test_labelled_set_precision_and_recall():
    scores, mismatches, summary = score_labelled_set()
    print("\n" + format_table(scores, summary))
    for line in mismatches:
        print("  mismatch:", line)
    total = overall(scores)
    assert summary["krs"] >= 120
    assert total.precision >= MIN_OVERALL, f"overall precision {total.precision:.3f} < {MIN_OVERALL}"
    assert total.recall >= MIN_OVERALL, f"overall recall {total.recall:.3f} < {MIN_OVERALL}"


def test_every_rule_has_labelled_examples():
    scores, _, _ = score_labelled_set()
    missing = [rule_id for rule_id, score in scores.items() if score.support == 0]
    assert not missing, f"rules with no labelled positive example: {missing}"


if __name__ == "__main__":
    for name in ("main", "holdout", None):
        scores, mismatches, summary = score_labelled_set(batch=name)
        print(f"\n== {name or 'all'} ==")
        print(format_table(scores, summary))
        for line in mismatches:
            print("  mismatch:", line)
