"""`okr draft`: the table, --json, one-line errors, and the whole path on the real embedded model."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from suggester.cli import main
from suggester.models import Kind, OKRSet, Severity, Suggestion
from suggester.validation import validate

GOOD = (
    "1. output | new EU bookings | increase\n"
    "2. input | qualified demos held in Germany and France | increase | drives 1\n"
    "3. input | first response time to EU inbound leads | decrease | drives 1\n"
    "4. initiative | Launch a German-language website | complete\n"
)
OBJECTIVE = "Grow our global business via expansion in the EU"


def draft(*args: str, **env: str):
    return CliRunner().invoke(main, ["draft", *args], env={"COLUMNS": "160", **env})


def mocked(**env: str) -> dict[str, str]:
    return {"OKR_MODEL": "openai/test-model", "OKR_MOCK_RESPONSE": GOOD, **env}


@pytest.mark.slow
def test_table_shows_kinds_numbers_links_and_sources():
    result = draft(OBJECTIVE, "--team", "sales", "--context", "EU bookings were EUR 400k last quarter.", **mocked())
    assert result.exit_code == 0, result.output
    out = result.output
    for column in ("kind", "key result", "baseline → target", "due", "drives", "findings"):
        assert column in out
    assert "output" in out and "input" in out and "EUR 400k →" in out.replace("EUR 400,000", "EUR 400k")
    assert "Examples drawn on: sales-" in out and "openai/test-model: 2 call(s)" in out


@pytest.mark.slow
def test_json_is_the_suggestion():
    result = draft(OBJECTIVE, "--team", "sales", "--json", "--count", "3", **mocked())
    assert result.exit_code == 0, result.output
    suggestion = Suggestion.model_validate_json(result.output)
    assert len(suggestion.key_results) == 3 and suggestion.usage.model == "openai/test-model"


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (["", "--team", "sales"], {}, 2, "error: objective: String should have at least 1 character"),
        ([OBJECTIVE, "--team", "sales", "--model", "nope/x"], {}, 1, "error: unknown model 'nope/x'"),
        ([OBJECTIVE, "--team", "sales", "--model", "anthropic/claude-3-5-haiku-latest"],
         {"ANTHROPIC_API_KEY": ""}, 1, "needs ANTHROPIC_API_KEY (or OKR_API_KEY)"),
        ([OBJECTIVE, "--team", "sales", "--count", "9"], {}, 2, "Invalid value for '--count'"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(monkeypatch, args, env, code, message):
    for name, value in env.items():
        monkeypatch.delenv(name, raising=False) if not value else monkeypatch.setenv(name, value)
    result = draft(*args)
    assert result.exit_code == code, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


@pytest.mark.slow
def test_real_embedded_model_drafts_typed_checked_key_results():
    """No mock: Gemma 3 270M through llama.cpp, MiniLM retrieval, the validators, as a user runs it."""
    result = draft("Make our checkout feel effortless for returning shoppers", "--team", "e-commerce",
                   "--seed", "3", "--json", OKR_MODEL="local/gemma-3-270m")
    assert result.exit_code == 0, result.output
    suggestion = Suggestion.model_validate(json.loads(result.stdout))  # stderr may carry progress and warnings
    kinds = {kr.kind for kr in suggestion.key_results}
    assert len(suggestion.key_results) >= 3 and {Kind.input, Kind.output} <= kinds
    # Every error the rules find in the returned set is in the answer, on its KR: nothing is hidden.
    okr = OKRSet(objective=suggestion.objective, team_type=suggestion.team_type, key_results=suggestion.key_results)
    errors = {(f.rule, f.kr) for f in validate(okr) if f.severity is Severity.error}
    assert errors <= {(f.rule, f.kr) for f in suggestion.findings if f.severity is Severity.error}
    assert all(kr.baseline is None for kr in suggestion.key_results)  # no context given: no baseline invented
    assert suggestion.examples_used and suggestion.usage.model == "local/gemma-3-270m"


def test_the_okr_script_ends_a_draft_with_its_whole_answer_and_exit_code():
    """The console script skips the heavy libraries' teardown after a draft (`suggester.cli.run`): what it
    printed must still all arrive through a pipe, and the exit status must still be the command's."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    okr = str(Path(sys.executable).with_name("okr"))
    env = {**os.environ, **mocked()}
    done = subprocess.run([okr, "draft", OBJECTIVE, "--team", "sales", "--json"], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    suggestion = Suggestion.model_validate_json(done.stdout)
    assert len(suggestion.key_results) == 4
    bad = subprocess.run([okr, "draft", OBJECTIVE, "--team", "sales", "--count", "9"], env=env,
                         capture_output=True, text=True, timeout=300, check=False)
    assert bad.returncode == 2 and "count" in bad.stderr
    failed = subprocess.run([okr, "draft", OBJECTIVE, "--team", "sales"], capture_output=True, text=True,
                            env={**env, "OKR_MOCK_RESPONSE": "I cannot help with that."}, timeout=300, check=False)
    assert failed.returncode == 1 and "no usable key results" in failed.stderr
