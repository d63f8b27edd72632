"""The hosted-provider path over recorded HTTP: litellm's OpenAI client talking to a real server.

The cassettes in `tests/cassettes/test_providers/` hold real traffic between the pipeline and
`llama_cpp.server` serving the embedded Gemma 3 270M (an OpenAI-compatible API, like vLLM or a
llama.cpp server in production). Replay needs no server, no key and no network: pytest-recording's
record mode defaults to `none`, so a request missing from a cassette fails instead of going out.

Re-record them all (starts the server, records, stops it)::

    scripts/record_cassettes.sh

Matching: method, path and the JSON body, where each message counts by its role and its last line
(the instruction the template ends with). Every other field (model, seed, stop, max_tokens,
temperature, response_format) must match exactly. The few-shot examples and the repair findings
in the prompt change whenever someone edits the corpus or a rule; they do not change what these
tests check (what litellm sends and how we read the answer), so they do not invalidate a cassette.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from suggester import llm
from suggester.errors import DraftFailed
from suggester.models import SuggestionRequest
from suggester.parsing import parse_lines
from suggester.settings import Settings

# What the recordings were made against (scripts/local_server.py sets both while recording).
API_BASE = os.environ.get("OKR_TEST_API_BASE", "http://127.0.0.1:8765/v1")
MODEL = os.environ.get("OKR_TEST_MODEL", "openai/gemma-3-270m")
# Cassettes store this host whatever port the server had, so re-recording gives comparable files.
CANONICAL_NETLOC = "127.0.0.1:8765"

REQUEST = SuggestionRequest(
    objective="Grow our global business via expansion in the EU",
    team_type="sales",
    context="We closed EUR 400k of new EU bookings last quarter. First response time to inbound leads is 24 hours.",
)


def request_shape(body: bytes | str | None) -> dict:
    """The parts of a chat-completion body a cassette must agree on (see the module docstring)."""
    data = json.loads(body or "{}")
    data["messages"] = [
        (m.get("role"), (str(m.get("content") or "").strip().splitlines() or [""])[-1])
        for m in data.get("messages", [])
    ]
    return data


def same_request(r1, r2) -> None:
    """vcrpy matcher: raises AssertionError (with the difference) when two requests differ."""
    assert request_shape(r1.body) == request_shape(r2.body)


def canonical_host(request):
    parts = urlsplit(request.uri)
    request.uri = urlunsplit(parts._replace(netloc=CANONICAL_NETLOC))
    return request


class _Matchers:
    """Registers `same_request` on every VCR pytest-recording creates (its documented hook)."""

    @staticmethod
    def pytest_recording_configure(config, vcr) -> None:
        vcr.register_matcher("same_request", same_request)


@pytest.fixture(scope="module", autouse=True)
def _register_matchers(pytestconfig):
    plugin = _Matchers()
    pytestconfig.pluginmanager.register(plugin, "okr-provider-matchers")
    yield
    pytestconfig.pluginmanager.unregister(plugin)


@pytest.fixture
def vcr_config():
    return {
        "filter_headers": ["authorization", "api-key", "x-api-key", "cookie", "set-cookie", "host"],
        "decode_compressed_response": True,
        "match_on": ["method", "path", "same_request"],
        "before_record_request": canonical_host,
    }


@pytest.fixture(autouse=True)
def _httpx_transport(monkeypatch):
    # vcrpy records litellm's default aiohttp transport badly; the httpx one records cleanly.
    monkeypatch.setenv("DISABLE_AIOHTTP_TRANSPORT", "True")
    llm._litellm().disable_aiohttp_transport = True


def settings(**overrides) -> Settings:
    values = {
        "model": MODEL,
        "api_base": API_BASE,
        "api_key": "sk-test-not-a-secret",
        "seed": 7,
        "candidates": 2,
        "repair_attempts": 1,
        "num_retries": 0,
        "timeout_s": 300,
    }
    return Settings(**(values | overrides))


def played(cassette) -> list[dict]:
    """The JSON bodies of the responses the test actually replayed (or recorded), in cassette order."""
    bodies = []
    for index, (_, response) in enumerate(cassette.data):
        if cassette.play_counts[index] or not cassette.write_protected:
            body = response["body"]["string"]
            bodies.append(json.loads(body.decode() if isinstance(body, bytes) else body))
    return bodies


@pytest.mark.slow
@pytest.mark.vcr
async def test_pipeline_drafts_through_an_openai_compatible_server(vcr):
    from suggester.pipeline import asuggest

    suggestion = await asuggest(REQUEST, settings=settings())

    answers = played(vcr)
    assert suggestion.key_results
    assert suggestion.usage.attempts == len(answers) >= 2
    assert suggestion.usage.prompt_tokens == sum(a["usage"]["prompt_tokens"] for a in answers)
    assert suggestion.usage.completion_tokens == sum(a["usage"]["completion_tokens"] for a in answers)
    assert suggestion.usage.cost_usd == 0.0  # a self-hosted model has no price in litellm's map
    sent = [json.loads(request.body) for request in vcr.requests]
    assert {body["seed"] for body in sent} >= {7, 8}  # one seed per sampled candidate
    assert all(
        body["model"] == MODEL.split("/", 1)[1] and body["stop"] == ["\n\n", "Objective:"] for body in sent
    )


@pytest.mark.vcr
async def test_a_json_schema_reaches_the_server_and_shapes_the_answer(vcr):
    schema = {
        "type": "object",
        "properties": {
            "metric": {"type": "string", "maxLength": 60},
            "direction": {"type": "string", "enum": ["increase", "decrease"]},
        },
        "required": ["metric", "direction"],
    }
    messages = [
        {
            "role": "user",
            "content": "One key result for growing EU bookings, as JSON with metric and direction.",
        }
    ]
    completion = await llm.acomplete(
        messages, MODEL, settings(max_tokens=60), response_format={"type": "json_object", "schema": schema}
    )

    sent = json.loads(vcr.requests[0].body)
    assert sent["response_format"] == {"type": "json_object", "schema": schema}  # litellm passed it through
    answer = json.loads(completion.text)  # the server's grammar made it valid JSON
    assert set(answer) == {"metric", "direction"} and answer["direction"] in {"increase", "decrease"}
    assert (
        completion.cost_usd == 0.0
        and completion.completion_tokens == played(vcr)[0]["usage"]["completion_tokens"]
    )


@pytest.mark.slow
@pytest.mark.vcr
async def test_an_answer_cut_at_max_tokens_never_becomes_a_half_key_result(vcr, caplog):
    from suggester.pipeline import asuggest

    caplog.set_level(logging.WARNING, logger="suggester.llm")
    try:
        suggestion = await asuggest(REQUEST, settings=settings(max_tokens=20, candidates=1))
        metrics = {kr.metric for kr in suggestion.key_results}
    except DraftFailed:
        metrics = set()

    answers = played(vcr)
    cut = [a for a in answers if a["choices"][0]["finish_reason"] == "length"]
    assert cut, "the recording should contain at least one answer cut at max_tokens"
    for answer in cut:
        text = answer["choices"][0]["message"]["content"]
        last_line = text.rstrip("\n").rpartition("\n")[2]
        half = parse_lines(last_line).lines
        assert not half or half[0].metric not in metrics  # the unfinished line was dropped, not parsed
    assert sum("cut at max_tokens" in record.getMessage() for record in caplog.records) == len(cut)


@pytest.mark.slow
async def test_usage_and_cost_of_a_priced_model_land_in_the_suggestion():
    from suggester.pipeline import asuggest

    litellm = llm._litellm()
    answer = (
        "1. output | new EU bookings | increase\n2. input | demos held in Germany | increase | drives 1\n"
    )
    priced = Settings(model="openai/gpt-4o-mini", mock_response=answer, candidates=2, repair_attempts=1)
    suggestion = await asuggest(REQUEST, settings=priced)

    usage = suggestion.usage
    assert usage.model == "openai/gpt-4o-mini" and usage.attempts >= 2
    prompt_cost, answer_cost = litellm.cost_per_token(
        model="gpt-4o-mini", prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens
    )
    assert usage.cost_usd == pytest.approx(prompt_cost + answer_cost) and usage.cost_usd > 0


def test_cassettes_hold_no_credentials():
    cassettes = sorted((Path(__file__).parent / "cassettes" / "test_providers").glob("*.yaml"))
    assert cassettes, "no cassettes recorded"
    for cassette in cassettes:
        text = cassette.read_text(encoding="utf-8").lower()
        assert "sk-test-not-a-secret" not in text and "authorization" not in text, cassette.name
