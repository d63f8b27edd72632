"""Aggregates: Wilson and bootstrap intervals, paired deltas, percentiles."""

import math

import numpy as np
import pytest

from suggester.evaluation.metrics import bootstrap, paired_delta, percentile, summarize, wilson


def test_wilson_stays_inside_0_1_and_is_not_degenerate_at_the_edges():
    low, high = wilson(10, 10)
    assert high == pytest.approx(1.0) and low == pytest.approx(0.7225, abs=1e-3)
    low, high = wilson(0, 10)
    assert low == pytest.approx(0.0) and high == pytest.approx(0.2775, abs=1e-3)
    low, high = wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-3) and high == pytest.approx(0.7634, abs=1e-3)


def test_bootstrap_brackets_the_mean_is_reproducible_and_narrows_with_n():
    rng = np.random.default_rng(1)
    small, large = rng.normal(0.5, 0.2, 20), rng.normal(0.5, 0.2, 400)
    low, high = bootstrap(small)
    assert low < small.mean() < high and bootstrap(small) == (low, high)
    large_low, large_high = bootstrap(large)
    assert large_high - large_low < high - low
    assert all(math.isnan(x) for x in bootstrap(np.array([0.3])))
    assert bootstrap(np.array([0.3, 0.3, 0.3])) == (0.3, 0.3)


def test_summarize_skips_missing_values_and_uses_wilson_for_binary_metrics():
    summary = summarize([1.0, None, 0.0, 1.0, 1.0])
    assert summary.n == 4 and summary.mean == 0.75
    binary = summarize([1.0, None, 0.0, 1.0, 1.0], binary=True)
    assert binary.ci_high < 1.0 and binary.ci_low == pytest.approx(wilson(3, 4)[0], abs=1e-4)
    assert summarize([None, None]).mean is None and summarize([]).n == 0
    assert summarize([0.4]).ci_low is None  # one value: no interval


def test_paired_delta_uses_only_complete_pairs():
    delta = paired_delta([(0.5, 0.7), (0.4, 0.6), (None, 1.0), (0.2, None), (0.3, 0.5)])
    assert delta.n == 3 and delta.mean == pytest.approx(0.2)
    assert paired_delta([(None, 1.0)]).mean is None


def test_percentile():
    assert percentile([1, 2, 3, 4, 5], 50) == 3
    assert percentile(range(1, 101), 95) == pytest.approx(95.05)
    assert math.isnan(percentile([], 50))
