"""The embedded local model: a small GGUF model from PyPI, run in-process by llama.cpp and served to
litellm as the custom provider ``local``, so it is called like any other model::

    from suggester import local_model
    local_model.register()
    litellm.completion(model="local/gemma-3-270m", messages=[...], max_tokens=64)

This module imports litellm at the top: import it only on the paths that call a model
(`okr --help` and `okr check` never do). llama_cpp is imported when a model is first loaded.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the cost map over the network

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

from suggester.errors import (
    InputTooLong,
    InvalidRequest,
    ProviderError,
    ProviderTimeout,
    UnknownModel,
)
from suggester.gguf_models import PROVIDER, known_models, model_path, resolve
from suggester.llama_inputs import base_prompt, grammar_text, message_text
from suggester.settings import Settings, get_settings

# --- loading -------------------------------------------------------------------------------------


@dataclass
class _Loaded:
    llama: Any
    lock: threading.Lock  # a llama.cpp context is not thread-safe: one generation at a time per model
    chat_formatter: Any | None


_loaded: dict[str, _Loaded] = {}
_load_lock = threading.Lock()
_registered_settings: Settings | None = None


def _settings() -> Settings:
    return _registered_settings or get_settings()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _load(model: str) -> _Loaded:
    spec = resolve(model)
    with _load_lock:
        if spec.name not in _loaded:
            from llama_cpp import Llama

            settings = _settings()
            path = model_path(spec.name, settings)
            # One thread count for prompt evaluation and generation. llama.cpp's threads spin-wait on each
            # other, so on a busy machine fewer threads can be much faster (see OKR_LOCAL_N_THREADS).
            threads = settings.local_n_threads or _cores()
            with _quiet_stderr():
                llama = Llama(
                    model_path=str(path),
                    n_ctx=settings.local_n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    verbose=False,
                )
            if not _loaded:
                atexit.register(_close_all)
            _loaded[spec.name] = _Loaded(
                llama, threading.Lock(), _chat_formatter(llama) if spec.chat else None
            )
        return _loaded[spec.name]


def _close_all() -> None:
    """Free the models at exit, while llama.cpp's bindings still exist (its own __del__ runs too late and
    prints a TypeError at interpreter shutdown)."""
    with _load_lock:
        for loaded in _loaded.values():
            loaded.llama.close()
        _loaded.clear()


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence what llama.cpp's C code prints while loading even with verbose=False (a cache notice).

    Failures still surface: llama-cpp-python raises them as Python exceptions.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _chat_formatter(llama: Any) -> Any:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    vocab = llama._model
    return Jinja2ChatFormatter(
        template=llama.metadata["tokenizer.chat_template"],
        eos_token=vocab.token_get_text(llama.token_eos()),
        bos_token=vocab.token_get_text(llama.token_bos()),
    )


def preload(model: str) -> None:
    """Load the model's weights now (for a CLI or server start), so the first request does not wait."""
    _load(model)


def llama(model: str) -> Any:
    """The model's loaded `llama_cpp.Llama` (for benchmarks and diagnostics). It is shared: do not use it
    while another thread may be generating."""
    return _load(model).llama


def encode_prompt(model: str, messages: list[dict]) -> list[int]:
    """The exact prompt tokens the provider feeds llama.cpp for these messages."""
    return _prompt_tokens(_load(model), messages)[0]


# --- requests ------------------------------------------------------------------------------------

# OpenAI names that llama.cpp shares, plus llama.cpp's own sampling knobs, passed through as given.
_SAMPLING_PARAMS = (
    "temperature",
    "top_p",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "top_k",
    "min_p",
    "typical_p",
    "repeat_penalty",
    "mirostat_mode",
    "mirostat_tau",
    "mirostat_eta",
)


def _prompt_tokens(loaded: _Loaded, messages: list[dict]) -> tuple[list[int], list[str]]:
    """Tokens of the prompt and the stop strings the prompt format itself needs."""
    if loaded.chat_formatter is None:
        text, stop, add_bos = base_prompt(messages), [], True
    else:
        prefill = ""
        if messages and messages[-1].get("role") == "assistant":  # continue a prefilled answer
            prefill, messages = message_text(messages[-1]), messages[:-1]
        chat = [{"role": m.get("role", "user"), "content": message_text(m)} for m in messages]
        formatted = loaded.chat_formatter(messages=chat)
        text, stop, add_bos = formatted.prompt + prefill, list(formatted.stop), not formatted.added_special
    # Tokenized here so usage and cache accounting count exactly what llama.cpp sees. llama-cpp-python
    # reuses the KV cache for the longest token prefix shared with the previous prompt on the same Llama
    # object; the fixed separators of base_prompt and chat templates keep a shared few-shot block a
    # shared token prefix.
    return loaded.llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True), stop


def _llama_kwargs(params: dict, format_stop: list[str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {name: params[name] for name in _SAMPLING_PARAMS if params.get(name) is not None}
    stop = params.get("stop") or []
    kwargs["stop"] = format_stop + ([stop] if isinstance(stop, str) else list(stop))
    max_tokens = params.get("max_tokens") or params.get("max_completion_tokens")
    kwargs["max_tokens"] = int(max_tokens or _settings().max_tokens)
    grammar = grammar_text(params)
    if grammar is not None:
        from llama_cpp.llama_grammar import LlamaGrammar

        kwargs["grammar"] = LlamaGrammar.from_string(grammar, verbose=False)
    return kwargs


def _request(model: str, messages: list[dict], optional_params: dict) -> tuple[_Loaded, list[int], dict]:
    params = {**(optional_params.get("extra_body") or {}), **optional_params}
    loaded = _load(model)
    tokens, format_stop = _prompt_tokens(loaded, messages)
    return loaded, tokens, _llama_kwargs(params, format_stop)


def _perf(llama: Any) -> Any:
    import llama_cpp

    return llama_cpp.llama_perf_context(llama.ctx)


def _seconds(timeout: Any) -> float:
    if isinstance(timeout, (int, float)):
        return float(timeout)
    read = getattr(timeout, "read", None)  # an httpx.Timeout
    return float(read) if read else -1  # -1: wait as long as it takes


@contextlib.contextmanager
def _exclusive(loaded: _Loaded, model: str, timeout: Any) -> Iterator[None]:
    """Hold the model for one request, after waiting at most `timeout` for the request before it."""
    if not loaded.lock.acquire(timeout=_seconds(timeout)):
        raise ProviderTimeout(
            f"{PROVIDER}/{model} stayed busy with other requests for {timeout} s", model=model
        )
    try:
        yield
    except ValueError as exc:  # how llama-cpp-python reports a request it cannot run
        if "exceed context window" in str(exc):
            raise InputTooLong(f"prompt too long for {PROVIDER}/{model}: {exc}", model=model) from exc
        raise ProviderError(f"{PROVIDER}/{model} failed: {exc}", model=model) from exc
    finally:
        loaded.lock.release()


@dataclass
class _Generated:
    texts: list[str]
    finish_reasons: list[str]
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    timings_ms: dict[str, float]


def generate(model: str, messages: list[dict], optional_params: dict, timeout: Any = None) -> _Generated:
    """Run one request on the embedded model (``n`` samples in a row, reusing the prompt's KV cache).

    Raises:
        UnknownModel, InvalidRequest, InputTooLong, ProviderTimeout (the model stayed busy longer
        than `timeout` seconds), ProviderError.
    """
    import llama_cpp

    loaded, tokens, kwargs = _request(model, messages, optional_params)
    n = int(optional_params.get("n") or 1)
    texts, reasons, completion_tokens, evaluated = [], [], 0, 0
    started = time.perf_counter()
    with _exclusive(loaded, model, timeout):
        llama_cpp.llama_perf_context_reset(loaded.llama.ctx)
        for index in range(n):
            if index and kwargs.get("seed") is not None:
                kwargs["seed"] += 1  # distinct but reproducible samples
            out = loaded.llama.create_completion(tokens, **kwargs)
            choice = out["choices"][0]
            texts.append(choice["text"])
            reasons.append(choice["finish_reason"] or "stop")
            completion_tokens += out["usage"]["completion_tokens"]
            if index == 0:
                evaluated = _perf(loaded.llama).n_p_eval
        perf = _perf(loaded.llama)
    return _Generated(
        texts,
        reasons,
        prompt_tokens=len(tokens),
        completion_tokens=completion_tokens,
        cached_tokens=max(0, len(tokens) - evaluated),
        timings_ms={
            "prompt_eval": perf.t_p_eval_ms,
            "generation": perf.t_eval_ms,
            "total": (time.perf_counter() - started) * 1000,
        },
    )


def stream(
    model: str, messages: list[dict], optional_params: dict, timeout: Any = None
) -> Iterator[GenericStreamingChunk]:
    """Yield litellm streaming chunks as llama.cpp produces text; the last chunk carries the usage."""
    if int(optional_params.get("n") or 1) != 1:
        raise InvalidRequest("the local provider streams one choice only (n=1)")
    loaded, tokens, kwargs = _request(model, messages, optional_params)
    text, finish_reason = [], "stop"
    with _exclusive(loaded, model, timeout):
        for chunk in loaded.llama.create_completion(tokens, stream=True, **kwargs):
            choice = chunk["choices"][0]
            if choice["text"]:
                text.append(choice["text"])
                yield _chunk(choice["text"])
            finish_reason = choice.get("finish_reason") or finish_reason
        completion_tokens = len(
            loaded.llama.tokenize("".join(text).encode("utf-8"), add_bos=False, special=True)
        )
    usage = {"prompt_tokens": len(tokens), "completion_tokens": completion_tokens}
    yield _chunk("", finish_reason, {**usage, "total_tokens": len(tokens) + completion_tokens})


def _chunk(text: str, finish_reason: str = "", usage: dict | None = None) -> GenericStreamingChunk:
    return GenericStreamingChunk(
        text=text,
        is_finished=bool(finish_reason),
        finish_reason=finish_reason,
        usage=usage,
        index=0,
        tool_use=None,
    )


# --- the litellm provider ------------------------------------------------------------------------


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


def _fill(response: ModelResponse, model: str, generated: _Generated) -> ModelResponse:
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
    global _registered_settings
    with _register_lock:
        if settings is not None:
            _registered_settings = settings
        if not any(item.get("provider") == PROVIDER for item in litellm.custom_provider_map):
            litellm.custom_provider_map = [
                *litellm.custom_provider_map,
                {"provider": PROVIDER, "custom_handler": _handler},
            ]
        # litellm adds custom providers to its provider list only when a call starts; do it now so
        # lookups made before the first call (get_llm_provider, supports_response_schema) know "local".
        litellm.utils.custom_llm_setup()
        n_ctx = _settings().local_n_ctx
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
