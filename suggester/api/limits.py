"""Limits that keep one process healthy: LLM concurrency, input lengths, request body size."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from suggester.api.problems import ServiceBusy
from suggester.errors import InputTooLong


class LLMSlots:
    """A fixed number of suggestions in flight; past it, callers are refused at once, never queued.

    All requests of a process share one event loop, so plain counters need no lock: nothing awaits
    between the check and the increment.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0
        self._typical_s = 0.0  # moving average of how long a slot is held, for Retry-After

    @contextmanager
    def take(self) -> Iterator[None]:
        """Hold a slot for the duration of the block.

        Raises:
            ServiceBusy: every slot is taken (HTTP 429 with Retry-After).
        """
        if self.in_use >= self.limit:
            raise ServiceBusy(
                f"{self.in_use} suggestions are being drafted, the most this server runs at once; retry shortly.",
                retry_after=self.retry_after(),
                limit=self.limit,
            )
        self.in_use += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self.in_use -= 1
            held = time.perf_counter() - started
            self._typical_s = held if not self._typical_s else 0.8 * self._typical_s + 0.2 * held

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: about one typical suggestion, between 1 and 60."""
        return min(60, max(1, math.ceil(self._typical_s)))


def check_length(field: str, text: str | None, limit: int) -> None:
    """Refuse a text field longer than its configured limit.

    Raises:
        InputTooLong: HTTP 413, naming the field, its length and the limit.
    """
    if text is not None and len(text) > limit:
        raise InputTooLong(
            f"{field} is {len(text)} characters; the limit is {limit}.",
            field=field,
            limit=limit,
            length=len(text),
        )
