"""Aggregates: the mean of a metric with a 95% interval, percentiles, and paired differences.

Binary metrics (declared pass/fail per case) use the Wilson score interval, which stays honest at 0% and 100%;
everything else uses a percentile bootstrap with a fixed seed, so the same run always reports the
same interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from suggester.evaluation.log import MetricSummary

Z95 = 1.959963984540054
BOOTSTRAP_SAMPLES = 2000
_SEED = 20240601


def _values(values: Sequence[float | None]) -> np.ndarray:
    return np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)


def wilson(successes: float, n: int) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap(values: np.ndarray, samples: int = BOOTSTRAP_SAMPLES) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean (unknown, NaN, below two values)."""
    if values.size < 2:
        return (math.nan, math.nan)
    if np.all(values == values[0]):  # one value, or all equal: resampling cannot vary
        return (float(values[0]), float(values[0]))
    rng = np.random.default_rng(_SEED)
    means = values[rng.integers(0, values.size, size=(samples, values.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (float(low), float(high))


def summarize(values: Sequence[float | None], binary: bool = False) -> MetricSummary:
    """Mean and 95% interval over the values that are not None.

    Args:
        values: one value per case; None where the metric does not apply.
        binary: the values are 0/1 (pass/fail): use the Wilson interval instead of the bootstrap.
    """
    kept = _values(values)
    if kept.size == 0:
        return MetricSummary(mean=None, ci_low=None, ci_high=None, n=0)
    low, high = wilson(kept.sum(), kept.size) if binary else bootstrap(kept)
    return MetricSummary(mean=_round(kept.mean()), ci_low=_round(low), ci_high=_round(high), n=int(kept.size))


def paired_delta(pairs: Sequence[tuple[float | None, float | None]]) -> MetricSummary:
    """Mean of (b - a) over the pairs where both exist, with a 95% bootstrap interval."""
    deltas = np.array([b - a for a, b in pairs if a is not None and b is not None], dtype=float)
    if deltas.size == 0:
        return MetricSummary(mean=None, ci_low=None, ci_high=None, n=0)
    low, high = bootstrap(deltas)
    return MetricSummary(mean=_round(deltas.mean()), ci_low=_round(low), ci_high=_round(high), n=int(deltas.size))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation; NaN for no values."""
    array = np.asarray(list(values), dtype=float)
    return float(np.percentile(array, q)) if array.size else math.nan


def _round(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)
