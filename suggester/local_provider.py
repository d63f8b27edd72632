"""The embedded models as the litellm custom provider ``local``, so they are called like any other model::

    from suggester import local_provider
    local_provider.register()
    litellm.completion(model="local/gemma-3-270m", messages=[...], max_tokens=64)

`local_model` loads and runs the models; this module translates between it and litellm: responses,
streaming in a worker thread, and litellm's own exception kinds. It imports litellm at the top.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import litellm
from litellm import CustomLLM
from litellm.types.utils import (
    Choices,
    GenericStreamingChunk,
    Message,
    ModelResponse,
    PromptTokensDetailsWrapper,
    Usage,
)

from suggester import local_model
from suggester.errors import InputTooLong, InvalidRequest, ProviderError, ProviderTimeout, UnknownModel
from suggester.gguf_models import PROVIDER, known_models
from suggester.local_model import generate, stream
from suggester.settings import Settings


class LocalLLM(CustomLLM):
    """litellm custom provider for the embedded models; litellm passes the model name without ``local/``."""

    def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
        with _litellm_errors(model):
            generated = generate(model, messages, kwargs["optional_params"], kwargs.get("timeout"))
        return _fill(kwargs["model_response"], model, generated)

    async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> ModelResponse:
        # Generation runs in a worker thread so the event loop keeps serving other requests meanwhile.
        with _litellm_errors(model):
            generated = await asyncio.to_thread(
                generate, model, messages, kwargs["optional_params"], kwargs.get("timeout")
            )
        return _fill(kwargs["model_response"], model, generated)

    def streaming(
        self, model: str, messages: list, *args: Any, **kwargs: Any
    ) -> Iterator[GenericStreamingChunk]:
        with _litellm_errors(model):
            yield from stream(model, messages, kwargs["optional_params"], kwargs.get("timeout"))

    async def astreaming(
        self, model: str, messages: list, *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        with _litellm_errors(model):
            async for chunk in _in_thread(
                stream(model, messages, kwargs["optional_params"], kwargs.get("timeout"))
            ):
                yield chunk


@contextlib.contextmanager
def _litellm_errors(model: str) -> Iterator[None]:
    """Raise litellm's own exception kinds from the provider: litellm passes those on unchanged (ours it
    wraps as a connection error), so callers, retries and Router fallbacks see a timeout as a timeout."""
    where = {"model": f"{PROVIDER}/{model}", "llm_provider": PROVIDER}
    try:
        yield
    except UnknownModel as exc:
        raise litellm.NotFoundError(message=exc.message, **where) from exc
    except InputTooLong as exc:
        raise litellm.ContextWindowExceededError(message=exc.message, **where) from exc
    except InvalidRequest as exc:
        raise litellm.BadRequestError(message=exc.message, **where) from exc
    except ProviderTimeout as exc:
        raise litellm.Timeout(message=exc.message, **where) from exc
    except ProviderError as exc:
        raise litellm.InternalServerError(message=exc.message, **where) from exc


def _fill(response: ModelResponse, model: str, generated: local_model.Generated) -> ModelResponse:
    response.model = f"{PROVIDER}/{model}"
    response.created = int(time.time())
    response.choices = [
        Choices(index=i, finish_reason=reason, message=Message(role="assistant", content=text))
        for i, (text, reason) in enumerate(zip(generated.texts, generated.finish_reasons))
    ]
    response.usage = Usage(
        prompt_tokens=generated.prompt_tokens,
        completion_tokens=generated.completion_tokens,
        total_tokens=generated.prompt_tokens + generated.completion_tokens,
        prompt_tokens_details=PromptTokensDetailsWrapper(cached_tokens=generated.cached_tokens),
    )
    response._hidden_params["local_timings_ms"] = generated.timings_ms
    return response


async def _in_thread(chunks: Iterator[GenericStreamingChunk]) -> AsyncIterator[GenericStreamingChunk]:
    """Drive a blocking chunk iterator in a worker thread and hand its chunks to the event loop."""
    loop, queue, stopped = asyncio.get_running_loop(), asyncio.Queue(), threading.Event()
    done = object()

    def put(item: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while we were generating
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def produce() -> None:
        try:
            with contextlib.closing(chunks):  # releases the model lock when the consumer goes away
                for chunk in chunks:
                    if stopped.is_set():
                        break
                    put(chunk)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            put(exc)
        finally:
            put(done)

    threading.Thread(target=produce, name="local-model-stream", daemon=True).start()
    try:
        while (item := await queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stopped.set()


_handler = LocalLLM()
_register_lock = threading.Lock()


def register(settings: Settings | None = None) -> None:
    """Make ``local/<name>`` models callable through litellm. Safe to call any number of times.

    Args:
        settings: where the model cache lives and the context size; defaults to `get_settings()`.
    """
    with _register_lock:
        if settings is not None:
            local_model.use_settings(settings)
        if not any(item.get("provider") == PROVIDER for item in litellm.custom_provider_map):
            litellm.custom_provider_map = [
                *litellm.custom_provider_map,
                {"provider": PROVIDER, "custom_handler": _handler},
            ]
        # litellm adds custom providers to its provider list only when a call starts; do it now so
        # lookups made before the first call (get_llm_provider, supports_response_schema) know "local".
        litellm.utils.custom_llm_setup()
        n_ctx = local_model.current_settings().local_n_ctx
        litellm.register_model(
            {
                name: {
                    "litellm_provider": PROVIDER,
                    "mode": "chat",
                    "max_input_tokens": n_ctx,
                    "max_tokens": n_ctx,
                    "input_cost_per_token": 0.0,
                    "output_cost_per_token": 0.0,
                    "cache_read_input_token_cost": 0.0,
                    "cache_creation_input_token_cost": 0.0,
                    "supports_response_schema": True,
                }
                for name in known_models()
            }
        )
