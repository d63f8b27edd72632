"""Test helpers for the API: a real uvicorn server on a free loopback port, mocked settings, problem checks."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from suggester.settings import Settings

# What the model is asked for (prompts/system.v1.j2): one `kind | what is measured | direction` line
# per KR, numbered like the few-shot examples; input lines name the output line they drive.
MOCK_DRAFT = (
    "1. output | EU bookings | increase\n"
    "2. output | EU win rate on qualified deals | increase\n"
    "3. input | discovery calls with DACH prospects | increase | drives 1\n"
    "4. initiative | German-language website and sales pitch | complete"
)

SUGGESTION_BODY = {
    "objective": "Grow our global business via expansion in the EU",
    "team_type": "sales",
    "context": "EU bookings were $1.2M last quarter; two account executives cover DACH.",
}


class LiveServer:
    """One uvicorn server on 127.0.0.1:<free port>, run by a background thread."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def service(self):
        return self.app.state.okr

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def wait_ready(self, timeout: float = 600) -> LiveServer:
        """Block until /readyz answers 200 (the corpus index and KR vectors load once per test session)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if httpx.get(self.url + "/readyz").status_code == 200:
                return self
            time.sleep(0.1)
        raise RuntimeError("server never became ready")

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, **{"timeout": 60, **kwargs})

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


def mocked_settings(**overrides: Any) -> Settings:
    """Settings for a server whose every LLM call returns `MOCK_DRAFT`, with no network."""
    values: dict[str, Any] = {"model": "openai/gpt-4o-mini", "mock_response": MOCK_DRAFT, "candidates": 1}
    values.update(overrides)
    return Settings(**values)


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is problem+json with this status and the four standard members; returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body
