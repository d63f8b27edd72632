"""A CI gate on one run's summary: each listed metric's mean must stay within its bound.

The thresholds file is JSON, committed next to the dataset it was measured on::

    {"min": {"passed": 0.5, "complete": 0.8}, "max": {"invented_baselines": 0.05, "error_rate": 0.1},
     "min_cases": 10, "note": "measured ... ; set a little under"}

`error_rate` (errors / cases) and `latency_p95_ms` are gateable alongside the scorer metrics.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from suggester.errors import SuggesterError
from suggester.evaluation.log import RunSummary


class GateError(SuggesterError):
    """The thresholds file cannot be read or names a metric the run does not have."""

    title = "Invalid eval gate"
    status = 422


class Thresholds(BaseModel):
    """Bounds on a run summary."""

    model_config = ConfigDict(extra="forbid")

    min: dict[str, float] = Field(default_factory=dict, description="metric -> lowest acceptable mean.")
    max: dict[str, float] = Field(default_factory=dict, description="metric -> highest acceptable mean.")
    min_cases: int = Field(default=1, ge=1, description="Fewest cases the run must contain.")
    note: str | None = Field(default=None, description="Where the numbers come from.")


def load_thresholds(path: Path) -> Thresholds:
    try:
        return Thresholds.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as exc:
        raise GateError(f"cannot read thresholds {path}: {exc.strerror}") from exc
    except (ValueError, ValidationError) as exc:
        raise GateError(f"{path}: not a thresholds file ({str(exc).splitlines()[0]})") from exc


def summary_value(summary: RunSummary, name: str) -> float | None:
    """A gateable number of a summary: a metric's mean, `error_rate`, or `latency_p95_ms`."""
    if name == "error_rate":
        return summary.errors / summary.cases if summary.cases else None
    if name == "latency_p95_ms":
        return summary.latency_ms.get("p95")
    if name in summary.metrics:
        return summary.metrics[name].mean
    raise GateError(f"the run has no metric {name!r}; it has: error_rate, latency_p95_ms, {', '.join(summary.metrics)}")


def check_gate(summary: RunSummary, thresholds: Thresholds) -> list[str]:
    """Every bound the summary breaks, as one line each; empty when the run passes.

    Raises:
        GateError: a threshold names an unknown metric.
    """
    failures = []
    if summary.cases < thresholds.min_cases:
        failures.append(f"cases: {summary.cases} < {thresholds.min_cases}")
    for name, bound in thresholds.min.items():
        value = summary_value(summary, name)
        if value is None or value < bound:
            failures.append(f"{name}: {'n/a' if value is None else f'{value:.4f}'} < min {bound}")
    for name, bound in thresholds.max.items():
        value = summary_value(summary, name)
        if value is None or value > bound:
            failures.append(f"{name}: {'n/a' if value is None else f'{value:.4f}'} > max {bound}")
    return failures
