"""The typed log of a run: `cases.jsonl` (one CaseResult a line) and `summary.json` (a RunSummary).

Everything `compare` and `report` need is in these two files, so they never re-run a model.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from suggester.errors import SuggesterError
from suggester.evaluation.cache import CallRecord
from suggester.evaluation.dataset import EvalCase
from suggester.evaluation.outcome import CaseOutcome
from suggester.models import Suggestion

CASES_FILE = "cases.jsonl"
SUMMARY_FILE = "summary.json"
PARTIAL_FILE = "cases.partial.jsonl"  # written case by case while a run is in progress


class RunLogError(SuggesterError):
    """A run folder is missing or its files cannot be read."""

    title = "Unreadable eval run"
    status = 422


class CaseError(BaseModel):
    """Why a case produced no suggestion."""

    type: str = Field(description="Error class, e.g. DraftFailed, ProviderTimeout.")
    message: str
    attempts: int | None = None
    last_output: str | None = Field(default=None, description="The model's last answer, for DraftFailed.")
    crash: bool = Field(default=False, description="An unexpected exception (a bug), not a SuggesterError.")


class CaseUsage(BaseModel):
    """What one case cost. With replayed answers, `latency_ms` adds back the original model latency."""

    latency_ms: float = Field(
        description="Pipeline wall time; for replayed calls, their original latency is counted."
    )
    wall_ms: float = Field(description="Wall time measured in this run (short when answers were replayed).")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    cached_calls: int = 0


class CaseResult(BaseModel):
    """One case after the pipeline ran: input, output, scores, usage, error, and the raw model calls."""

    case: EvalCase
    output: Suggestion | None = None
    error: CaseError | None = None
    scores: dict[str, float | None] = Field(
        default_factory=dict, description="Metric name -> value (None: n/a)."
    )
    usage: CaseUsage
    calls: list[CallRecord] = Field(default_factory=list)
    outcome: CaseOutcome | None = Field(
        default=None, description="The facts behind the scores (not for retrieval-only runs)."
    )

    @property
    def id(self) -> str:
        return self.case.id


class MetricSummary(BaseModel):
    """A metric over the cases where it applies: mean and 95% interval."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int = Field(description="Cases with a value.")


class RunConfig(BaseModel):
    """What was run, so two runs can be told apart and reproduced."""

    dataset: str
    dataset_hash: str
    model: str
    variant: str
    seed: int | None
    cache: str | None = Field(description="Response cache file; None with --no-cache.")
    retrieval_only: bool = False
    settings: dict = Field(default_factory=dict, description="The settings that shape a draft.")
    git_commit: str | None = None


class RunSummary(BaseModel):
    """The aggregate of a run."""

    config: RunConfig
    started_at: str
    wall_s: float = Field(description="Wall time of the whole run, model loading included.")
    cases: int
    errors: int
    errors_by_type: dict[str, int] = Field(default_factory=dict)
    metrics: dict[str, MetricSummary]
    latency_ms: dict[str, float] = Field(default_factory=dict, description="p50, p95, mean (see CaseUsage).")
    tokens: dict[str, float] = Field(
        default_factory=dict, description="prompt/completion totals and mean per case."
    )
    cost_usd: float = 0.0
    calls: int = 0
    cached_calls: int = 0


class RunLog(BaseModel):
    """A run read back from its folder."""

    path: str
    summary: RunSummary
    cases: list[CaseResult]

    def by_id(self) -> dict[str, CaseResult]:
        return {result.id: result for result in self.cases}


def write_cases(folder: Path, results: list[CaseResult]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(result.model_dump_json() + "\n" for result in results)
    (folder / CASES_FILE).write_text(text, encoding="utf-8")


def write_summary(folder: Path, summary: RunSummary) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SUMMARY_FILE).write_text(summary.model_dump_json(indent=2) + "\n", encoding="utf-8")


def read_run(folder: Path) -> RunLog:
    """Load a run folder written by `okr eval run`.

    Raises:
        RunLogError: the folder or one of its files is missing or malformed.
    """
    folder = Path(folder)
    summary_path, cases_path = folder / SUMMARY_FILE, folder / CASES_FILE
    if not summary_path.is_file() or not cases_path.is_file():
        unfinished = (folder / PARTIAL_FILE).is_file()
        hint = f" ({PARTIAL_FILE} is there: the run did not finish; run it again)" if unfinished else ""
        raise RunLogError(f"{folder} is not an eval run: expected {SUMMARY_FILE} and {CASES_FILE} in it{hint}")
    try:
        summary = RunSummary.model_validate_json(summary_path.read_text(encoding="utf-8"))
    except (ValidationError, ValueError) as exc:
        raise RunLogError(f"{summary_path}: not a run summary ({str(exc).splitlines()[0]})") from exc
    cases = []
    for number, line in enumerate(cases_path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cases.append(CaseResult.model_validate(json.loads(line)))
        except (ValidationError, ValueError) as exc:
            raise RunLogError(
                f"{cases_path}:{number}: not a case result ({str(exc).splitlines()[0]})"
            ) from exc
    return RunLog(path=str(folder), summary=summary, cases=cases)
