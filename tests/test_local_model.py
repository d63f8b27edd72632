"""The embedded local model as a litellm provider.

Fast tests cover the pure parts (prompt rule, grammar choice, registration); tests marked `slow` run
the real Gemma 3 270M through `litellm.completion`, with short generations to keep CPU time low.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import litellm
import pytest

from suggester import cancellation, gguf_models, llama_inputs, local_model, local_provider
from suggester.errors import InvalidRequest, ProviderError, ProviderTimeout, UnknownModel

MODEL = "local/gemma-3-270m"
FEW_SHOT = [
    {"role": "system", "content": "Key results, one per line: kind | what is measured | direction"},
    {"role": "user", "content": "Objective: Delight our customers (team: customer support)"},
    {"role": "assistant", "content": "output | customer satisfaction score | increase\n"},
    {"role": "user", "content": "Objective: Grow our global business via expansion in the EU (team: sales)"},
]


@pytest.fixture(scope="module", autouse=True)
def _registered():
    local_provider.register()


# --- no model needed -----------------------------------------------------------------------------


def test_base_prompt_joins_roles_and_leaves_a_final_assistant_message_open():
    prompt = llama_inputs.base_prompt(
        [
            {"role": "system", "content": "Rules.\n"},
            {"role": "user", "content": "Objective: A"},
            {"role": "assistant", "content": "output | a | increase"},
            {"role": "user", "content": [{"type": "text", "text": "Objective: B\n\n"}]},
            {"role": "assistant", "content": "output |"},
        ]
    )
    assert prompt == "Rules.\n\nObjective: A\noutput | a | increase\n\nObjective: B\noutput |"


def test_base_prompt_ends_with_a_newline_when_the_user_spoke_last():
    assert llama_inputs.base_prompt([{"role": "user", "content": "Objective: C"}]) == "Objective: C\n"


def test_grammar_text_from_raw_grammar_and_response_formats():
    assert llama_inputs.grammar_text({"grammar": 'root ::= "a"'}) == 'root ::= "a"'
    assert llama_inputs.grammar_text({}) is None
    assert llama_inputs.grammar_text({"response_format": {"type": "text"}}) is None
    assert "root" in llama_inputs.grammar_text({"response_format": {"type": "json_object"}})
    schema = {"type": "object", "properties": {"kind": {"enum": ["input", "output"]}}, "required": ["kind"]}
    from_schema = llama_inputs.grammar_text(
        {"response_format": {"type": "json_schema", "json_schema": {"schema": schema}}}
    )
    assert '\\"input\\"' in from_schema and '\\"output\\"' in from_schema
    # llama.cpp's server spelling: json_object with a schema
    assert (
        llama_inputs.grammar_text({"response_format": {"type": "json_object", "schema": schema}})
        == from_schema
    )


@pytest.mark.parametrize(
    "params",
    [
        {"grammar": 'root ::= "a"', "response_format": {"type": "json_object"}},
        {"response_format": {"type": "xml"}},
        {"response_format": {"type": "json_schema", "json_schema": {"name": "no-schema"}}},
    ],
)
def test_grammar_text_rejects_unclear_requests(params):
    with pytest.raises(InvalidRequest):
        llama_inputs.grammar_text(params)


def test_unknown_model_names_the_known_ones():
    with pytest.raises(UnknownModel) as caught:
        gguf_models.resolve("local/gpt-5-tiny")
    assert "local/gemma-3-270m" in caught.value.message and "local/smollm2-135m" in caught.value.message
    assert gguf_models.resolve("local/gemma-3-270m") is gguf_models.resolve("gemma-3-270m")


def test_register_is_idempotent_and_known_to_litellm():
    local_provider.register()
    local_provider.register()
    entries = [item for item in litellm.custom_provider_map if item["provider"] == "local"]
    assert len(entries) == 1
    assert isinstance(entries[0]["custom_handler"], local_provider.LocalLLM)
    assert litellm.get_llm_provider(MODEL)[1] == "local"
    assert litellm.supports_response_schema(model=MODEL)


def test_unknown_model_through_litellm_is_a_not_found_error():
    with pytest.raises(litellm.NotFoundError, match="known local models: local/gemma-3-270m"):
        litellm.completion(model="local/nope", messages=FEW_SHOT, max_tokens=4)


# --- the real model ------------------------------------------------------------------------------


@pytest.mark.slow
def test_completion_returns_text_usage_and_zero_cost():
    response = litellm.completion(model=MODEL, messages=FEW_SHOT, max_tokens=24, temperature=0, stop=["\n\n"])
    choice = response.choices[0]
    assert choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length")
    assert response.usage.prompt_tokens > 20
    assert 0 < response.usage.completion_tokens <= 24
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens
    assert response.model.endswith("gemma-3-270m")
    assert litellm.completion_cost(completion_response=response) == 0.0


@pytest.mark.slow
def test_max_tokens_cut_reports_length():
    response = litellm.completion(
        model=MODEL, messages=[{"role": "user", "content": "Count: 1, 2, 3,"}], max_tokens=5, temperature=0
    )
    assert response.choices[0].finish_reason == "length"
    assert response.usage.completion_tokens == 5


@pytest.mark.slow
def test_json_schema_response_format_yields_json_that_matches():
    schema = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["input", "output", "initiative"]},
            "direction": {"enum": ["increase", "decrease", "reach", "complete"]},
        },
        "required": ["kind", "direction"],
        "additionalProperties": False,
    }
    response = litellm.completion(
        model=MODEL,
        messages=FEW_SHOT,
        max_tokens=40,
        temperature=0.7,
        seed=3,
        response_format={"type": "json_schema", "json_schema": {"name": "kr", "schema": schema}},
    )
    data = json.loads(response.choices[0].message.content)
    assert data["kind"] in {"input", "output", "initiative"}
    assert data["direction"] in {"increase", "decrease", "reach", "complete"}


@pytest.mark.slow
def test_raw_gbnf_grammar_passes_through_litellm():
    response = litellm.completion(
        model=MODEL, messages=FEW_SHOT, max_tokens=4, grammar='root ::= "input" | "output" | "initiative"'
    )
    assert response.choices[0].message.content in {"input", "output", "initiative"}


@pytest.mark.slow
def test_same_prefix_reuses_the_kv_cache():
    litellm.completion(model=MODEL, messages=FEW_SHOT, max_tokens=2, temperature=0)
    other_tail = [
        *FEW_SHOT[:-1],
        {"role": "user", "content": "Objective: Cut cloud spend (team: engineering)"},
    ]
    response = litellm.completion(model=MODEL, messages=other_tail, max_tokens=2, temperature=0)
    cached = response.usage.prompt_tokens_details.cached_tokens
    shared = len(llama_inputs.base_prompt(FEW_SHOT[:-1]))  # characters, a loose upper bound on tokens
    assert 20 < cached < response.usage.prompt_tokens
    assert cached < shared


@pytest.mark.slow
def test_seeded_samples_are_reproducible_and_n_gives_distinct_choices():
    args = {"model": MODEL, "messages": FEW_SHOT, "max_tokens": 8, "temperature": 1.2, "seed": 11, "n": 2}
    first, second = litellm.completion(**args), litellm.completion(**args)
    texts = [choice.message.content for choice in first.choices]
    assert texts == [choice.message.content for choice in second.choices]
    assert len(texts) == 2


@pytest.mark.slow
def test_streaming_yields_the_text_and_usage():
    chunks = list(
        litellm.completion(
            model=MODEL,
            messages=FEW_SHOT,
            max_tokens=6,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    plain = litellm.completion(model=MODEL, messages=FEW_SHOT, max_tokens=6, temperature=0)
    assert text == plain.choices[0].message.content
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens


@pytest.mark.slow
async def test_acompletion_and_astreaming_do_not_block_the_event_loop():
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    clock = asyncio.create_task(ticker())
    response, streamed = await asyncio.gather(
        litellm.acompletion(model=MODEL, messages=FEW_SHOT, max_tokens=12, temperature=0),
        litellm.acompletion(model=MODEL, messages=FEW_SHOT, max_tokens=12, temperature=0, stream=True),
    )
    text = "".join([chunk.choices[0].delta.content or "" async for chunk in streamed if chunk.choices])
    clock.cancel()
    assert response.choices[0].message.content
    assert text == response.choices[0].message.content  # same prompt, greedy: the lock kept them apart
    assert ticks > 5


@pytest.mark.slow
def test_threads_share_one_model_safely():
    results: list[str] = []

    def call():
        response = litellm.completion(model=MODEL, messages=FEW_SHOT, max_tokens=6, temperature=0)
        results.append(response.choices[0].message.content)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3 and len(set(results)) == 1


@pytest.mark.slow
def test_bad_requests_become_litellm_errors_that_name_the_problem():
    with pytest.raises(litellm.BadRequestError, match="unsupported response_format type 'xml'"):
        litellm.completion(model=MODEL, messages=FEW_SHOT, max_tokens=4, response_format={"type": "xml"})
    too_long = [{"role": "user", "content": "key result " * 3000}]
    with pytest.raises(litellm.ContextWindowExceededError, match="prompt too long"):
        litellm.completion(model=MODEL, messages=too_long, max_tokens=4)


@pytest.mark.slow
def test_a_busy_model_times_out_instead_of_waiting_forever():
    loaded = local_model._load(MODEL)
    with loaded.lock:  # another request is generating
        with pytest.raises(ProviderTimeout):
            local_model.generate(MODEL, FEW_SHOT, {"max_tokens": 2}, timeout=0.05)
        with pytest.raises(litellm.Timeout):
            litellm.completion(model=MODEL, messages=FEW_SHOT, max_tokens=2, timeout=0.05, num_retries=0)


@pytest.mark.slow
def test_an_abandoned_draft_stops_its_generation_at_the_next_token():
    params = {"max_tokens": 40, "temperature": 0}
    full = local_model.generate(MODEL, FEW_SHOT, params)
    assert full.completion_tokens > 3  # what the same request makes when nobody gives up on it
    llama = local_model._load(MODEL).llama
    start = llama.create_completion

    def caller_leaves_as_generation_starts(*args, **kwargs):
        abandoned.set()
        return start(*args, **kwargs)

    with cancellation.scope() as abandoned:
        llama.create_completion = caller_leaves_as_generation_starts
        try:
            cut = local_model.generate(MODEL, FEW_SHOT, params)
        finally:
            del llama.create_completion  # the instance attribute; the class's method shows again
    assert cut.completion_tokens <= 1


@pytest.mark.slow
def test_an_abandoned_draft_stops_waiting_for_a_busy_model():
    loaded = local_model._load(MODEL)
    outcome: list[BaseException | None] = []

    def waiting_request(abandoned_box):
        with cancellation.scope() as abandoned:
            abandoned_box.append(abandoned)
            try:
                local_model.generate(MODEL, FEW_SHOT, {"max_tokens": 2})  # no timeout: it would wait forever
                outcome.append(None)
            except ProviderError as exc:
                outcome.append(exc)

    box: list[threading.Event] = []
    with loaded.lock:  # another request is generating
        waiter = threading.Thread(target=waiting_request, args=(box,), daemon=True)
        waiter.start()
        while not box:
            time.sleep(0.01)
        box[0].set()
        waiter.join(timeout=10)
    assert not waiter.is_alive(), "the abandoned request kept waiting for the model"
    assert isinstance(outcome[0], ProviderError) and "abandoned" in outcome[0].message


@pytest.mark.slow
async def test_the_abandon_signal_reaches_the_generation_thread_through_litellm(monkeypatch):
    """As the pipeline calls the model: litellm, then a worker thread, still see the draft's scope."""
    seen: list[threading.Event | None] = []
    original = local_model._stop_when_abandoned

    def spy(kwargs):
        seen.append(cancellation.current())
        return original(kwargs)

    monkeypatch.setattr(local_model, "_stop_when_abandoned", spy)
    with cancellation.scope() as abandoned:
        await litellm.acompletion(model=MODEL, messages=FEW_SHOT, max_tokens=2, temperature=0)
    assert seen == [abandoned]
