"""The response cache: a re-run of the same configuration replays the model's answers instead of calling it.

It plugs into the one seam every model call goes through (`suggester.llm.response_cache`). The key is
the model, the messages and every sampling parameter (seed included); the entry keeps the answer with
its original latency, tokens and cost, and comes back marked `cached`. Entries live in an append-only
JSONL file: readable, diffable, and safe to commit as a fixture for CI.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from suggester.errors import SuggesterError

# Call arguments that do not change the answer (or must never be written to disk).
_NOT_IN_KEY = frozenset({"timeout", "num_retries", "api_key"})


def cache_key(args: dict[str, Any], occurrence: int = 0) -> str:
    """A stable key for one model call: model + messages + params (seed included).

    Args:
        args: the keyword arguments of the litellm call.
        occurrence: how many identical calls came before this one in the same case; without a seed,
            two candidates share their arguments and must still replay as two different answers.
    """
    keyed = {name: value for name, value in args.items() if name not in _NOT_IN_KEY}
    blob = json.dumps(keyed, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{blob}\n#{occurrence}".encode()).hexdigest()


class CachedResponse(BaseModel):
    """One stored answer and what it cost the first time."""

    key: str
    model: str
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = Field(default=0.0, description="Latency of the original call, not of the replay.")
    finish_reason: str | None = None
    created: float = Field(default_factory=time.time)


class ResponseCache:
    """Answers by key, loaded from and appended to one JSONL file.

    Args:
        path: the file; created on the first store. A damaged line (a run killed mid-write) is skipped.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()
        self._entries: dict[str, CachedResponse] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = CachedResponse.model_validate_json(line)
                except ValueError:
                    continue
                self._entries[entry.key] = entry

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> CachedResponse | None:
        return self._entries.get(key)

    def put(self, entry: CachedResponse) -> None:
        self._entries[entry.key] = entry
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(entry.model_dump_json() + "\n")
        except OSError as exc:
            raise SuggesterError(f"cannot write the response cache {self.path}: {exc.strerror}") from exc


class CallRecord(BaseModel):
    """One model call made while running a case, replayed or not."""

    model: str
    cached: bool
    latency_ms: float = Field(description="Original latency, also for a replayed answer.")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    text: str = Field(description="The model's answer (first 2,000 characters).")


class CaseCalls:
    """What `suggester.llm` sees during one case: replays from the cache (if any) and records every call.

    Set it with `recording(...)`; each concurrent case gets its own, through the context variable.
    """

    def __init__(self, cache: ResponseCache | None) -> None:
        self.cache = cache
        self.calls: list[CallRecord] = []
        self._seen: dict[str, int] = defaultdict(int)
        self._pending: dict[str, deque[str]] = defaultdict(deque)

    def lookup(self, args: dict[str, Any]):
        """The cached Completion for these arguments, or None (then `store` follows the real call)."""
        from suggester.llm import Completion

        base = cache_key(args)
        key = cache_key(args, self._seen[base])
        self._seen[base] += 1
        entry = self.cache.get(key) if self.cache is not None else None
        if entry is None:
            self._pending[base].append(key)
            return None
        completion = Completion(
            text=entry.text, model=entry.model, prompt_tokens=entry.prompt_tokens,
            completion_tokens=entry.completion_tokens, cost_usd=entry.cost_usd, latency_ms=entry.latency_ms,
            finish_reason=entry.finish_reason, cached=True,
        )
        self._record(completion)
        return completion

    def store(self, args: dict[str, Any], completion) -> None:
        """Keep a fresh answer (in the cache, if any) and record the call."""
        base = cache_key(args)
        key = self._pending[base].popleft() if self._pending[base] else cache_key(args)
        if self.cache is not None:
            self.cache.put(CachedResponse(
                key=key, model=completion.model, text=completion.text, prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens, cost_usd=completion.cost_usd,
                latency_ms=completion.latency_ms, finish_reason=completion.finish_reason,
            ))
        self._record(completion)

    def _record(self, completion) -> None:
        self.calls.append(CallRecord(
            model=completion.model, cached=completion.cached, latency_ms=round(completion.latency_ms, 2),
            prompt_tokens=completion.prompt_tokens, completion_tokens=completion.completion_tokens,
            cost_usd=completion.cost_usd, text=completion.text[:2000],
        ))


@contextmanager
def recording(cache: ResponseCache | None) -> Iterator[CaseCalls]:
    """Route this context's model calls through a cache (None: call the model, still record the calls)."""
    from suggester import llm

    calls = CaseCalls(cache)
    token = llm.response_cache.set(calls)
    try:
        yield calls
    finally:
        llm.response_cache.reset(token)
