"""POST /v1/suggestions over real HTTP: the answer, bad input, the concurrency limit, the deadline."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx

from suggester.api.routes import core_suggest
from suggester.models import Kind, Suggestion, SuggestionRequest

from .helpers import SUGGESTION_BODY, assert_problem, mocked_settings


def test_suggestion_returns_typed_validated_key_results(client):
    response = client.post("/v1/suggestions", json=SUGGESTION_BODY)
    assert response.status_code == 200, response.text
    suggestion = Suggestion.model_validate(response.json())
    assert suggestion.team_type == "sales"
    assert 3 <= len(suggestion.key_results) <= 5
    kinds = {kr.kind for kr in suggestion.key_results}
    assert Kind.output in kinds and Kind.input in kinds
    # The mocked model only named metrics; the baseline comes from the user's context, never invented.
    bookings = next(kr for kr in suggestion.key_results if kr.metric and "bookings" in kr.metric.lower())
    assert bookings.baseline == 1_200_000
    assert suggestion.examples_used, "retrieval should have supplied examples"
    assert suggestion.usage.model == "openai/gpt-4o-mini"
    assert suggestion.usage.completion_tokens > 0


def test_invalid_body_names_the_field_and_reason(client):
    problem = assert_problem(client.post("/v1/suggestions", json={"objective": "Grow EU", "count": 9}), 422)
    fields = {error["field"]: error["reason"] for error in problem["errors"]}
    assert "team_type" in fields and "required" in fields["team_type"].lower()
    assert "count" in fields and "5" in fields["count"]
    assert problem["detail"].startswith(problem["errors"][0]["field"])


def test_malformed_json_and_unknown_fields_are_422(client):
    broken = client.post(
        "/v1/suggestions", content=b'{"objective": ', headers={"Content-Type": "application/json"}
    )
    assert_problem(broken, 422)
    extra = assert_problem(client.post("/v1/suggestions", json={**SUGGESTION_BODY, "temperature": 2}), 422)
    assert extra["errors"][0]["field"] == "temperature"


def test_objective_over_the_limit_is_413_with_the_limit(client, server):
    limit = server.service.settings.max_objective_chars
    problem = assert_problem(
        client.post("/v1/suggestions", json={**SUGGESTION_BODY, "objective": "E" * (limit + 1)}), 413
    )
    assert problem["limit"] == limit and problem["field"] == "objective"
    assert str(limit) in problem["detail"]


def test_context_over_the_limit_is_413_with_the_limit(client, server):
    limit = server.service.settings.max_context_chars
    problem = assert_problem(
        client.post("/v1/suggestions", json={**SUGGESTION_BODY, "context": "c" * (limit + 1)}), 413
    )
    assert problem["limit"] == limit and problem["field"] == "context"


def test_body_over_the_byte_limit_is_413_before_parsing(client, server):
    limit = server.service.settings.max_request_bytes
    padded = {**SUGGESTION_BODY, "context": "x" * limit}
    assert_problem(client.post("/v1/suggestions", json=padded), 413)

    def chunks():  # no Content-Length: the limit is enforced while the body streams in
        yield b'{"objective": "'
        for _ in range(limit // 1000 + 2):
            yield b"y" * 1000
        yield b'", "team_type": "sales"}'

    chunked = client.post("/v1/suggestions", content=chunks(), headers={"Content-Type": "application/json"})
    problem = assert_problem(chunked, 413)
    assert problem["limit"] == limit


def test_concurrency_limit_answers_429_with_retry_after(start_server):
    server = start_server(mocked_settings(max_concurrent_llm=2))
    release = asyncio.Event()
    server_loops = []

    async def slow_suggest(request: SuggestionRequest, *, settings):
        server_loops.append(asyncio.get_running_loop())
        await release.wait()
        from suggester.pipeline import asuggest

        return await asuggest(request, settings=settings)

    server.app.dependency_overrides[core_suggest] = lambda: slow_suggest

    async def scenario():
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            held = [asyncio.create_task(http.post("/v1/suggestions", json=SUGGESTION_BODY)) for _ in range(2)]
            deadline = time.monotonic() + 10
            while server.service.slots.in_use < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert server.service.slots.in_use == 2
            refused = await http.post("/v1/suggestions", json=SUGGESTION_BODY)
            # Check and team types take no LLM slot, so they still answer while suggestions are full.
            team_types = await http.get("/v1/team-types")
            server_loops[0].call_soon_threadsafe(release.set)  # asyncio.Event is not thread-safe
            done = await asyncio.gather(*held)
            after = await http.post("/v1/suggestions", json=SUGGESTION_BODY)
            return refused, team_types, done, after

    refused, team_types, done, after = asyncio.run(scenario())
    problem = assert_problem(refused, 429)
    assert problem["limit"] == 2
    assert int(refused.headers["retry-after"]) >= 1
    assert team_types.status_code == 200
    assert [response.status_code for response in done] == [200, 200]
    assert after.status_code == 200
    assert server.service.slots.in_use == 0


def test_request_deadline_answers_504(start_server):
    server = start_server(mocked_settings(request_timeout_s=0.3))

    async def stuck_suggest(request, *, settings):
        await asyncio.sleep(30)

    server.app.dependency_overrides[core_suggest] = lambda: stuck_suggest
    with server.client() as http:
        started = time.monotonic()
        problem = assert_problem(http.post("/v1/suggestions", json=SUGGESTION_BODY), 504)
        assert time.monotonic() - started < 5
    assert "0.3" in problem["detail"]
    assert server.service.slots.in_use == 0  # the slot is given back when the deadline cancels the work


def test_model_output_with_no_usable_line_is_502(start_server):
    server = start_server(
        mocked_settings(mock_response="I am sorry, I cannot help with that.", repair_attempts=1)
    )
    with server.client() as http:
        problem = assert_problem(http.post("/v1/suggestions", json=SUGGESTION_BODY), 502)
    assert problem["type"].endswith("draft-failed")
    assert problem["attempts"] == 2
    assert "usage" not in problem
    with server.client() as http:
        metrics = http.get("/metrics").text
    # A failed draft spent its tokens all the same: both attempts are counted.
    assert 'okr_llm_calls_total{model="openai/gpt-4o-mini"} 2.0' in metrics
    assert 'okr_llm_tokens_total{direction="completion",model="openai/gpt-4o-mini"}' in metrics
    assert 'okr_llm_tokens_total{direction="completion",model="openai/gpt-4o-mini"} 0.0' not in metrics


def test_a_client_that_disconnects_cancels_its_draft_and_frees_the_slot(start_server):
    server = start_server(mocked_settings())
    started, cancelled = [], []

    async def endless_suggest(request, *, settings):
        started.append(time.monotonic())
        try:
            await asyncio.sleep(60)  # a slow model
        except asyncio.CancelledError:
            cancelled.append(time.monotonic())
            raise

    server.app.dependency_overrides[core_suggest] = lambda: endless_suggest

    async def leave_early():
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            request = asyncio.create_task(http.post("/v1/suggestions", json=SUGGESTION_BODY))
            deadline = time.monotonic() + 10
            while not started and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            request.cancel()  # the user closed the tab: httpx drops the connection
            with contextlib.suppress(asyncio.CancelledError):
                await request

    asyncio.run(leave_early())
    deadline = time.monotonic() + 10
    while (not cancelled or server.service.slots.in_use) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cancelled, "the draft kept running after its client left"
    assert server.service.slots.in_use == 0
    with server.client() as http:
        metrics = http.get("/metrics").text
    assert 'okr_errors_total{kind="client-closed-request"} 1.0' in metrics
