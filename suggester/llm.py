"""Every model call goes through here: litellm for all providers, the embedded model included.

It translates provider failures into the project's error tree, checks credentials before a call,
and reports usage (tokens, cost, latency) from litellm's own accounting.
"""

from __future__ import annotations

import asyncio
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
    cached: bool = False  # True when replayed from a response cache; latency, tokens and cost are the original's
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
    if model.startswith(LOCAL_PREFIX):
        from suggester import local_model

        local_model.register(settings)
        local_model.resolve(model.removeprefix(LOCAL_PREFIX))  # raises UnknownModel
        return
    if settings.mock_response is not None:
        return
    try:
        _, provider, _, _ = litellm.get_llm_provider(model=model, api_base=settings.api_base)
    except Exception as exc:  # litellm raises BadRequestError with a long text
        raise UnknownModel(
            f"unknown model {model!r}: use a litellm model string such as 'openai/gpt-4o-mini', "
            f"'ollama/llama3.1' or the embedded 'local/gemma-3-270m'",
            model=model,
        ) from exc
    if settings.api_key or settings.api_base:
        return
    env = litellm.validate_environment(model=model)
    missing = env.get("missing_keys") or []
    if not env.get("keys_in_environment", True) and missing:
        raise MissingCredentials(
            f"model {model!r} needs {', '.join(missing)}: set it in the environment or set OKR_API_KEY",
            model=model,
            setting=missing[0],
        )


def _call_args(messages: list[dict], model: str, settings: Settings, **params: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "timeout": settings.timeout_s,
        "num_retries": 0 if model.startswith(LOCAL_PREFIX) else settings.num_retries,
    }
    if settings.api_base and not model.startswith(LOCAL_PREFIX):
        args["api_base"] = settings.api_base
    if settings.api_key and not model.startswith(LOCAL_PREFIX):
        args["api_key"] = settings.api_key
    if settings.fallback_models:
        args["fallbacks"] = list(settings.fallback_models)
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
    except Exception:  # unknown price (local, self-hosted): free as far as we know
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
    if isinstance(exc, litellm.exceptions.Timeout) or isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return ProviderTimeout(f"model {model!r} did not answer in time: {detail}", model=model)
    if isinstance(exc, litellm.exceptions.RateLimitError):
        return RateLimited(f"model {model!r} is rate limited: {detail}", retry_after=_retry_after(exc), model=model)
    if isinstance(exc, litellm.exceptions.AuthenticationError):
        return MissingCredentials(f"model {model!r} rejected the credentials: {detail}", model=model, setting="OKR_API_KEY")
    if isinstance(exc, litellm.exceptions.NotFoundError):
        return UnknownModel(f"model {model!r} was not found at the provider: {detail}", model=model)
    if isinstance(exc, litellm.exceptions.BadRequestError) and "LLM Provider NOT provided" in str(exc):
        return UnknownModel(f"unknown model {model!r}: {detail}", model=model)
    return ProviderError(f"model {model!r} failed ({name}): {detail}", model=model)


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


async def acomplete(messages: list[dict], model: str, settings: Settings, **params: Any) -> Completion:
    """One completion, async. Raises only `suggester.errors` types."""
    litellm = _litellm()
    prepare_model(model, settings)
    args = _call_args(messages, model, settings, **params)
    cache = response_cache.get()
    if cache is not None and (hit := cache.lookup(args)) is not None:
        return hit
    started = time.perf_counter()
    try:
        response = await litellm.acompletion(**args)
    except Exception as exc:
        raise _translate(exc, model) from exc
    completion = _completion_from(response, model, started)
    if cache is not None:
        cache.store(args, completion)
    return completion


def warm_up(model: str, settings: Settings) -> None:
    """Load what a model needs before the first request: the embedded model's weights, or nothing."""
    prepare_model(model, settings)
    if model.startswith(LOCAL_PREFIX):
        from suggester import local_model

        local_model.preload(model.removeprefix(LOCAL_PREFIX))
