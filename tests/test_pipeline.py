"""The core pipeline with litellm's mock_response: real corpus, real MiniLM retrieval, real validators."""

import pytest

from suggester.errors import DraftFailed, InputTooLong, MissingCredentials, UnknownModel
from suggester.models import Kind, NumberSource, SuggestionRequest
from suggester.pipeline import asuggest, suggest
from suggester.settings import Settings

GOOD = (
    "1. output | new EU bookings | increase\n"
    "2. input | qualified demos held in Germany and France | increase | drives 1\n"
    "3. input | first response time to EU inbound leads | decrease | drives 1\n"
    "4. initiative | Launch a German-language website | complete\n"
)
REQUEST = SuggestionRequest(
    objective="Grow our global business via expansion in the EU",
    team_type="sales",
    context="We closed EUR 400k of new EU bookings last quarter. First response time to inbound leads is 24 hours.",
)


def settings(mock: str, **overrides) -> Settings:
    return Settings(model="openai/test-model", mock_response=mock, candidates=2, repair_attempts=1, **overrides)


@pytest.mark.slow
def test_good_answer_becomes_a_validated_typed_set():
    suggestion = suggest(REQUEST, settings=settings(GOOD))
    kinds = [kr.kind for kr in suggestion.key_results]
    assert 3 <= len(kinds) <= 5 and Kind.input in kinds and Kind.output in kinds
    bookings = next(kr for kr in suggestion.key_results if kr.metric == "new EU bookings")
    assert bookings.baseline == 400000 and bookings.baseline_source is NumberSource.user_context
    assert bookings.target > bookings.baseline
    for kr in suggestion.key_results:
        if kr.kind is Kind.input:
            assert kr.drives and all(d in {k.id for k in suggestion.key_results if k.kind is Kind.output} for d in kr.drives)
    assert suggestion.examples_used and suggestion.examples_used[0].team_type == "sales"
    assert suggestion.usage.attempts == 2  # two sampled candidates, no repair needed
    assert suggestion.usage.model == "openai/test-model"
    assert {"retrieve", "generate", "validate"} <= set(suggestion.usage.timings_ms)


@pytest.mark.slow
def test_no_invented_baselines_without_context():
    suggestion = suggest(REQUEST.model_copy(update={"context": None}), settings=settings(GOOD))
    for kr in suggestion.key_results:
        assert kr.baseline is None and kr.baseline_source is None


@pytest.mark.slow
def test_unusable_answer_is_repaired_then_fails_loudly():
    with pytest.raises(DraftFailed) as caught:
        suggest(REQUEST, settings=settings("I am sorry, I cannot help with that."))
    assert caught.value.context["attempts"] == 3  # 2 candidates + 1 repair
    assert "cannot help" in caught.value.context["last_output"]


@pytest.mark.slow
def test_set_missing_a_kind_triggers_repair_and_keeps_its_findings():
    only_outputs = "1. output | new EU bookings | increase\n2. output | EU win rate | increase\n"
    suggestion = suggest(REQUEST, settings=settings(only_outputs))
    assert suggestion.usage.attempts == 3
    assert any(f.severity.value in {"error", "warning"} for f in suggestion.findings)


@pytest.mark.slow
async def test_async_twin_and_zero_shot_variant():
    suggestion = await asuggest(REQUEST, settings=settings(GOOD), variant="zero-shot")
    assert suggestion.key_results and suggestion.examples_used == []


def test_too_long_objective_is_refused_before_any_work():
    with pytest.raises(InputTooLong):
        suggest(REQUEST.model_copy(update={"objective": "x" * 501}), settings=settings(GOOD))


def test_unknown_model_and_missing_key_fail_clearly(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(UnknownModel, match="unknown model"):
        suggest(REQUEST, settings=Settings(model="nosuchprovider/abc"))
    with pytest.raises(UnknownModel, match="local"):
        suggest(REQUEST, settings=Settings(model="local/no-such-model"))
    with pytest.raises(MissingCredentials, match="OPENAI_API_KEY"):
        suggest(REQUEST, settings=Settings(model="openai/gpt-4o-mini"))


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["findings", "resample"])
def test_repair_strategies_ask_again_differently(monkeypatch, strategy):
    from suggester import llm

    prompts = []
    real = llm.acomplete

    async def recording(messages, model, settings_, **params):
        prompts.append((messages[-1]["content"], params.get("seed")))
        return await real(messages, model, settings_, **params)

    monkeypatch.setattr(llm, "acomplete", recording)
    only_outputs = "1. output | new EU bookings | increase\n2. output | EU win rate | increase\n"
    suggestion = suggest(REQUEST, settings=settings(only_outputs, repair_strategy=strategy, seed=7))

    assert suggestion.usage.attempts == len(prompts) == 3  # 2 candidates, then 1 repair round
    first, repair = prompts[0], prompts[2]
    draft_examples = {ref.objective for ref in suggestion.examples_used if ref.used_in == "draft"}
    repair_examples = {ref.objective for ref in suggestion.examples_used if ref.used_in == "repair"}
    if strategy == "findings":
        assert "A first draft had these problems" in repair[0] and "no input line" in repair[0]
        assert not repair_examples and repair[1] == 7
    else:  # the draft prompt again, with examples no earlier prompt showed, and a seed of its own
        assert "problems" not in repair[0] and repair[0].endswith(first[0].rsplit("Objective:", 1)[1])
        assert repair_examples and not repair_examples & draft_examples
        assert all(objective in repair[0] and objective not in first[0] for objective in repair_examples)
        assert repair[1] not in {prompt[1] for prompt in prompts[:2]}


def test_auto_repair_strategy_resamples_only_for_embedded_base_models():
    from suggester.repair import resamples

    assert resamples("local/gemma-3-270m", "auto")  # a base model: it imitates examples
    assert not resamples("local/smollm2-135m", "auto")  # an instruct model
    assert not resamples("openai/gpt-4o-mini", "auto")
    assert resamples("openai/gpt-4o-mini", "resample") and not resamples("local/gemma-3-270m", "findings")


@pytest.mark.slow
def test_the_rule_profile_applies_to_drafts(tmp_path):
    profile = tmp_path / "rules.yaml"
    profile.write_text("rules:\n  baseline-known: off\n  time-bound: error\n")
    plain = suggest(REQUEST.model_copy(update={"context": None}), settings=settings(GOOD))
    assert any(f.rule == "baseline-known" for f in plain.findings)
    profiled = suggest(REQUEST.model_copy(update={"context": None}), settings=settings(GOOD, rule_profile=profile))
    assert not any(f.rule == "baseline-known" for f in profiled.findings)


@pytest.mark.slow
def test_metrics_the_context_measures_join_the_set_with_their_baselines():
    request = SuggestionRequest(
        objective="Make support effortless for our customers", team_type="customer support",
        context="Median first response time is 9 hours; CSAT is 78%.",
    )
    vague = "1. output | tickets handled in a friendly way | increase\n2. input | help articles written | increase | drives 1\n"
    suggestion = suggest(request, settings=settings(vague))
    by_metric = {kr.metric.lower(): kr for kr in suggestion.key_results}
    frt = by_metric["median first response time"]
    assert frt.direction.value == "decrease" and frt.baseline == 9 and frt.baseline_source is NumberSource.user_context
    assert by_metric["csat"].baseline == 78 and by_metric["csat"].direction.value == "increase"
    without = suggest(request, settings=settings(vague), variant="no-context-metrics")
    assert "median first response time" not in {kr.metric.lower() for kr in without.key_results}
