"""POST /v1/check (validators only) and GET /v1/team-types, over real HTTP."""

from __future__ import annotations

import threading
from collections import Counter

from suggester.corpus import load_corpus
from suggester.teams import normalize_team

from .helpers import assert_problem, mocked_settings

MARKDOWN = """\
# Make support feel effortless for our customers
- [output] Raise CSAT from 82% to 90% by 2027-09-30
- [input] Cut median first response time from 6 hours to 2 hours by 2027-09-30
- Improve the help center
"""


def test_check_markdown_reports_findings_per_kr(client):
    response = client.post(
        "/v1/check", json={"text": MARKDOWN, "context": "CSAT was 82% in Q2; first response 6 hours."}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    [checked] = report["sets"]
    assert checked["okr"]["objective"] == "Make support feel effortless for our customers"
    assert len(checked["okr"]["key_results"]) == 3
    csat = checked["okr"]["key_results"][0]
    assert (csat["baseline"], csat["target"]) == (82, 90)  # structured fields read from the text
    vague_id = checked["okr"]["key_results"][2]["id"]
    vague = [f for f in checked["findings"] if f["kr"] == vague_id and f["severity"] == "error"]
    assert vague, "an unmeasurable KR must be reported"
    assert report["errors"] == sum(f["severity"] == "error" for f in checked["findings"])


def test_check_structured_okr(client):
    okr = {
        "objective": "Make support feel effortless for our customers",
        "team_type": "customer support",
        "key_results": [
            {"id": "kr1", "kind": "output", "text": "Raise CSAT from 82% to 90% by 2027-09-30"},
            {
                "id": "kr2",
                "kind": "input",
                "text": "Publish 40 new help articles by 2027-09-30",
                "drives": ["kr1"],
            },
        ],
    }
    response = client.post("/v1/check", json={"okr": okr, "context": "CSAT was 82% in Q2."})
    assert response.status_code == 200, response.text
    [checked] = response.json()["sets"]
    assert [kr["id"] for kr in checked["okr"]["key_results"]] == ["kr1", "kr2"]
    assert checked["okr"]["key_results"][0]["baseline"] == 82


def test_check_needs_exactly_one_of_okr_or_text(client):
    neither = assert_problem(client.post("/v1/check", json={"context": "x"}), 422)
    assert "exactly one" in neither["detail"]
    both = {"text": MARKDOWN, "okr": {"objective": "Grow", "key_results": []}}
    assert_problem(client.post("/v1/check", json=both), 422)


def test_check_text_without_objective_is_422(client):
    problem = assert_problem(client.post("/v1/check", json={"text": "- Raise CSAT from 82% to 90%"}), 422)
    assert "objective" in problem["detail"].lower()


def test_check_over_the_limits_is_413(client, server):
    settings = server.service.settings
    long_text = "# Grow\n" + "- Raise CSAT from 82% to 90%\n" * (settings.max_document_chars // 20)
    problem = assert_problem(client.post("/v1/check", json={"text": long_text}), 413)
    assert problem["limit"] == settings.max_document_chars and problem["field"] == "text"
    okr = {"objective": "G" * (settings.max_objective_chars + 1)}
    assert assert_problem(client.post("/v1/check", json={"okr": okr}), 413)["field"] == "objective"


def test_check_works_before_the_model_is_loaded(start_server):
    release = threading.Event()
    server = start_server(mocked_settings(), loader=lambda settings: release.wait(30), ready=False)
    try:
        with server.client() as http:
            assert http.get("/readyz").status_code == 503
            assert http.post("/v1/check", json={"text": MARKDOWN}).status_code == 200
    finally:
        release.set()


def test_team_types_list_counts_aliases_and_relations(client, server):
    response = client.get("/v1/team-types")
    assert response.status_code == 200
    body = response.json()
    by_name = {team["name"]: team for team in body["team_types"]}
    settings = server.service.settings
    expected = Counter(normalize_team(example.team_type) for example in load_corpus([settings.corpus_dir]))
    for name, count in expected.items():
        assert by_name[name]["examples"] == count, name
    assert body["total_examples"] == sum(expected.values())
    assert "support" in by_name["customer support"]["aliases"]
    assert "partnerships" in by_name["sales"]["related"]
    assert [team["name"] for team in body["team_types"]] == sorted(by_name)
