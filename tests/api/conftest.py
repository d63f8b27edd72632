"""Real servers for the API tests: uvicorn on a free loopback port, in a thread with its own event loop.

Servers share this process, so the corpus index and the embedder load once for the whole session;
each server still has its own app, settings, metrics and limits. Requests go over real HTTP (httpx).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from suggester.api import create_app
from suggester.settings import Settings

from .helpers import LiveServer, mocked_settings


@pytest.fixture(scope="session")
def start_server() -> Iterator[Callable[..., LiveServer]]:
    """Factory: `start_server(settings, loader=None, ready=True)` -> a running LiveServer."""
    servers: list[LiveServer] = []

    def start(
        settings: Settings, *, loader: Callable[[Settings], None] | None = None, ready: bool = True
    ) -> LiveServer:
        server = LiveServer(create_app(settings, loader=loader)).start()
        servers.append(server)
        return server.wait_ready() if ready else server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def server(start_server) -> LiveServer:
    """The default server: auth off, mocked LLM, real warm-up (corpus index and embedder)."""
    return start_server(mocked_settings())


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http
