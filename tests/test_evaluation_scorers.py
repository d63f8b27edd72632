"""Each scorer on hand-built samples, with a deterministic hashing embedder instead of MiniLM."""

import numpy as np
import pytest

from suggester.embedding import HashingEmbedder
from suggester.evaluation.cache import CallRecord
from suggester.evaluation.dataset import EvalCase
from suggester.evaluation.log import CaseError
from suggester.evaluation.scorers import (
    SCORERS,
    Resources,
    Sample,
    greedy_matches,
    metrics,
    score_sample,
)
from suggester.models import (
    CorpusExample,
    ExampleRef,
    Finding,
    KeyResult,
    Kind,
    NumberSource,
    Severity,
    Suggestion,
    Usage,
)

EMBEDDER = HashingEmbedder()
CORPUS_KR = "Reduce median first response time from 9 hours to 2 hours"
EXAMPLE = CorpusExample(
    id="support-ex", team_type="customer support", industry="saas", stage="startup", horizon="Q2 2027",
    objective="Answer customers quickly", context="Median first response time is 12 hours.",
    key_results=[
        KeyResult(id="kr1", kind=Kind.output, text=CORPUS_KR),
        KeyResult(id="kr2", kind=Kind.input, text="Publish 30 help articles", drives=["kr1"]),
        KeyResult(id="kr3", kind=Kind.initiative, text="Launch a chat widget"),
    ],
)


def resources() -> Resources:
    return Resources(
        embed=EMBEDDER.encode,
        corpus_kr_vectors_fn=lambda: EMBEDDER.encode([kr.text for kr in EXAMPLE.key_results]),
        example=lambda example_id: EXAMPLE if example_id == EXAMPLE.id else None,
    )


def kr(id, kind, text, drives=(), baseline=None, source=None):
    return KeyResult(id=id, kind=Kind(kind), text=text, drives=list(drives), baseline=baseline, baseline_source=source)


GOOD_KRS = [
    kr("kr1", "output", "Increase customer satisfaction from 78% to 85% by 2027-03-31", baseline=78, source=NumberSource.user_context),
    kr("kr2", "input", "Reach 40 help center articles published by 2027-03-31", drives=["kr1"]),
    kr("kr3", "input", "Reduce first response time by 30% against a baseline measured first", drives=["kr1"]),
    kr("kr4", "initiative", "Launch a support chat widget by 2027-03-31"),
]
CASE = EvalCase(id="c1", objective="Make customer support fast and helpful", team_type="customer support",
                context="CSAT is 78%. We answer in 9 hours.")


def sample(krs=GOOD_KRS, findings=(), case=CASE, examples=(), error=None, calls=()):
    suggestion = None if krs is None else Suggestion(
        objective=case.objective, team_type=case.team_type, key_results=list(krs), findings=list(findings),
        examples_used=list(examples), usage=Usage(model="m"),
    )
    return Sample(case=case, suggestion=suggestion, error=error, calls=list(calls))


def scores(s: Sample) -> dict:
    return score_sample(s, resources())


def finding(severity, kr_id=None):
    return Finding(rule="r", severity=Severity(severity), message="m", hint="h", kr=kr_id)


def test_metric_names_are_unique_and_described():
    names = [m.name for s in SCORERS for m in s.metrics]
    assert len(names) == len(set(names)) == len(metrics())
    assert all(m.description for m in metrics().values())


def test_a_good_set_passes():
    result = scores(sample())
    assert result["parsed"] == 1.0 and result["complete"] == 1.0 and result["kr_count"] == 4
    assert result["kr_pass_rate"] == 1.0 and result["set_error_free"] == 1.0
    assert result["drives_coverage"] == 1.0 and result["invented_baselines"] == 0.0
    assert result["baseline_rate"] == 0.25 and result["passed"] == 1.0
    assert result["ref_precision"] is None and result["recall_at_k"] is None  # no targets in this case


def test_structure_needs_three_to_five_krs_and_both_kinds():
    only_outputs = [k.model_copy(update={"kind": Kind.output, "drives": []}) for k in GOOD_KRS[:3]]
    assert scores(sample(only_outputs))["complete"] == 0.0
    assert scores(sample(GOOD_KRS[:2]))["complete"] == 0.0
    assert scores(sample(GOOD_KRS[:2]))["passed"] == 0.0


def test_validator_pass_rate_counts_krs_with_errors_and_warnings_per_kr():
    result = scores(sample(findings=[finding("error", "kr2"), finding("error", "kr2"), finding("warning", "kr1"),
                                     finding("warning"), finding("info", "kr3")]))
    assert result["kr_pass_rate"] == 0.75
    assert result["warnings_per_kr"] == 0.5
    assert result["set_error_free"] == 0.0 and result["passed"] == 0.0


def test_drives_coverage_counts_inputs_linked_to_an_existing_output():
    krs = [GOOD_KRS[0], GOOD_KRS[1].model_copy(update={"drives": []}),
           GOOD_KRS[2].model_copy(update={"drives": ["kr9"]}), GOOD_KRS[3]]
    assert scores(sample(krs))["drives_coverage"] == 0.0
    assert scores(sample(krs[:1] + [GOOD_KRS[1]] + krs[2:]))["drives_coverage"] == 0.5
    no_inputs = [GOOD_KRS[0], GOOD_KRS[3]]
    assert scores(sample(no_inputs))["drives_coverage"] is None


def test_invented_baselines_are_caught_in_fields_and_in_text():
    invented_field = kr("kr1", "output", "Increase CSAT to 85%", baseline=64, source=NumberSource.user_context)
    invented_text = kr("kr1", "output", "Increase weekly active teams from 1,200 to 1,500 by 2027-03-31")
    from_context = kr("kr1", "output", "Reduce first response time from 9 hours to 4 hours by 2027-03-31")
    for krs, expected in (([invented_field], 1), ([invented_text], 1), ([from_context], 0),
                          ([invented_field, invented_text, from_context], 2)):
        assert scores(sample(krs + GOOD_KRS[1:]))["invented_baselines"] == expected


def test_a_baseline_from_a_used_example_is_traceable():
    borrowed = kr("kr1", "output", "Reduce first response time from 12 hours to 6 hours by 2027-03-31")
    ref = ExampleRef(id=EXAMPLE.id, team_type=EXAMPLE.team_type, objective=EXAMPLE.objective, score=0.8)
    assert scores(sample([borrowed] + GOOD_KRS[1:]))["invented_baselines"] == 1
    assert scores(sample([borrowed] + GOOD_KRS[1:], examples=[ref]))["invented_baselines"] == 0


def test_baseline_rate_applies_only_when_the_context_has_numbers():
    no_numbers = CASE.model_copy(update={"context": "We are a small team."})
    assert scores(sample(case=no_numbers))["baseline_rate"] is None


def test_relevance_is_higher_for_on_topic_key_results():
    on_topic = [kr("kr1", "output", "Make customer support fast: customer support reply time")]
    off_topic = [kr("kr1", "output", "Grow quarterly bookings in Germany")]
    assert scores(sample(on_topic))["relevance"] > scores(sample(off_topic))["relevance"]


def test_diversity_reports_the_closest_pair():
    twins = [GOOD_KRS[0], GOOD_KRS[0].model_copy(update={"id": "kr2"}), GOOD_KRS[1]]
    assert scores(sample(twins))["max_pair_similarity"] == pytest.approx(1.0)
    assert scores(sample())["max_pair_similarity"] < 0.9
    assert scores(sample(GOOD_KRS[:1]))["max_pair_similarity"] is None


def test_copy_rate_flags_verbatim_corpus_key_results():
    copied = [kr("kr1", "output", CORPUS_KR)] + GOOD_KRS[1:]
    result = scores(sample(copied))
    assert result["corpus_similarity"] == pytest.approx(1.0) and result["copy_rate"] == 0.25
    assert scores(sample())["copy_rate"] == 0.0


def test_greedy_matching_is_one_to_one_best_first():
    similarity = np.array([[0.9, 0.8], [0.85, 0.2], [0.1, 0.3]])
    assert greedy_matches(similarity, 0.5) == [(0, 0)]  # row 1 wanted column 0 too; column 1 is below for it
    assert greedy_matches(similarity, 0.15) == [(0, 0), (2, 1)]


def test_reference_precision_and_recall():
    case = CASE.model_copy(update={"reference_krs": [GOOD_KRS[0].text, "Hire two more agents for the night shift"]})
    result = scores(sample(case=case))
    assert result["ref_precision"] == 0.25 and result["ref_recall"] == 0.5
    # mean of 1.0 (the exact match) and the other reference's best cosine, which is below the match bar
    assert 0.5 <= result["ref_similarity"] < (1.0 + 0.6) / 2


def test_retrieval_recall_and_mrr_from_the_examples_used():
    refs = [ExampleRef(id=i, team_type="t", objective="o", score=0.5) for i in ("a", "b", "c", "d")]
    case = CASE.model_copy(update={"relevant_example_ids": ["c", "z"]})
    result = scores(sample(case=case, examples=refs))
    assert result["recall_at_k"] == 0.5 and result["mrr"] == pytest.approx(1 / 3, abs=1e-4)
    assert scores(sample(case=case, examples=refs[:2]))["mrr"] == 0.0


def test_errors_score_as_unparsed_or_not_applicable():
    draft_failed = scores(sample(None, error=CaseError(type="DraftFailed", message="no"),
                                 calls=[CallRecord(model="m", cached=False, latency_ms=1, text="Sorry, no.")]))
    assert draft_failed["parsed"] == 0.0 and draft_failed["answers_parsed"] == 0.0 and draft_failed["passed"] == 0.0
    assert draft_failed["complete"] is None and draft_failed["relevance"] is None
    timeout = scores(sample(None, error=CaseError(type="ProviderTimeout", message="slow")))
    assert timeout["parsed"] is None and timeout["answers_parsed"] is None and timeout["passed"] == 0.0


def test_answers_parsed_is_the_share_of_readable_model_answers():
    calls = [CallRecord(model="m", cached=False, latency_ms=1, text=text)
             for text in ("1. output | bookings | increase", "I cannot do that.")]
    assert scores(sample(calls=calls))["answers_parsed"] == 0.5
