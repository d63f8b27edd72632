"""Structured logs (request id, no keys, objective text at debug only) and the error paths of any route."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest

from suggester.api.logs import JsonFormatter
from suggester.api.routes import core_suggest

from .helpers import SUGGESTION_BODY, assert_problem, mocked_settings

KEY = "sk-live-very-secret-4711"
OBJECTIVE = "Delight the Lisbon night-shift crew with a calmer rota"


@pytest.fixture(scope="module")
def logged(start_server):
    return start_server(mocked_settings(api_keys=[KEY]))


@pytest.fixture
def log_lines():
    """Everything the `suggester` loggers write during the test, as parsed JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("suggester")
    previous = logger.level
    logger.addHandler(handler)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line]

    logger.setLevel(logging.INFO)
    read.stream = stream
    yield read
    logger.removeHandler(handler)
    logger.setLevel(previous)


def _suggest(server) -> str:
    with server.client() as http:
        response = http.post(
            "/v1/suggestions",
            json={**SUGGESTION_BODY, "objective": OBJECTIVE},
            headers={"Authorization": f"Bearer {KEY}"},
        )
    assert response.status_code == 200, response.text
    return response.headers["x-request-id"]


def test_info_logs_are_json_with_request_id_and_no_key_or_objective(logged, log_lines):
    request_id = _suggest(logged)
    for _ in range(100):  # the access line is written just after the response went out
        mine = [line for line in log_lines() if line.get("request_id") == request_id]
        access = [line for line in mine if line["logger"] == "suggester.api.access"]
        if access:
            break
        time.sleep(0.02)
    messages = {line["msg"] for line in mine}
    assert "suggestion requested" in messages and "suggestion drafted" in messages
    [access] = access
    assert access["status"] == 200 and access["path"] == "/v1/suggestions" and access["ms"] > 0
    raw = log_lines.stream.getvalue()
    assert KEY not in raw
    assert OBJECTIVE not in raw


def test_debug_logs_hold_the_objective_but_never_the_key(logged, log_lines):
    logging.getLogger("suggester").setLevel(logging.DEBUG)
    request_id = _suggest(logged)
    debug = [
        line for line in log_lines() if line["level"] == "debug" and line.get("request_id") == request_id
    ]
    assert any(line.get("objective") == OBJECTIVE for line in debug)
    assert KEY not in log_lines.stream.getvalue()


def test_formatter_masks_bearer_tokens_as_a_second_line_of_defence():
    record = logging.LogRecord(
        "suggester.api", logging.INFO, __file__, 1, "header was Bearer %s", (KEY,), None
    )
    line = JsonFormatter().format(record)
    assert KEY not in line and "Bearer ***" in line


def test_unexpected_error_is_a_500_problem_without_internals(start_server, log_lines):
    server = start_server(mocked_settings())

    async def broken_suggest(request, *, settings):
        raise RuntimeError("internal detail that must stay in the logs")

    server.app.dependency_overrides[core_suggest] = lambda: broken_suggest
    with server.client() as http:
        response = http.post("/v1/suggestions", json=SUGGESTION_BODY)
        problem = assert_problem(response, 500)
        assert "internal detail" not in response.text
        assert response.headers["x-request-id"] in problem["detail"]
        assert http.get("/healthz").status_code == 200  # the server lives on
    logged = [line for line in log_lines() if line.get("request_id") == problem["request_id"]]
    assert any("internal detail" in line.get("exc", "") for line in logged)


def test_unknown_route_and_wrong_method_are_problems(client):
    assert_problem(client.get("/v1/nothing-here"), 404)
    wrong = client.get("/v1/suggestions")
    problem = assert_problem(wrong, 405)
    assert "GET" in problem["detail"]
    assert "POST" in wrong.headers["allow"]
