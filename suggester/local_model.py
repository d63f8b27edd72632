"""The embedded local model: a small GGUF model from PyPI, run in-process by llama.cpp. Loading, the
one-generation-at-a-time lock, generation and streaming live here; `local_provider` serves them to
litellm as the custom provider ``local``.

This module imports litellm's types at the top: import it only on the paths that call a model
(`okr --help` and `okr check` never do). llama_cpp is imported when a model is first loaded.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch the cost map over the network

from litellm.types.utils import GenericStreamingChunk

from suggester import cancellation
from suggester.errors import (
    InputTooLong,
    InvalidRequest,
    ProviderError,
    ProviderTimeout,
)
from suggester.gguf_models import PROVIDER, model_path, resolve
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


def use_settings(settings: Settings) -> None:
    """Where the model files live, the context size and the threads, for models loaded from now on."""
    global _registered_settings
    _registered_settings = settings


def current_settings() -> Settings:
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

            settings = current_settings()
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
    kwargs["max_tokens"] = int(max_tokens or current_settings().max_tokens)
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


def _acquire(lock: threading.Lock, timeout_s: float, abandoned: threading.Event | None) -> bool:
    """Wait for the lock at most `timeout_s` (-1: no limit), and no longer once the caller has gone."""
    if abandoned is None:
        return lock.acquire(timeout=timeout_s)
    deadline = None if timeout_s < 0 else time.monotonic() + timeout_s
    while not abandoned.is_set():
        wait = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
        if wait <= 0:
            return False
        if lock.acquire(timeout=wait):
            return True
    raise ProviderError("the request was abandoned while it waited for the model")


def _stop_when_abandoned(kwargs: dict[str, Any]) -> threading.Event | None:
    """Make llama.cpp stop at the next token once the draft this generation serves has ended."""
    abandoned = cancellation.current()
    if abandoned is not None:
        import llama_cpp

        kwargs["stopping_criteria"] = llama_cpp.StoppingCriteriaList([lambda _ids, _logits: abandoned.is_set()])
    return abandoned


@contextlib.contextmanager
def _exclusive(loaded: _Loaded, model: str, timeout: Any, abandoned: threading.Event | None) -> Iterator[None]:
    """Hold the model for one request, after waiting at most `timeout` for the request before it."""
    if not _acquire(loaded.lock, _seconds(timeout), abandoned):
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
class Generated:
    texts: list[str]
    finish_reasons: list[str]
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    timings_ms: dict[str, float]


def generate(model: str, messages: list[dict], optional_params: dict, timeout: Any = None) -> Generated:
    """Run one request on the embedded model (``n`` samples in a row, reusing the prompt's KV cache).

    Raises:
        UnknownModel, InvalidRequest, InputTooLong, ProviderTimeout (the model stayed busy longer
        than `timeout` seconds), ProviderError.
    """
    import llama_cpp

    loaded, tokens, kwargs = _request(model, messages, optional_params)
    abandoned = _stop_when_abandoned(kwargs)
    n = int(optional_params.get("n") or 1)
    texts, reasons, completion_tokens, evaluated = [], [], 0, 0
    started = time.perf_counter()
    with _exclusive(loaded, model, timeout, abandoned):
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
    return Generated(
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
    abandoned = _stop_when_abandoned(kwargs)
    text, finish_reason = [], "stop"
    with _exclusive(loaded, model, timeout, abandoned):
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
