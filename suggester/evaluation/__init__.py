"""The offline evaluation harness, shaped like inspect_ai: cases, scorers with metrics, typed run logs.

    from suggester.evaluation import load_dataset, run_eval, read_run, compare_runs

- `dataset.py`: `EvalCase` (one JSONL line) and `load_dataset`.
- `runner.py`: runs the real pipeline over the cases and writes `cases.jsonl` + `summary.json`.
- `scorers.py`: the named scorers and their metrics; `metrics.py`: means, 95% intervals, percentiles.
- `cache.py`: the response cache plugged into `suggester.llm`.
- `compare.py`: two runs joined on case id; `gate.py`: thresholds for CI; `report.py`: the HTML page.
"""

from __future__ import annotations

from suggester.evaluation.dataset import DatasetError, EvalCase, load_dataset
from suggester.evaluation.log import CaseResult, RunLog, RunSummary, read_run
from suggester.evaluation.runner import arun_eval, run_eval

__all__ = [
    "CaseResult",
    "DatasetError",
    "EvalCase",
    "RunLog",
    "RunSummary",
    "arun_eval",
    "load_dataset",
    "read_run",
    "run_eval",
]
