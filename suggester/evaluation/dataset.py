"""Eval datasets: JSONL files, one case a line.

    {"id", "objective", "team_type", "context"?, "horizon"?, "count"?, "reference_krs"?, "relevant_example_ids"?}

Any other key is kept as metadata (e.g. "tags": ["edge", "injection"]); a typo in a known key cannot
slip through silently, because the known keys are validated and the rest land in `metadata` by name.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from suggester.errors import SuggesterError
from suggester.models import SuggestionRequest


class DatasetError(SuggesterError):
    """A dataset file cannot be read; names the file and line."""

    title = "Invalid eval dataset"
    status = 422


class EvalCase(BaseModel):
    """One sample: the input (a suggestion request), the optional targets, and free metadata."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, description="Unique within the dataset; runs are joined on it.")
    objective: str = Field(min_length=1)
    team_type: str = Field(min_length=1, description="Any team name; unknown types are a legitimate case.")
    context: str | None = Field(default=None, description="The user's numbers: the only legitimate baselines.")
    horizon: str | None = None
    count: int = Field(default=4, ge=3, le=5)
    reference_krs: list[str] = Field(default_factory=list, description="KRs a good answer resembles (target).")
    relevant_example_ids: list[str] = Field(
        default_factory=list, description="Corpus examples retrieval should find (target)."
    )
    metadata: dict[str, Any] = Field(default_factory=dict, description="Every other key of the line.")

    @model_validator(mode="before")
    @classmethod
    def _collect_metadata(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = set(cls.model_fields)
        kept = {key: value for key, value in data.items() if key in known}
        extra = {key: value for key, value in data.items() if key not in known}
        if extra:  # a dataset line: its unknown keys are the metadata (a logged case already has them there)
            given = kept.get("metadata")
            kept["metadata"] = {**given, **extra} if isinstance(given, dict) else extra
        return kept

    def request(self, seed: int | None = None) -> SuggestionRequest:
        """The suggestion request this case stands for."""
        return SuggestionRequest(
            objective=self.objective, team_type=self.team_type, context=self.context,
            horizon=self.horizon, count=self.count, seed=seed,
        )


def load_dataset(path: Path) -> list[EvalCase]:
    """Read and check a JSONL dataset.

    Raises:
        DatasetError: the file is missing, a line is not JSON or not a valid case, or an id repeats.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read dataset {path}: {exc.strerror}", path=str(path)) from exc
    cases: list[EvalCase] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{number}"
        try:
            case = EvalCase.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not JSON ({exc.msg})", path=str(path), line=number) from exc
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = ".".join(map(str, problem["loc"])) or "case"
            raise DatasetError(f"{where}: {field}: {problem['msg']}", path=str(path), line=number) from exc
        if case.id in seen:
            raise DatasetError(f"{where}: id {case.id!r} already used on line {seen[case.id]}", path=str(path), line=number)
        seen[case.id] = number
        cases.append(case)
    if not cases:
        raise DatasetError(f"dataset {path} has no cases", path=str(path))
    return cases


def dataset_hash(cases: list[EvalCase]) -> str:
    """Short content hash of the cases, so a comparison can tell it joined runs of the same dataset."""
    blob = "\n".join(case.model_dump_json() for case in cases)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
