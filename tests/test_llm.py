"""suggester.llm without any server: call arguments, credentials, error mapping, usage and cost.

litellm's `mock_response` stands in for the provider (no network); the HTTP paths are in
tests/test_providers.py (recorded) and tests/test_providers_failures.py (loopback stub).
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from types import SimpleNamespace

import pytest

from suggester import llm
from suggester.errors import MissingCredentials, ProviderError, ProviderTimeout, RateLimited
from suggester.settings import Settings

MESSAGES = [{"role": "user", "content": "Key results for: grow EU bookings"}]
PROVIDER_KEYS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "AZURE_API_KEY",
    "AZURE_API_BASE",
    "AZURE_API_VERSION",
)


@pytest.fixture
def no_provider_keys(monkeypatch):
    for name in PROVIDER_KEYS:
        monkeypatch.delenv(name, raising=False)


def test_call_args_carry_the_provider_settings_and_pass_response_format_through():
    settings = Settings(
        model="openai/m", api_base="http://127.0.0.1:9/v1", api_key="sk-x", timeout_s=7, num_retries=3
    )
    schema = {"type": "json_object", "schema": {"type": "object"}}
    args = llm._call_args(MESSAGES, "openai/m", settings, response_format=schema, seed=None, stop=["\n\n"])
    assert args["api_base"] == "http://127.0.0.1:9/v1" and args["api_key"] == "sk-x"
    assert args["timeout"] == 7 and args["num_retries"] == 3
    assert args["response_format"] is schema and args["stop"] == ["\n\n"]
    assert "seed" not in args  # None values are left to the provider's default


def test_the_embedded_model_gets_no_api_base_key_or_retries():
    settings = Settings(api_base="http://127.0.0.1:9/v1", api_key="sk-x", num_retries=3)
    args = llm._call_args(MESSAGES, "local/gemma-3-270m", settings)
    assert "api_base" not in args and "api_key" not in args and args["num_retries"] == 0


def test_fallbacks_share_base_and_key_only_within_the_same_provider():
    settings = Settings(
        api_base="http://vllm:8000/v1",
        api_key="sk-vllm",
        fallback_models=["hosted_vllm/small", "openai/gpt-4o-mini", "local/gemma-3-270m"],
    )
    small, hosted, local = llm._call_args(MESSAGES, "hosted_vllm/big", settings)["fallbacks"]
    assert small == {"model": "hosted_vllm/small"}  # inherits api_base and api_key from the main call
    assert hosted == {"model": "openai/gpt-4o-mini", "api_base": None, "api_key": None, "api_version": None}
    assert local["api_base"] is None and local["api_key"] is None and local["num_retries"] == 0


def test_api_key_env_names_the_variable_that_holds_the_key(monkeypatch):
    monkeypatch.setenv("MY_VLLM_TOKEN", "tok-123")
    settings = Settings(model="hosted_vllm/m", api_base="http://vllm:8000/v1", api_key_env="MY_VLLM_TOKEN")
    assert llm._call_args(MESSAGES, settings.model, settings)["api_key"] == "tok-123"
    assert (
        llm._call_args(MESSAGES, settings.model, settings.model_copy(update={"api_key": "direct"}))["api_key"]
        == "direct"
    )


def test_an_empty_api_key_env_fails_before_any_call_naming_the_variable(monkeypatch):
    monkeypatch.delenv("MY_VLLM_TOKEN", raising=False)
    settings = Settings(model="hosted_vllm/m", api_base="http://vllm:8000/v1", api_key_env="MY_VLLM_TOKEN")
    with pytest.raises(MissingCredentials, match=r"\$MY_VLLM_TOKEN") as caught:
        llm.prepare_model(settings.model, settings)
    assert caught.value.context["setting"] == "MY_VLLM_TOKEN"


@pytest.mark.parametrize(
    ("model", "variable"),
    [
        ("openai/gpt-4o-mini", "OPENAI_API_KEY"),
        ("anthropic/claude-3-5-haiku-20241022", "ANTHROPIC_API_KEY"),
        ("azure/my-deployment", "AZURE_API_KEY"),
    ],
)
def test_a_missing_key_fails_with_a_message_naming_the_setting(no_provider_keys, model, variable):
    with pytest.raises(MissingCredentials) as caught:
        llm.prepare_model(model, Settings(model=model))
    assert variable in caught.value.message and "OKR_API_KEY" in caught.value.message


def test_azure_needs_a_base_and_a_version_besides_the_key(no_provider_keys):
    settings = Settings(model="azure/my-deployment", api_key="k", api_base="https://example.openai.azure.com")
    with pytest.raises(MissingCredentials) as caught:
        llm.prepare_model(settings.model, settings)
    assert caught.value.message.endswith("needs AZURE_API_VERSION (or OKR_API_VERSION): set it in the environment")
    versioned = settings.model_copy(update={"api_version": "2024-10-21"})
    llm.prepare_model(versioned.model, versioned)  # does not raise
    assert llm._call_args([], versioned.model, versioned)["api_version"] == "2024-10-21"


def test_self_hosted_servers_need_no_key(no_provider_keys):
    for model in ("ollama/llama3.1", "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct"):
        llm.prepare_model(model, Settings(model=model, api_base="http://127.0.0.1:9"))  # does not raise


def test_an_openai_compatible_base_url_still_needs_some_key(no_provider_keys):
    # The OpenAI client refuses to send a request without a key; say so before the call, naming the setting.
    settings = Settings(model="openai/gemma-3-270m", api_base="http://127.0.0.1:9/v1")
    with pytest.raises(MissingCredentials, match="OKR_API_KEY") as caught:
        llm.prepare_model(settings.model, settings)
    assert caught.value.context["setting"] == "OKR_API_KEY"
    llm.prepare_model(
        settings.model, settings.model_copy(update={"api_key": "sk-local"})
    )  # any value will do


async def test_usage_and_cost_come_from_litellm_for_a_priced_model():
    litellm = llm._litellm()
    settings = Settings(model="openai/gpt-4o-mini", mock_response="1. output | EU bookings | increase")
    completion = await llm.acomplete(MESSAGES, settings.model, settings)
    assert completion.prompt_tokens > 0 and completion.completion_tokens > 0
    prompt_cost, answer_cost = litellm.cost_per_token(
        model="gpt-4o-mini",
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
    )
    assert completion.cost_usd == pytest.approx(prompt_cost + answer_cost) and completion.cost_usd > 0


async def test_a_model_litellm_has_no_price_for_costs_zero():
    settings = Settings(
        model="openai/my-self-hosted-model", mock_response="1. output | EU bookings | increase"
    )
    completion = await llm.acomplete(MESSAGES, settings.model, settings)
    assert completion.cost_usd == 0.0 and completion.completion_tokens > 0


@pytest.mark.parametrize(
    ("mock", "error"),
    [("litellm.RateLimitError", RateLimited), ("litellm.InternalServerError", ProviderError)],
)
async def test_litellm_errors_become_typed_errors(mock, error):
    settings = Settings(model="openai/gpt-4o-mini", mock_response=mock, num_retries=0)
    with pytest.raises(error):
        await llm.acomplete(MESSAGES, settings.model, settings)


async def test_a_litellm_timeout_becomes_provider_timeout():
    settings = Settings(model="openai/gpt-4o-mini", mock_response="never sent", num_retries=0, timeout_s=0.1)
    with pytest.raises(ProviderTimeout):  # the outer bound fails the test if our timeout was not passed on
        await asyncio.wait_for(llm.acomplete(MESSAGES, settings.model, settings, mock_timeout=True), 10)


def _rate_limit(value: str):
    return SimpleNamespace(response=SimpleNamespace(headers={"retry-after": value}))


def test_retry_after_reads_seconds_and_http_dates():
    assert llm._retry_after(_rate_limit("12")) == 12.0
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= llm._retry_after(_rate_limit(in_a_minute)) <= 60
    assert llm._retry_after(_rate_limit("soon")) is None
    assert llm._retry_after(SimpleNamespace(response=None)) is None


@pytest.mark.parametrize(
    ("text", "kept", "cut"),
    [
        (
            "1. output | bookings | increase\n2. input | demos he",
            "1. output | bookings | increase",
            "2. input | demos he",
        ),
        ("1. output | bookin", "", "1. output | bookin"),
        ("1. output | bookings | increase\n", "1. output | bookings | increase\n", None),
    ],
    ids=["cut mid-line", "cut in the first line", "cut after a line break"],
)
def test_only_the_unfinished_line_of_a_cut_answer_is_dropped(text, kept, cut):
    completion = llm._drop_cut_line(llm.Completion(text=text, model="m", finish_reason="length"))
    assert completion.text == kept and completion.cut_line == cut


def test_the_configured_key_and_base_go_only_to_the_configured_provider():
    settings = Settings(model="anthropic/claude-3-5-haiku-latest", api_key="sk-ant-secret", api_base="https://proxy/v1")
    own = llm._call_args(MESSAGES, "anthropic/claude-3-opus-latest", settings)
    other = llm._call_args(MESSAGES, "openai/gpt-4o-mini", settings)  # a request naming another vendor
    assert own["api_key"] == "sk-ant-secret" and own["api_base"] == "https://proxy/v1"
    assert "api_key" not in other and "api_base" not in other
