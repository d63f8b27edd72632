"""Optional API-key auth: off by default; with OKR_API_KEYS every /v1 route needs a bearer key."""

from __future__ import annotations

import hmac

import pytest
from pydantic import SecretStr

from suggester.api import auth
from suggester.api.auth import KeyChecker

from .helpers import SUGGESTION_BODY, assert_problem, mocked_settings

KEYS = ["team-key-one-5b1f", "team-key-two-93ac"]
V1_CALLS = [
    ("POST", "/v1/suggestions", SUGGESTION_BODY),
    (
        "POST",
        "/v1/check",
        {"text": "# Grow EU bookings\n- Increase EU bookings from $1.2M to $1.8M by 2027-06-30"},
    ),
    ("GET", "/v1/team-types", None),
]


@pytest.fixture(scope="module")
def guarded(start_server):
    return start_server(mocked_settings(api_keys=KEYS))


@pytest.mark.parametrize(("method", "path", "body"), V1_CALLS)
def test_v1_routes_refuse_requests_without_a_valid_key(guarded, method, path, body):
    with guarded.client() as http:
        for headers in ({}, {"Authorization": "Bearer wrong-key"}, {"Authorization": f"Basic {KEYS[0]}"}):
            response = http.request(method, path, json=body, headers=headers)
            assert_problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), V1_CALLS)
def test_v1_routes_accept_every_configured_key(guarded, method, path, body):
    with guarded.client() as http:
        for key in KEYS:
            response = http.request(method, path, json=body, headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == 200, response.text


def test_health_metrics_and_docs_stay_open(guarded):
    with guarded.client() as http:
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
            assert http.get(path).status_code == 200, path


def test_openapi_declares_bearer_auth_when_keys_are_set(guarded):
    with guarded.client() as http:
        spec = http.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    suggestions = spec["paths"]["/v1/suggestions"]["post"]
    assert suggestions["security"] == [{"HTTPBearer": []}]
    assert "401" in suggestions["responses"]
    assert "security" not in spec["paths"]["/healthz"]["get"]


def test_auth_off_lets_v1_through_without_a_header(client):
    assert client.get("/v1/team-types").status_code == 200


def test_key_check_compares_against_every_key_without_early_exit(monkeypatch):
    checker = KeyChecker([SecretStr(key) for key in KEYS])
    comparisons = []
    compare = hmac.compare_digest

    def counting(a, b):
        comparisons.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", counting)
    for presented in (KEYS[0], KEYS[1], "nope", "", KEYS[0] + "x"):
        comparisons.clear()
        checker.accepts(presented)
        assert len(comparisons) == len(KEYS), presented  # same work whichever key (if any) matches
        assert {len(a) for a, _ in comparisons} == {32}  # fixed-length digests: the key length does not leak
    assert checker.accepts(KEYS[1]) and not checker.accepts(KEYS[1][:-1]) and not checker.accepts("")
