"""The response cache at the llm seam: keys, the JSONL store, and replay through `suggester.llm.acomplete`."""

import json

import pytest

from suggester import llm
from suggester.errors import ProviderError
from suggester.evaluation.cache import CachedResponse, ResponseCache, cache_key, recording
from suggester.settings import Settings

MESSAGES = [{"role": "user", "content": "Draft key results"}]


def args(**changes):
    base = {"model": "openai/x", "messages": MESSAGES, "temperature": 0.7, "max_tokens": 50, "seed": 1,
            "timeout": 30, "num_retries": 2, "api_key": "sk-secret"}
    return base | changes


def test_key_covers_model_messages_params_and_seed_but_not_transport_settings():
    key = cache_key(args())
    assert key == cache_key(args(timeout=5, num_retries=0, api_key="other"))
    for change in ({"seed": 2}, {"model": "openai/y"}, {"temperature": 0.0}, {"stop": ["\n\n"]},
                   {"messages": [{"role": "user", "content": "Draft key results!"}]}):
        assert cache_key(args(**change)) != key, change
    assert cache_key(args(), occurrence=1) != key


def test_store_reloads_and_skips_a_damaged_line(tmp_path):
    path = tmp_path / "cache.jsonl"
    cache = ResponseCache(path)
    cache.put(CachedResponse(key="k1", model="m", text="one", latency_ms=1234.0, prompt_tokens=10))
    with path.open("a") as handle:
        handle.write('{"key": "k2", "model": "m", "te')  # a run killed mid-write
    again = ResponseCache(path)
    assert len(again) == 1 and again.get("k1").text == "one" and again.get("k1").latency_ms == 1234.0
    assert again.get("k2") is None


def settings(mock: str) -> Settings:
    return Settings(model="openai/test", mock_response=mock, api_key="sk-not-for-disk")


async def test_second_run_replays_without_calling_the_model(tmp_path, monkeypatch):
    path = tmp_path / "cache.jsonl"
    with recording(ResponseCache(path)) as first:
        fresh = await llm.acomplete(MESSAGES, "openai/test", settings("1. output | bookings | increase"), seed=3)
    assert not fresh.cached and [c.cached for c in first.calls] == [False]
    assert "sk-not-for-disk" not in path.read_text()

    litellm = llm._litellm()

    async def no_model(**kwargs):
        raise AssertionError("the model was called")

    monkeypatch.setattr(litellm, "acompletion", no_model)
    with recording(ResponseCache(path)) as second:
        replayed = await llm.acomplete(MESSAGES, "openai/test", settings("1. output | bookings | increase"), seed=3)
    assert replayed.cached and replayed.text == fresh.text
    assert replayed.latency_ms == pytest.approx(fresh.latency_ms)
    assert (replayed.prompt_tokens, replayed.completion_tokens) == (fresh.prompt_tokens, fresh.completion_tokens)
    assert second.calls[0].cached and second.calls[0].latency_ms == pytest.approx(fresh.latency_ms, abs=0.01)

    with recording(ResponseCache(path)), pytest.raises(ProviderError, match="model was called"):
        await llm.acomplete(MESSAGES, "openai/test", settings("1. output | bookings | increase"), seed=4)


async def test_identical_unseeded_calls_replay_as_distinct_answers(tmp_path):
    path = tmp_path / "cache.jsonl"
    cache = ResponseCache(path)
    with recording(cache):
        await llm.acomplete(MESSAGES, "openai/test", settings("first"))
        await llm.acomplete(MESSAGES, "openai/test", settings("first"))
    keys = [json.loads(line)["key"] for line in path.read_text().splitlines()]
    assert len(set(keys)) == 2  # the second identical call is its own entry

    # Doctor the second entry: a replay must hand back each stored answer in turn.
    lines = path.read_text().splitlines()
    second = json.loads(lines[1]) | {"text": "second"}
    path.write_text(lines[0] + "\n" + json.dumps(second) + "\n")
    with recording(ResponseCache(path)) as replay:
        texts = [(await llm.acomplete(MESSAGES, "openai/test", settings("first"))).text for _ in range(2)]
    assert texts == ["first", "second"] and all(call.cached for call in replay.calls)


async def test_without_a_cache_calls_are_recorded_and_nothing_is_written(tmp_path):
    with recording(None) as calls:
        await llm.acomplete(MESSAGES, "openai/test", settings("hello"))
    assert [c.text for c in calls.calls] == ["hello"] and not calls.calls[0].cached
    assert llm.response_cache.get() is None  # the context is restored
    assert not list(tmp_path.iterdir())
