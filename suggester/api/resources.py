"""The heavy resources (embedder, corpus index, local model): loaded once per process, at start-up.

Loading runs in a worker thread while the server already answers, so `/healthz` is live at once and
`/readyz` tells the truth. Requests that need the resources wait for them within their own deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Literal

from suggester.api.problems import NotReady
from suggester.errors import SuggesterError
from suggester.settings import Settings

log = logging.getLogger("suggester.api")

State = Literal["loading", "ready", "failed"]


def load_everything(settings: Settings) -> None:
    """The default loader: the pipeline's warm-up (embedder, corpus index and KR vectors, the model)."""
    from suggester.pipeline import warm_up

    warm_up(settings)


class Resources:
    """Tracks the one-time load; `wait_ready()` is what request handlers await."""

    def __init__(
        self,
        settings: Settings,
        loader: Callable[[Settings], None] = load_everything,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.loader = loader
        self.on_ready = on_ready
        self.state: State = "loading"
        self.error: str | None = None
        self.load_seconds: float | None = None
        self._done: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def start(self) -> None:
        """Begin loading in the background (call from inside the running loop, i.e. the lifespan)."""
        self._done = asyncio.Event()
        self._task = asyncio.create_task(self._load(), name="okr-warm-up")

    async def _load(self) -> None:
        started = time.perf_counter()
        log.info("loading model and corpus index", extra={"model": self.settings.model})
        try:
            await asyncio.to_thread(self.loader, self.settings)
        except SuggesterError as exc:
            self.state, self.error = "failed", exc.message
            log.error("loading failed: %s", exc.message)
        except Exception as exc:  # a broken install or corpus must show in /readyz, not kill the server
            self.state, self.error = "failed", f"{type(exc).__name__} while loading; see the server log"
            log.exception("loading failed")
        else:
            self.state = "ready"
            self.load_seconds = time.perf_counter() - started
            if self.on_ready:
                self.on_ready()
            log.info("ready", extra={"load_seconds": round(self.load_seconds, 2)})
        finally:
            assert self._done is not None
            self._done.set()

    async def wait_ready(self) -> None:
        """Return once loaded.

        Raises:
            NotReady: loading failed (HTTP 503); the detail says why.
        """
        if self.state == "loading":
            if self._done is None:
                raise NotReady("The service has not started loading its resources.", retry_after=5)
            await self._done.wait()
        if self.state == "failed":
            raise NotReady(
                f"The service could not load its model or corpus index: {self.error}", state=self.state
            )

    async def stop(self) -> None:
        """Cancel a load still running at shutdown (the worker thread finishes on its own)."""
        if self._task and not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
