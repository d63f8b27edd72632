"""Prometheus metrics: request counts and latencies per route, LLM tokens and cost, errors by kind.

Each app owns its registry, so several apps can live in one process (tests) without clashing. With
several uvicorn workers, `okr serve` sets `PROMETHEUS_MULTIPROC_DIR` and /metrics sums all workers.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from suggester.models import Usage

# From a health check (~1 ms) to a slow local-model suggestion (~minutes).
# `*_created` timestamps double the output and no dashboard of ours reads them.
disable_created_metrics()

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    """The service's metrics, registered in a registry of their own."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.requests = Counter(
            "okr_http_requests", "HTTP requests answered.", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "okr_http_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.errors = Counter("okr_errors", "Error responses by problem kind.", ["kind"], registry=registry)
        self.llm_tokens = Counter(
            "okr_llm_tokens", "LLM tokens spent on suggestions.", ["model", "direction"], registry=registry
        )
        self.llm_calls = Counter(
            "okr_llm_calls", "LLM calls made, repairs included.", ["model"], registry=registry
        )
        self.llm_cost = Counter(
            "okr_llm_cost_usd", "Provider cost of suggestions, in USD.", ["model"], registry=registry
        )
        self.llm_in_flight = Gauge(
            "okr_llm_in_flight",
            "Suggestions being drafted now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.ready = Gauge(
            "okr_ready",
            "1 once the model and the corpus index are loaded.",
            registry=registry,
            multiprocess_mode="min",
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe_error(self, kind: str) -> None:
        self.errors.labels(kind).inc()

    def observe_usage(self, usage: Usage) -> None:
        self.llm_tokens.labels(usage.model, "prompt").inc(usage.prompt_tokens)
        self.llm_tokens.labels(usage.model, "completion").inc(usage.completion_tokens)
        self.llm_calls.labels(usage.model).inc(usage.attempts)
        self.llm_cost.labels(usage.model).inc(usage.cost_usd)

    def render(self) -> bytes:
        """The exposition text; sums the files of every worker when running multi-process."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
