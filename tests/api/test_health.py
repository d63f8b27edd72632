"""Liveness, readiness (loading, ready, failed), metrics and the OpenAPI document."""

from __future__ import annotations

import re
import threading

import httpx

from suggester.errors import CorpusError

from .helpers import SUGGESTION_BODY, assert_problem, mocked_settings


def test_healthz_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_loaded_resources(client, server):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True and body["state"] == "ready"
    assert body["model"] == server.service.settings.model
    assert body["load_seconds"] >= 0


def test_while_loading_health_is_live_and_readiness_is_not(start_server):
    release = threading.Event()
    calls = []

    def slow_loader(settings):
        calls.append(settings)
        release.wait(30)

    server = start_server(mocked_settings(request_timeout_s=0.5), loader=slow_loader, ready=False)
    try:
        with server.client() as http:
            assert http.get("/healthz").status_code == 200
            problem = assert_problem(http.get("/readyz"), 503)
            assert problem["state"] == "loading" and problem["ready"] is False
            assert http.get("/readyz").headers["retry-after"] == "5"
            # A suggestion waits for the resources within its deadline, then says why it gave up.
            busy = assert_problem(http.post("/v1/suggestions", json=SUGGESTION_BODY), 503)
            assert "loading" in busy["detail"]
            assert int(http.post("/v1/suggestions", json=SUGGESTION_BODY).headers["retry-after"]) >= 1
    finally:
        release.set()
    server.wait_ready(timeout=10)
    assert len(calls) == 1  # loaded once per app, at start-up, not per request


def test_failed_loading_shows_in_readyz_and_suggestions(start_server):
    def broken_loader(settings):
        raise CorpusError("examples_corpus/broken.yaml: item 3: key_results is missing")

    server = start_server(mocked_settings(), loader=broken_loader, ready=False)
    with server.client() as http:
        for _ in range(100):
            response = http.get("/readyz")
            if response.json().get("state") != "loading":
                break
        problem = assert_problem(response, 503)
        assert problem["state"] == "failed"
        assert "broken.yaml" in problem["detail"]
        suggestion = assert_problem(http.post("/v1/suggestions", json=SUGGESTION_BODY), 503)
        assert "broken.yaml" in suggestion["detail"]
        assert http.get("/healthz").status_code == 200


def _sample(metrics_text: str, name: str, **labels: str) -> float:
    """Value of one Prometheus sample, 0 when absent."""
    for line in metrics_text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_latency_tokens_and_errors(start_server):
    server = start_server(mocked_settings())
    with server.client() as http:
        assert http.post("/v1/suggestions", json=SUGGESTION_BODY).status_code == 200
        assert http.post("/v1/suggestions", json={"objective": ""}).status_code == 422
        assert http.get("/no-such-route").status_code == 404
        response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    route = {"method": "POST", "route": "/v1/suggestions"}
    assert _sample(text, "okr_http_requests_total", status="200", **route) == 1
    assert _sample(text, "okr_http_requests_total", status="422", **route) == 1
    assert _sample(text, "okr_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert _sample(text, "okr_http_request_duration_seconds_count", **route) == 2
    assert _sample(text, "okr_llm_tokens_total", direction="completion", model="openai/gpt-4o-mini") > 0
    assert _sample(text, "okr_llm_calls_total", model="openai/gpt-4o-mini") >= 1
    assert _sample(text, "okr_errors_total", kind="invalid-body") == 1
    assert _sample(text, "okr_errors_total", kind="http-404") == 1
    assert _sample(text, "okr_ready") == 1
    assert _sample(text, "okr_llm_in_flight") == 0


def test_openapi_documents_every_route_with_problem_errors(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/suggestions", "/v1/check", "/v1/team-types", "/healthz", "/readyz", "/metrics"):
        assert path in spec["paths"], path
    responses = spec["paths"]["/v1/suggestions"]["post"]["responses"]
    for status in ("400", "413", "422", "429", "502", "503", "504"):
        assert list(responses[status]["content"]) == ["application/problem+json"], status
    request_schema = spec["components"]["schemas"]["SuggestionRequest"]["properties"]
    assert request_schema["objective"]["maxLength"] == 500
    assert request_schema["objective"]["description"] and request_schema["objective"]["examples"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "securitySchemes" not in spec.get("components", {})  # auth is off on this server
    docs = client.get("/docs")
    assert docs.status_code == 200 and "http" not in docs.text.replace(str(client.base_url), "")  # no CDN
    for asset in re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', docs.text):
        assert client.get(asset).status_code == 200, asset
    assert "/docs-assets/swagger-ui-bundle.js" in docs.text


def test_request_id_is_echoed_or_made(client):
    given = client.get("/healthz", headers={"X-Request-ID": "client-chosen-id-42"})
    assert given.headers["x-request-id"] == "client-chosen-id-42"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert httpx.get(client.base_url.join("/healthz")).headers["x-request-id"] != made.headers["x-request-id"]


def test_every_field_of_the_openapi_document_has_a_description_and_an_example(client):
    spec = client.get("/openapi.json").json()
    bare = [
        f"{name}.{prop}"
        for name, schema in spec["components"]["schemas"].items()
        for prop, field in schema.get("properties", {}).items()
        if "$ref" not in field and not ("description" in field and "examples" in field)
    ]
    assert not bare, f"fields without a description or an example in /docs: {bare}"
