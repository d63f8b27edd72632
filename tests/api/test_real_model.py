"""End to end with the embedded model (Gemma 3 270M via llama.cpp): no mock anywhere, no network."""

from __future__ import annotations

import pytest

from suggester.models import Suggestion
from suggester.settings import Settings

from .helpers import SUGGESTION_BODY


@pytest.mark.slow
def test_real_embedded_model_drafts_a_suggestion_over_http(start_server):
    server = start_server(Settings(model="local/gemma-3-270m", seed=11))
    with server.client(timeout=600) as http:
        ready = http.get("/readyz").json()
        response = http.post("/v1/suggestions", json={**SUGGESTION_BODY, "seed": 11})
        assert response.status_code == 200, response.text
        metrics = http.get("/metrics").text
    assert ready["model"] == "local/gemma-3-270m"
    suggestion = Suggestion.model_validate(response.json())
    assert 3 <= len(suggestion.key_results) <= 5
    assert suggestion.usage.model == "local/gemma-3-270m"
    assert suggestion.usage.completion_tokens > 0 and suggestion.usage.cost_usd == 0
    assert 'okr_llm_tokens_total{direction="completion",model="local/gemma-3-270m"}' in metrics
