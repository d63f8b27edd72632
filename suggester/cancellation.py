"""Stop work nobody waits for any more.

A draft that is cancelled (its HTTP client went away, its deadline passed, Ctrl-C) stops awaiting at
once, but a generation already running in a worker thread does not: llama.cpp would hold the embedded
model until its answer was complete, and the next request would wait for it. `scope()` gives a draft an
event that is set when the draft ends, for whatever reason. Worker threads see it (`asyncio.to_thread`
copies the context) and the embedded model stops at its next token.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar

_current: ContextVar[threading.Event | None] = ContextVar("okr_abandoned", default=None)


@contextlib.contextmanager
def scope() -> Iterator[threading.Event]:
    """Run a block of work; when it ends, anything it started and left running is told to stop."""
    event = threading.Event()
    token = _current.set(event)
    try:
        yield event
    finally:
        event.set()
        _current.reset(token)


def current() -> threading.Event | None:
    """The event of the innermost running `scope()`, or None outside one."""
    return _current.get()
