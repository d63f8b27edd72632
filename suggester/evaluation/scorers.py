"""Scorers: small named functions, each scoring one case on the metrics it declares.

A scorer receives the `Sample` (the case, the suggestion or the error, the raw model calls) and the
`Resources` it may need (an embedder, the corpus KR vectors, the corpus examples), and returns a value
per declared metric, or None where the metric does not apply (no reference KRs, no input KRs, ...).

    @scorer(Metric("relevance", "mean cosine between the objective and each KR", higher_is_better=True))
    def relevance(sample, resources): ...

Every scorer runs on every case; `summarize` then aggregates each metric with a mean and a 95% interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from suggester.evaluation.cache import CallRecord
from suggester.evaluation.dataset import EvalCase
from suggester.evaluation.log import CaseError
from suggester.models import CorpusExample, KeyResult, Kind, Severity, Suggestion

VERBATIM = 0.95  # cosine at or above which a KR counts as a copy of a corpus KR
REFERENCE_MATCH = 0.6  # cosine at or above which a drafted KR matches a reference KR


@dataclass(frozen=True)
class Metric:
    """A named number a scorer reports per case.

    Attributes:
        name: unique across scorers; the key in `CaseResult.scores` and in the summary.
        description: one line for reports.
        higher_is_better: True, False, or None when neither (a count, for instance).
        binary: the value is 0 or 1 per case (pass/fail); its interval is then a Wilson interval.
    """

    name: str
    description: str
    higher_is_better: bool | None = True
    binary: bool = False


@dataclass
class Sample:
    """A case after the pipeline ran."""

    case: EvalCase
    suggestion: Suggestion | None
    error: CaseError | None = None
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def krs(self) -> list[KeyResult]:
        return self.suggestion.key_results if self.suggestion else []


@dataclass
class Resources:
    """What embedding-based scorers need; built from the retriever, or from fakes in tests.

    Args:
        embed: texts -> unit vectors (rows).
        corpus_kr_vectors: a callable returning the vectors of every corpus KR (loaded on first use).
        example: corpus example by id (None when unknown).
    """

    embed: Callable[[Sequence[str]], np.ndarray]
    corpus_kr_vectors_fn: Callable[[], np.ndarray]
    example: Callable[[str], CorpusExample | None]

    @cached_property
    def corpus_kr_vectors(self) -> np.ndarray:
        return np.asarray(self.corpus_kr_vectors_fn())

    @classmethod
    def from_retriever(cls, retriever) -> Resources:
        return cls(
            embed=retriever.embed_texts,
            corpus_kr_vectors_fn=lambda: retriever.kr_matrix()[0],
            example=retriever.get,
        )


Scores = dict[str, float | None]


@dataclass(frozen=True)
class Scorer:
    name: str
    metrics: tuple[Metric, ...]
    score: Callable[[Sample, Resources], Scores]


SCORERS: list[Scorer] = []


def scorer(*metrics: Metric) -> Callable:
    """Register a scoring function under its own name, with the metrics it reports."""

    def register(function: Callable[[Sample, Resources], Scores]) -> Callable[[Sample, Resources], Scores]:
        SCORERS.append(Scorer(function.__name__, metrics, function))
        return function

    return register


def metrics() -> dict[str, Metric]:
    """Every metric of every registered scorer, by name, in registration order."""
    return {metric.name: metric for item in SCORERS for metric in item.metrics}


def score_sample(sample: Sample, resources: Resources, only: Sequence[str] | None = None) -> Scores:
    """Run every scorer (or the named ones) on a sample; a metric a scorer leaves out is None."""
    scores: Scores = {}
    for item in SCORERS:
        if only is not None and item.name not in only:
            continue
        values = item.score(sample, resources)
        for metric in item.metrics:
            value = values.get(metric.name)
            scores[metric.name] = None if value is None else round(float(value), 4)
    return scores


# -- the scorers ----------------------------------------------------------------------------------------


@scorer(
    Metric(
        "parsed", "the pipeline returned a set (0 when the model never gave a usable answer)", binary=True
    ),
    Metric("answers_parsed", "share of the model's answers that parse into at least one KR line"),
)
def parse(sample: Sample, resources: Resources) -> Scores:
    from suggester.parsing import parse_lines

    if sample.error is not None and sample.error.type != "DraftFailed":
        parsed = None  # the provider failed: parsing never got a chance
    else:
        parsed = float(bool(sample.krs))
    answers = [bool(parse_lines(call.text).lines) for call in sample.calls]
    return {"parsed": parsed, "answers_parsed": float(np.mean(answers)) if answers else None}


@scorer(
    Metric("complete", "3 to 5 KRs with at least one input and one output", binary=True),
    Metric("kr_count", "key results in the set", higher_is_better=None),
)
def structure(sample: Sample, resources: Resources) -> Scores:
    if sample.suggestion is None:
        return {}
    kinds = [kr.kind for kr in sample.krs]
    complete = 3 <= len(kinds) <= 5 and Kind.input in kinds and Kind.output in kinds
    return {"complete": float(complete), "kr_count": float(len(kinds))}


@scorer(
    Metric("kr_pass_rate", "share of KRs with no error-level finding"),
    Metric(
        "warnings_per_kr", "warning-level findings per KR (set-level ones included)", higher_is_better=False
    ),
    Metric("set_error_free", "no error-level finding anywhere in the set", binary=True),
)
def validator(sample: Sample, resources: Resources) -> Scores:
    if not sample.krs:
        return {}
    findings = sample.suggestion.findings
    failing = {f.kr for f in findings if f.severity is Severity.error and f.kr}
    warnings = sum(f.severity is Severity.warning for f in findings)
    return {
        "kr_pass_rate": sum(kr.id not in failing for kr in sample.krs) / len(sample.krs),
        "warnings_per_kr": warnings / len(sample.krs),
        "set_error_free": float(not any(f.severity is Severity.error for f in findings)),
    }


@scorer(Metric("drives_coverage", "share of input KRs linked (drives) to an output KR of the set"))
def drives(sample: Sample, resources: Resources) -> Scores:
    outputs = {kr.id for kr in sample.krs if kr.kind is Kind.output}
    inputs = [kr for kr in sample.krs if kr.kind is Kind.input]
    if not inputs:
        return {}
    return {"drives_coverage": sum(any(d in outputs for d in kr.drives) for kr in inputs) / len(inputs)}


def _stated_baselines(kr: KeyResult) -> set[float]:
    """The baseline in the KR's fields and the one its sentence states ("from X to Y"): they must agree."""
    from suggester.krtext import parse_kr_text

    found = {kr.baseline} if kr.baseline is not None else set()
    read = parse_kr_text(kr.text, kind=kr.kind).baseline
    if read is not None:
        found.add(read)
    return found


@scorer(
    Metric(
        "invented_baselines",
        "baselines traceable to neither the user's context nor a used example",
        higher_is_better=False,
    ),
    Metric(
        "baseline_rate",
        "share of KRs stating a baseline, on cases whose context has numbers",
        higher_is_better=None,
    ),
)
def invented_numbers(sample: Sample, resources: Resources) -> Scores:
    from suggester.validation.numbers import appears_in, numbers_in

    if not sample.krs:
        return {}
    context_numbers = numbers_in(sample.case.context)
    example_numbers: set[float] = set()
    for ref in sample.suggestion.examples_used:
        example = resources.example(ref.id)
        if example is not None:
            texts = [example.context, *(kr.text for kr in example.key_results)]
            example_numbers |= numbers_in(" ".join(texts))
    traceable = context_numbers | frozenset(example_numbers)
    stated = [_stated_baselines(kr) for kr in sample.krs]
    invented = sum(any(not appears_in(value, traceable) for value in values) for values in stated)
    rate = sum(bool(values) for values in stated) / len(stated) if context_numbers else None
    return {"invented_baselines": float(invented), "baseline_rate": rate}


@scorer(Metric("relevance", "mean cosine (MiniLM) between the objective and each KR"))
def relevance(sample: Sample, resources: Resources) -> Scores:
    if not sample.krs:
        return {}
    vectors = resources.embed([sample.case.objective, *(kr.text for kr in sample.krs)])
    return {"relevance": float(np.mean(vectors[1:] @ vectors[0]))}


@scorer(
    Metric(
        "max_pair_similarity",
        "highest cosine between two KRs of the set (lower = more diverse)",
        higher_is_better=False,
    )
)
def diversity(sample: Sample, resources: Resources) -> Scores:
    if len(sample.krs) < 2:
        return {}
    vectors = resources.embed([kr.text for kr in sample.krs])
    similarity = vectors @ vectors.T
    return {"max_pair_similarity": float(similarity[np.triu_indices(len(vectors), k=1)].max())}


@scorer(
    Metric("corpus_similarity", "highest cosine of any KR to any corpus KR", higher_is_better=False),
    Metric(
        "copy_rate",
        f"share of KRs at cosine >= {VERBATIM} to a corpus KR (near-verbatim copies)",
        higher_is_better=False,
    ),
)
def copying(sample: Sample, resources: Resources) -> Scores:
    corpus = resources.corpus_kr_vectors
    if not sample.krs or corpus.size == 0:
        return {}
    nearest = (resources.embed([kr.text for kr in sample.krs]) @ corpus.T).max(axis=1)
    return {"corpus_similarity": float(nearest.max()), "copy_rate": float(np.mean(nearest >= VERBATIM))}


def greedy_matches(similarity: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """One-to-one matches, most similar pair first, each at or above `threshold`."""
    pairs = sorted(np.ndindex(*similarity.shape), key=lambda ij: -similarity[ij])
    used_rows, used_cols, matches = set(), set(), []
    for row, col in pairs:
        if similarity[row, col] < threshold:
            break
        if row not in used_rows and col not in used_cols:
            matches.append((row, col))
            used_rows.add(row)
            used_cols.add(col)
    return matches


@scorer(
    Metric(
        "ref_precision", f"share of drafted KRs matching a reference KR (greedy, cosine >= {REFERENCE_MATCH})"
    ),
    Metric("ref_recall", "share of reference KRs matched by a drafted KR"),
    Metric(
        "ref_similarity", "mean over reference KRs of the cosine to the closest drafted KR (graded recall)"
    ),
)
def reference(sample: Sample, resources: Resources) -> Scores:
    references = sample.case.reference_krs
    if not references or not sample.krs:
        return {}
    drafted = resources.embed([kr.text for kr in sample.krs])
    wanted = resources.embed(references)
    similarity = drafted @ wanted.T
    matched = len(greedy_matches(similarity, REFERENCE_MATCH))
    return {
        "ref_precision": matched / len(drafted),
        "ref_recall": matched / len(wanted),
        "ref_similarity": float(similarity.max(axis=0).mean()),
    }


@scorer(
    Metric("recall_at_k", "share of the relevant corpus examples among those retrieved"),
    Metric("mrr", "1 / rank of the first relevant example retrieved (0 when none)"),
)
def retrieval(sample: Sample, resources: Resources) -> Scores:
    relevant = set(sample.case.relevant_example_ids)
    refs = sample.suggestion.examples_used if sample.suggestion else []
    ranked = [ref.id for ref in refs if ref.used_in == "draft"]  # what retrieval ranked, not a repair's extras
    if not relevant or not ranked:  # zero-shot drafts draw on no example: nothing to score
        return {}
    first = next((rank for rank, example_id in enumerate(ranked, start=1) if example_id in relevant), None)
    return {"recall_at_k": len(relevant & set(ranked)) / len(relevant), "mrr": 1 / first if first else 0.0}


@scorer(
    Metric(
        "first_draft_invalid",
        "the first draft needed repair (< 3 KRs, a kind missing, or an error)",
        higher_is_better=False,
        binary=True,
    ),
    Metric("repair_success", "of invalid first drafts, the share whose returned set is valid", binary=True),
)
def repair(sample: Sample, resources: Resources) -> Scores:
    from suggester.evaluation.outcome import first_draft_invalid, returned_valid

    error_type = sample.error.type if sample.error else None
    invalid = first_draft_invalid(sample.suggestion, error_type, sample.case.count)
    if invalid is None:
        return {}
    success = returned_valid(sample.suggestion, error_type, sample.case.count) if invalid else None
    return {
        "first_draft_invalid": float(invalid),
        "repair_success": None if success is None else float(success),
    }


@scorer(Metric("passed", "a set came back, complete, error-free, with no invented baseline", binary=True))
def passed(sample: Sample, resources: Resources) -> Scores:
    if sample.suggestion is None:
        return {"passed": 0.0}
    shape = structure(sample, resources)["complete"]
    clean = validator(sample, resources).get("set_error_free", 0.0)
    honest = invented_numbers(sample, resources).get("invented_baselines", 0.0) == 0
    return {"passed": float(bool(shape and clean and honest))}
