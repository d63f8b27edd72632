"""Settings from the environment: list values, and bad values as one clear error naming the variable."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from suggester.cli import main
from suggester.errors import InvalidSettings
from suggester.settings import get_settings


@pytest.mark.parametrize(
    "value", ["openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest", '["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest"]']
)
def test_fallback_models_take_commas_or_a_json_list(monkeypatch, value):
    monkeypatch.setenv("OKR_FALLBACK_MODELS", value)
    assert get_settings().fallback_models == ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest"]


@pytest.mark.parametrize(
    ("name", "value"), [("OKR_TIMEOUT_S", "abc"), ("OKR_CANDIDATES", "99"), ("OKR_FALLBACK_MODELS", "[not json")]
)
def test_a_bad_value_names_its_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(InvalidSettings) as caught:
        get_settings()
    assert caught.value.message.startswith(f"{name}: ")


def test_every_command_reports_bad_settings_in_one_line(monkeypatch):
    monkeypatch.setenv("OKR_TIMEOUT_S", "abc")
    for args in (["corpus", "stats"], ["draft", "Grow sales", "--team", "sales"], ["eval", "run", "eval/datasets/ci.jsonl"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert "OKR_TIMEOUT_S: Input should be a valid number" in result.output, args
        assert "Traceback" not in result.output and not isinstance(result.exception, InvalidSettings)
