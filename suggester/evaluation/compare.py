"""Two runs joined on case id: per-metric deltas with paired 95% intervals, cases that flipped, regressions.

`compare_runs(a, b)` treats A as the baseline and B as the candidate. A metric regresses when B is worse
than A by more than its threshold (absolute units, in the metric's own direction), so `okr eval compare`
can gate CI on it.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from suggester.errors import SuggesterError
from suggester.evaluation.log import MetricSummary, RunLog
from suggester.evaluation.metrics import paired_delta, summarize
from suggester.evaluation.scorers import metrics

# How much worse B may be than A before the comparison fails (absolute, in the metric's unit).
DEFAULT_MAX_WORSENING: dict[str, float] = {
    "parsed": 0.05,
    "complete": 0.05,
    "kr_pass_rate": 0.05,
    "set_error_free": 0.05,
    "drives_coverage": 0.05,
    "invented_baselines": 0.05,
    "relevance": 0.03,
    "passed": 0.05,
}


class MetricDelta(BaseModel):
    """One metric in both runs, over the joined cases."""

    name: str
    a: MetricSummary = Field(description="Run A over the joined cases.")
    b: MetricSummary = Field(description="Run B over the joined cases.")
    delta: MetricSummary = Field(description="Mean of B - A over cases where both have a value, 95% interval.")
    higher_is_better: bool | None
    max_worsening: float | None = None
    regressed: bool = False


class Comparison(BaseModel):
    """The result of `compare_runs`."""

    run_a: str
    run_b: str
    same_dataset: bool
    joined: int
    only_in_a: list[str] = Field(default_factory=list)
    only_in_b: list[str] = Field(default_factory=list)
    deltas: list[MetricDelta]
    pass_to_fail: list[str] = Field(default_factory=list, description="Case ids that passed in A and fail in B.")
    fail_to_pass: list[str] = Field(default_factory=list)
    new_errors: list[str] = Field(default_factory=list, description="Case ids that error in B but not in A.")

    @property
    def regressions(self) -> list[MetricDelta]:
        return [delta for delta in self.deltas if delta.regressed]


def worsening(delta: float, higher_is_better: bool | None) -> float:
    """How much worse B is than A (positive = worse); 0 for metrics with no better direction."""
    if higher_is_better is None:
        return 0.0
    return -delta if higher_is_better else delta


def compare_runs(a: RunLog, b: RunLog, max_worsening: dict[str, float] | None = None) -> Comparison:
    """Join two runs on case id and compare every metric they share.

    Args:
        a: the baseline run.
        b: the candidate run.
        max_worsening: metric -> allowed worsening of B against A (absolute). Defaults to
            `DEFAULT_MAX_WORSENING`; metrics not listed never regress.

    Returns:
        The comparison; `regressions` lists the metrics past their thresholds.
    """
    limits = DEFAULT_MAX_WORSENING if max_worsening is None else max_worsening
    known = metrics()
    unknown = sorted(set(limits) - set(known))
    if unknown:
        raise SuggesterError(f"no metric named {', '.join(unknown)}; the metrics are: {', '.join(known)}")
    cases_a, cases_b = a.by_id(), b.by_id()
    joined = [case_id for case_id in cases_a if case_id in cases_b]
    names = [name for name in known if name in a.summary.metrics or name in b.summary.metrics]
    deltas = []
    for name in names:
        pairs = [(cases_a[i].scores.get(name), cases_b[i].scores.get(name)) for i in joined]
        delta = paired_delta(pairs)
        higher = known[name].higher_is_better
        limit = limits.get(name)
        regressed = limit is not None and delta.mean is not None and worsening(delta.mean, higher) > limit
        binary = known[name].binary
        deltas.append(MetricDelta(
            name=name, a=summarize([x for x, _ in pairs], binary), b=summarize([y for _, y in pairs], binary),
            delta=delta, higher_is_better=higher, max_worsening=limit, regressed=regressed,
        ))

    def passed(result) -> bool:
        return result.error is None and result.scores.get("passed") == 1.0

    return Comparison(
        run_a=a.path, run_b=b.path, same_dataset=a.summary.config.dataset_hash == b.summary.config.dataset_hash,
        joined=len(joined),
        only_in_a=[i for i in cases_a if i not in cases_b], only_in_b=[i for i in cases_b if i not in cases_a],
        deltas=deltas,
        pass_to_fail=[i for i in joined if passed(cases_a[i]) and not passed(cases_b[i])],
        fail_to_pass=[i for i in joined if not passed(cases_a[i]) and passed(cases_b[i])],
        new_errors=[i for i in joined if cases_a[i].error is None and cases_b[i].error is not None],
    )
