"""Every provider failure the issue lists, as problem+json over real HTTP.

Two kinds of fakes, no network: litellm's `mock_response` error strings, and a stub OpenAI-compatible
provider on loopback that hangs, fails with 500, or rate-limits with a Retry-After header, so the
real litellm client, its timeout and its bounded retries are exercised.
"""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from suggester.settings import Settings

from .helpers import SUGGESTION_BODY, LiveServer, assert_problem, mocked_settings


def index_only(settings: Settings) -> None:
    """Warm up the corpus index but not the embedded model: these tests never run it."""
    from suggester.retrieval import get_retriever

    get_retriever(settings)


class StubProvider:
    """An OpenAI-compatible /v1/chat/completions that misbehaves on demand and counts its calls."""

    def __init__(self) -> None:
        self.mode = "hang"
        self.calls = 0
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self.completions)

    async def completions(self, request: Request):
        self.calls += 1
        if self.mode == "hang":
            await asyncio.sleep(30)
        if self.mode == "rate-limit":
            return JSONResponse(
                {"error": {"message": "slow down", "type": "rate_limit_error"}},
                status_code=429,
                headers={"Retry-After": "3"},
            )
        return JSONResponse({"error": {"message": "upstream broke", "type": "server_error"}}, status_code=500)


@pytest.fixture(scope="module")
def stub():
    provider = StubProvider()
    server = LiveServer(provider.app).start()
    provider.url = server.url
    yield provider
    server.stop()


@pytest.fixture(scope="module")
def stub_backed(start_server, stub):
    """A service whose model is the stub provider: 0.5 s call timeout, one litellm retry."""
    settings = Settings(
        model="openai/stub-model",
        api_base=stub.url + "/v1",
        api_key="sk-stub-not-a-real-key",
        timeout_s=0.5,
        num_retries=1,
        candidates=1,
        repair_attempts=0,
    )
    return start_server(settings, loader=index_only)


def test_provider_timeout_is_504(stub, stub_backed):
    stub.mode, stub.calls = "hang", 0
    with stub_backed.client() as http:
        problem = assert_problem(http.post("/v1/suggestions", json=SUGGESTION_BODY), 504)
    assert problem["type"].endswith("provider-timeout")
    assert problem["model"] == "openai/stub-model"
    assert stub.calls >= 1


def test_provider_5xx_is_502_after_bounded_retries(stub, stub_backed):
    stub.mode, stub.calls = "error", 0
    with stub_backed.client() as http:
        problem = assert_problem(http.post("/v1/suggestions", json=SUGGESTION_BODY), 502)
    assert problem["type"].endswith("provider-error")
    assert 2 <= stub.calls <= 4  # the first call plus litellm's bounded retries, not an endless loop


def test_provider_rate_limit_is_429_with_its_retry_after(stub, stub_backed):
    stub.mode, stub.calls = "rate-limit", 0
    with stub_backed.client() as http:
        response = http.post("/v1/suggestions", json=SUGGESTION_BODY)
    problem = assert_problem(response, 429)
    assert problem["type"].endswith("rate-limited")
    assert response.headers["retry-after"] == "3"


@pytest.mark.parametrize(
    ("mock", "status", "kind"),
    [("litellm.RateLimitError", 429, "rate-limited"), ("litellm.InternalServerError", 502, "provider-error")],
)
def test_litellm_mock_errors_map_to_problems(start_server, mock, status, kind):
    server = start_server(mocked_settings(mock_response=mock, num_retries=0), loader=index_only)
    with server.client() as http:
        response = http.post("/v1/suggestions", json=SUGGESTION_BODY)
    problem = assert_problem(response, status)
    assert problem["type"].endswith(kind)
    if status == 429:
        assert int(response.headers["retry-after"]) >= 1


@pytest.fixture(scope="module")
def unmocked(start_server):
    """No mock: model checks run for real, and fail before any network call."""
    return start_server(Settings(model="local/gemma-3-270m"), loader=index_only)


def test_unknown_model_is_400(unmocked):
    with unmocked.client() as http:
        problem = assert_problem(
            http.post("/v1/suggestions", json={**SUGGESTION_BODY, "model": "no-such-model"}), 400
        )
    assert problem["model"] == "no-such-model"
    assert "local/gemma-3-270m" in problem["detail"]  # tells what a valid model string looks like


def test_missing_provider_key_is_503_naming_the_setting(unmocked, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    body = {**SUGGESTION_BODY, "model": "anthropic/claude-3-5-haiku-20241022"}
    with unmocked.client() as http:
        problem = assert_problem(http.post("/v1/suggestions", json=body), 503)
    assert problem["setting"] == "ANTHROPIC_API_KEY"
    assert "ANTHROPIC_API_KEY" in problem["detail"]


def test_allowed_models_limit_what_a_request_may_name(start_server):
    settings = mocked_settings(allowed_models=["openai/gpt-4o-mini"])
    server = start_server(settings, loader=index_only)
    with server.client() as http:
        refused = http.post("/v1/suggestions", json={**SUGGESTION_BODY, "model": "anthropic/claude-3-opus-latest"})
        offered = http.post("/v1/suggestions", json={**SUGGESTION_BODY, "model": "openai/gpt-4o-mini"})
    problem = assert_problem(refused, 400)
    assert "not offered" in problem["detail"] and "openai/gpt-4o-mini" in problem["detail"]
    assert offered.status_code == 200, offered.text
