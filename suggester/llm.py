"""Every model call goes through here: litellm for all providers, the embedded model included.

It translates provider failures into the project's error tree, checks credentials before a call,
and reports usage (tokens, cost, latency) from litellm's own accounting.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from suggester.errors import (
    DraftFailed,
    MissingCredentials,
    ProviderError,
    ProviderTimeout,
    RateLimited,
    UnknownModel,
)
from suggester.settings import Settings

LOCAL_PREFIX = "local/"

log = logging.getLogger(__name__)


@dataclass
class Completion:
    """The text of one model answer and what it cost."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    finish_reason: str | None = None
    cut_line: str | None = None  # the unfinished last line dropped from an answer cut at max_tokens
    # True when replayed from a response cache; latency, tokens and cost are then the original's.
    cached: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# The eval harness sets this to an object with `lookup(args) -> Completion | None` and
# `store(args, completion)` (see suggester.evaluation.cache); None, the default, calls the model every time.
response_cache: ContextVar[Any] = ContextVar("okr_response_cache", default=None)


def _litellm():
    """Import litellm once, offline: its cost map must come from the package, not the network."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    return litellm


def prepare_model(model: str, settings: Settings) -> None:
    """Fail early and clearly: unknown provider, unknown local model, or a missing API key."""
    litellm = _litellm()
    local_fallbacks = [m for m in settings.fallback_models if m.startswith(LOCAL_PREFIX)]
    if model.startswith(LOCAL_PREFIX) or local_fallbacks:
        from suggester import gguf_models, local_provider

        local_provider.register(settings)
        for name in [model, *local_fallbacks] if model.startswith(LOCAL_PREFIX) else local_fallbacks:
            gguf_models.resolve(name.removeprefix(LOCAL_PREFIX))  # raises UnknownModel
    if model.startswith(LOCAL_PREFIX) or settings.mock_response is not None:
        return
    try:
        _, provider, _, _ = litellm.get_llm_provider(model=model, api_base=settings.api_base)
    except Exception as exc:  # litellm raises BadRequestError with a long text
        raise UnknownModel(
            f"unknown model {model!r}: use a litellm model string such as 'openai/gpt-4o-mini', "
            f"'ollama/llama3.1' or the embedded 'local/gemma-3-270m'",
            model=model,
        ) from exc
    if settings.api_key_env and not os.environ.get(settings.api_key_env):
        raise MissingCredentials(
            f"model {model!r} needs an API key in ${settings.api_key_env} (named by OKR_API_KEY_ENV), "
            f"which is not set",
            model=model,
            setting=settings.api_key_env,
        )
    endpoint = _endpoint(model, settings)
    api_key, api_base = endpoint.get("api_key"), endpoint.get("api_base")
    if api_base and not api_key and provider == "openai" and not os.environ.get("OPENAI_API_KEY"):
        # vLLM and Ollama servers take no key, but `openai/...` goes through the OpenAI client, which
        # refuses to send a request without one (even to a server that never checks it).
        raise MissingCredentials(
            f"model {model!r} at {api_base} is called through the OpenAI client, which needs a key: "
            f"set OKR_API_KEY (any value if the server checks none)",
            model=model,
            setting="OKR_API_KEY",
        )
    env = litellm.validate_environment(
        model=model, api_key=api_key, api_base=api_base, api_version=endpoint.get("api_version")
    )
    missing = env.get("missing_keys") or []
    if not env.get("keys_in_environment", True) and missing:
        named = [f"{name} (or {_OUR_SETTING[part]})" for name in missing for part in _OUR_SETTING if name.endswith(part)]
        named += [name for name in missing if not any(name.endswith(part) for part in _OUR_SETTING)]
        raise MissingCredentials(
            f"model {model!r} needs {', '.join(named)}: set {'it' if len(named) == 1 else 'them'} in the environment",
            model=model,
            setting=missing[0],
        )


# What a provider's own variable is called here: AZURE_API_BASE can come from OKR_API_BASE, and so on.
_OUR_SETTING = {"_API_KEY": "OKR_API_KEY", "_API_BASE": "OKR_API_BASE", "_API_VERSION": "OKR_API_VERSION"}


def _api_key(settings: Settings) -> str | None:
    """OKR_API_KEY, else the variable OKR_API_KEY_ENV names, else None (the provider's own variable)."""
    if settings.api_key:
        return settings.api_key
    return os.environ.get(settings.api_key_env) or None if settings.api_key_env else None


def _endpoint(model: str, settings: Settings) -> dict[str, str]:
    """The configured base URL, key and API version, for a model of OKR_MODEL's provider only.

    A request that names another provider's model (or the embedded one) gets none of them and reads that
    provider's own variables, so the key configured for one vendor never reaches another.
    """
    if model.startswith(LOCAL_PREFIX) or _provider(model) != _provider(settings.model):
        return {}
    values = {"api_base": settings.api_base, "api_key": _api_key(settings), "api_version": settings.api_version}
    return {name: value for name, value in values.items() if value}


def _provider(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else model


def _fallbacks(model: str, settings: Settings) -> list[dict[str, Any]]:
    """litellm fallback entries; each inherits the main call's arguments unless it overrides them.

    The api base and key belong to the main model's provider: a fallback of the same provider (another
    model on the same server) shares them; any other provider gets neither, so it reads its own
    environment variables and our key never reaches another vendor.
    """
    entries = []
    for fallback in settings.fallback_models:
        entry: dict[str, Any] = {"model": fallback}
        if fallback.startswith(LOCAL_PREFIX):
            entry.update(api_base=None, api_key=None, api_version=None, num_retries=0)
        elif _provider(fallback) != _provider(model):
            entry.update(api_base=None, api_key=None, api_version=None)
        entries.append(entry)
    return entries


def _call_args(messages: list[dict], model: str, settings: Settings, **params: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "timeout": settings.timeout_s,
        "num_retries": 0 if model.startswith(LOCAL_PREFIX) else settings.num_retries,
    }
    args.update(_endpoint(model, settings))
    if settings.fallback_models:
        args["fallbacks"] = _fallbacks(model, settings)
    if settings.mock_response is not None:
        args["mock_response"] = settings.mock_response
    args.update({k: v for k, v in params.items() if v is not None})
    return args


def _completion_from(response: Any, model: str, started: float) -> Completion:
    litellm = _litellm()
    choice = response.choices[0]
    usage = getattr(response, "usage", None)
    try:
        cost = float(litellm.completion_cost(completion_response=response) or 0.0)
    except Exception:  # noqa: BLE001 (unknown price: local or self-hosted, free as far as we know)
        cost = 0.0
    return Completion(
        text=choice.message.content or "",
        model=getattr(response, "model", None) or model,
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        cost_usd=cost,
        latency_ms=(time.perf_counter() - started) * 1000,
        finish_reason=getattr(choice, "finish_reason", None),
    )


def _translate(exc: Exception, model: str) -> Exception:
    """Map litellm's exceptions onto our error tree; anything unknown becomes a ProviderError."""
    litellm = _litellm()
    if isinstance(exc, (UnknownModel, MissingCredentials, ProviderError, DraftFailed)):
        return exc
    name = type(exc).__name__
    detail = str(exc).splitlines()[0][:300] if str(exc) else name
    if isinstance(exc, (litellm.exceptions.Timeout, asyncio.TimeoutError, TimeoutError)):
        return ProviderTimeout(f"model {model!r} did not answer in time: {detail}", model=model)
    if isinstance(exc, litellm.exceptions.RateLimitError):
        return RateLimited(
            f"model {model!r} is rate limited: {detail}", retry_after=_retry_after(exc), model=model
        )
    if isinstance(exc, litellm.exceptions.AuthenticationError):
        return MissingCredentials(
            f"model {model!r} rejected the credentials: {detail}", model=model, setting="OKR_API_KEY"
        )
    if isinstance(exc, litellm.exceptions.NotFoundError):
        return UnknownModel(f"model {model!r} was not found at the provider: {detail}", model=model)
    if isinstance(exc, litellm.exceptions.BadRequestError) and "LLM Provider NOT provided" in str(exc):
        return UnknownModel(f"unknown model {model!r}: {detail}", model=model)
    return ProviderError(f"model {model!r} failed ({name}): {detail}", model=model)


def _retry_after(exc: Exception) -> float | None:
    """Seconds to wait from the provider's Retry-After header (a number or an HTTP date), if it sent one."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _drop_cut_line(completion: Completion) -> Completion:
    """An answer cut at max_tokens ends in an unfinished line; drop it rather than let the tolerant
    parser read "first response ti" as a metric. Complete lines before it are kept."""
    if completion.text.endswith("\n"):  # cut just after a line break: every line is whole
        return completion
    kept, _, cut = completion.text.rpartition("\n")
    if not cut.strip():
        return completion
    log.warning(
        "answer from %s was cut at max_tokens; dropped its unfinished last line %r",
        completion.model,
        cut[:80],
    )
    completion.text, completion.cut_line = kept, cut
    return completion


async def acomplete(
    messages: list[dict],
    model: str,
    settings: Settings,
    *,
    response_format: dict[str, Any] | type | None = None,
    **params: Any,
) -> Completion:
    """One completion, async.

    Args:
        messages: OpenAI-style chat messages.
        model: a litellm model string (`openai/gpt-4o-mini`, `local/gemma-3-270m`, ...).
        settings: api base, key, timeout, retries and fallbacks come from here.
        response_format: passed through to the provider unchanged: `{"type": "json_schema",
            "json_schema": {...}}` for OpenAI, `{"type": "json_object", "schema": {...}}` for a
            llama.cpp server or the embedded model, or a pydantic class.
        **params: other litellm arguments (seed, stop, max_tokens, ...); None values are left out.

    Returns:
        The answer. A plain-text answer cut at max_tokens (`finish_reason == "length"`) loses its
        unfinished last line, which is kept in `cut_line`; structured answers are left as they are.

    Raises:
        SuggesterError: only `suggester.errors` types (ProviderTimeout, RateLimited, ProviderError,
        MissingCredentials, UnknownModel).
    """
    litellm = _litellm()
    prepare_model(model, settings)
    args = _call_args(messages, model, settings, response_format=response_format, **params)
    cache = response_cache.get()
    if cache is not None and (hit := cache.lookup(args)) is not None:
        return hit
    started = time.perf_counter()
    try:
        response = await litellm.acompletion(**args)
    except Exception as exc:
        raise _translate(exc, model) from exc
    completion = _completion_from(response, model, started)
    if completion.finish_reason == "length" and response_format is None:
        completion = _drop_cut_line(completion)
    if cache is not None:
        cache.store(args, completion)
    return completion


def warm_up(model: str, settings: Settings) -> None:
    """Load what a model needs before the first request: the embedded model's weights, or nothing."""
    prepare_model(model, settings)
    if model.startswith(LOCAL_PREFIX):
        from suggester import local_model

        local_model.preload(model.removeprefix(LOCAL_PREFIX))
