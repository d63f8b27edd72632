"""Provider failures over real HTTP: timeout, 500 then retry, 429 with Retry-After, fallback.

A tiny OpenAI-compatible stub runs on loopback and answers from a script, so litellm's real client,
its timeout, its retries and its fallbacks all run; nothing leaves the machine. Each path ends in a
typed `SuggesterError` or a recovered answer, and each test fails if our handling is removed.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from suggester import llm
from suggester.errors import ProviderError, ProviderTimeout, RateLimited
from suggester.models import SuggestionRequest
from suggester.settings import Settings

MESSAGES = [{"role": "user", "content": "Key results for: grow EU bookings"}]
GOOD = (
    "1. output | new EU bookings | increase\n"
    "2. input | qualified demos held in Germany and France | increase | drives 1\n"
    "3. input | first response time to EU inbound leads | decrease | drives 1\n"
    "4. initiative | Launch a German-language website | complete\n"
)


@dataclass
class Reply:
    status: int = 200
    text: str = GOOD
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0
    finish_reason: str = "stop"


def error(status: int, message: str, **headers: str) -> Reply:
    return Reply(status=status, text=message, headers={k.replace("_", "-"): v for k, v in headers.items()})


class StubProvider:
    """`POST /v1/chat/completions` on 127.0.0.1; `respond(body, call_number)` picks each reply."""

    def __init__(self) -> None:
        self.respond: Callable[[dict, int], Reply] = lambda body, n: Reply()
        self.bodies: list[dict] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with stub._lock:
                    stub.bodies.append(body)
                    reply = stub.respond(body, len(stub.bodies))
                if reply.hang_s:
                    stub._released.wait(reply.hang_s)
                payload = json.dumps(stub._payload(body, reply)).encode()
                try:
                    self.send_response(reply.status)
                    for name, value in {"content-type": "application/json", **reply.headers}.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): nothing to answer

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.api_base = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @staticmethod
    def _payload(body: dict, reply: Reply) -> dict:
        if reply.status >= 400:
            return {"error": {"message": reply.text, "type": "stub_error", "code": reply.status}}
        return {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text},
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": {"prompt_tokens": 50, "completion_tokens": 40, "total_tokens": 90},
        }

    @property
    def models_asked(self) -> list[str]:
        return [body["model"] for body in self.bodies]

    def start(self) -> StubProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def stub():
    provider = StubProvider().start()
    yield provider
    provider.stop()


def settings_for(stub: StubProvider, **overrides) -> Settings:
    values = {
        "model": "openai/stub-model",
        "api_base": stub.api_base,
        "api_key": "sk-test",
        "num_retries": 0,
        "timeout_s": 10,
    }
    return Settings(**(values | overrides))


async def complete(stub: StubProvider, **overrides) -> llm.Completion:
    # The outer bound turns "our timeout was not applied" into a failing test instead of a hang.
    return await asyncio.wait_for(
        llm.acomplete(MESSAGES, overrides.get("model", "openai/stub-model"), settings_for(stub, **overrides)),
        20,
    )


async def test_a_hanging_provider_ends_in_provider_timeout(stub):
    stub.respond = lambda body, n: Reply(hang_s=15)
    llm._litellm()  # the first import of litellm takes seconds: keep it out of the measured time
    started = time.monotonic()
    with pytest.raises(ProviderTimeout) as caught:
        await complete(stub, timeout_s=0.5)
    assert time.monotonic() - started < 5
    assert caught.value.status == 504 and "did not answer in time" in caught.value.message
    assert len(stub.bodies) == 1


async def test_a_500_then_success_is_retried(stub):
    stub.respond = lambda body, n: error(500, "upstream broke") if n == 1 else Reply()
    completion = await complete(stub, num_retries=1)
    assert completion.text == GOOD and len(stub.bodies) == 2


async def test_a_500_without_retries_is_a_provider_error(stub):
    stub.respond = lambda body, n: error(500, "upstream broke")
    with pytest.raises(ProviderError) as caught:
        await complete(stub, num_retries=0)
    assert type(caught.value) is ProviderError and caught.value.status == 502
    assert "upstream broke" in caught.value.message
    assert len(stub.bodies) == 1  # num_retries=0 really means one call (the SDK adds none of its own)


async def test_a_429_carries_retry_after(stub):
    stub.respond = lambda body, n: error(429, "slow down", retry_after="7")
    with pytest.raises(RateLimited) as caught:
        await complete(stub, num_retries=0)
    assert caught.value.retry_after == 7.0 and caught.value.status == 429


async def test_a_429_on_every_retry_still_carries_retry_after(stub):
    stub.respond = lambda body, n: error(429, "slow down", retry_after="3")
    with pytest.raises(RateLimited) as caught:
        await complete(stub, num_retries=1)  # litellm backs off ~1 s before its one retry
    assert caught.value.retry_after == 3.0 and len(stub.bodies) == 2


async def test_a_429_then_success_recovers(stub):
    stub.respond = lambda body, n: error(429, "slow down", retry_after="1") if n == 1 else Reply()
    completion = await complete(stub, num_retries=1)
    assert completion.text == GOOD and len(stub.bodies) == 2


async def test_a_failing_model_falls_back_to_a_working_one(stub):
    stub.respond = lambda body, n: error(500, "model is down") if body["model"] == "broken" else Reply()
    completion = await complete(stub, model="openai/broken", fallback_models=["openai/stub-model"])
    assert completion.text == GOOD
    assert stub.models_asked == ["broken", "stub-model"]


async def test_without_fallbacks_the_failing_model_is_an_error(stub):
    stub.respond = lambda body, n: error(500, "model is down") if body["model"] == "broken" else Reply()
    with pytest.raises(ProviderError):
        await complete(stub, model="openai/broken")
    assert stub.models_asked == ["broken"]


async def test_when_every_fallback_fails_the_error_is_typed(stub):
    stub.respond = lambda body, n: error(500, f"{body['model']} is down")
    with pytest.raises(ProviderError) as caught:
        await complete(stub, model="openai/broken", fallback_models=["openai/also-broken"])
    assert "also-broken is down" in caught.value.message
    assert stub.models_asked == ["broken", "also-broken"]


async def test_an_answer_cut_at_max_tokens_loses_its_unfinished_line(stub):
    cut = GOOD[: GOOD.index("first response") + len("first resp")]
    stub.respond = lambda body, n: Reply(text=cut, finish_reason="length")
    completion = await complete(stub)
    assert completion.finish_reason == "length"
    assert completion.text == GOOD[: GOOD.index("\n3.")]
    assert completion.cut_line == "3. input | first resp"


async def test_a_structured_answer_cut_at_max_tokens_is_left_whole(stub):
    stub.respond = lambda body, n: Reply(text='{"key_results": [{"metric": "EU book', finish_reason="length")
    settings = settings_for(stub)
    completion = await llm.acomplete(
        MESSAGES, settings.model, settings, response_format={"type": "json_object"}
    )
    assert completion.text == '{"key_results": [{"metric": "EU book' and completion.cut_line is None
    assert stub.bodies[0]["response_format"] == {"type": "json_object"}


# --- the same failures through the whole pipeline: a recovered suggestion or a typed error ---------

REQUEST = SuggestionRequest(
    objective="Grow our global business via expansion in the EU",
    team_type="sales",
    context="We closed EUR 400k of new EU bookings last quarter.",
)


def pipeline_settings(stub: StubProvider, **overrides) -> Settings:
    return settings_for(stub, **({"candidates": 1, "repair_attempts": 1} | overrides))


@pytest.mark.slow
async def test_pipeline_recovers_from_a_500_by_retrying(stub):
    from suggester.pipeline import asuggest

    stub.respond = lambda body, n: error(500, "upstream broke") if n == 1 else Reply()
    suggestion = await asuggest(REQUEST, settings=pipeline_settings(stub, num_retries=1))
    assert suggestion.key_results and suggestion.usage.attempts == 1
    assert suggestion.usage.prompt_tokens == 50 and suggestion.usage.completion_tokens == 40
    assert suggestion.usage.cost_usd == 0.0  # a self-hosted model has no price
    assert len(stub.bodies) == 2


@pytest.mark.slow
@pytest.mark.parametrize(
    ("reply", "expected"),
    [(Reply(hang_s=15), ProviderTimeout), (error(429, "slow down", retry_after="9"), RateLimited)],
    ids=["timeout", "rate-limit"],
)
async def test_pipeline_ends_provider_failures_in_typed_errors(stub, reply, expected):
    from suggester.pipeline import asuggest

    stub.respond = lambda body, n: reply
    with pytest.raises(expected):
        await asyncio.wait_for(asuggest(REQUEST, settings=pipeline_settings(stub, timeout_s=0.5)), 60)


def _is_repair(body: dict) -> bool:
    return body["messages"][-1]["content"].rstrip().splitlines()[-1].startswith("Corrected key results")


@pytest.mark.slow
async def test_pipeline_repairs_a_malformed_answer(stub):
    from suggester.pipeline import asuggest

    chatter = (
        "Sure! Here are some great key results for your sales team:\n- Grow EU bookings a lot\n- Be the best"
    )
    stub.respond = lambda body, n: Reply() if _is_repair(body) else Reply(text=chatter)
    suggestion = await asuggest(REQUEST, settings=pipeline_settings(stub, candidates=2))
    assert suggestion.usage.attempts == 3  # two malformed candidates, then one repair
    assert {kr.metric for kr in suggestion.key_results} >= {"new EU bookings"}
    repair_prompt = next(body for body in stub.bodies if _is_repair(body))["messages"][-1]["content"]
    # The parse problems were shown to the model.
    assert "kind | what is measured | direction" in repair_prompt


@pytest.mark.slow
async def test_pipeline_without_repair_fails_loudly_on_a_malformed_answer(stub):
    from suggester.errors import DraftFailed
    from suggester.pipeline import asuggest

    stub.respond = lambda body, n: Reply(text="Sure! Grow EU bookings a lot.")
    with pytest.raises(DraftFailed) as caught:
        await asuggest(REQUEST, settings=pipeline_settings(stub, candidates=1, repair_attempts=0))
    assert caught.value.context["attempts"] == 1 and "Grow EU bookings" in caught.value.context["last_output"]
