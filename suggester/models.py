"""Typed models: requests in, suggestions out, and the OKR shapes shared by every module.

Anything loaded from disk (corpus entries, OKR files, eval cases) is strict (`extra="forbid"`).
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Kind(str, Enum):
    """What a key result measures."""

    input = "input"
    output = "output"
    initiative = "initiative"


class Direction(str, Enum):
    """Which way the number must move for the KR to succeed."""

    increase = "increase"
    decrease = "decrease"
    reach = "reach"  # hold or hit a level, e.g. "keep uptime at 99.9%"
    complete = "complete"  # an initiative: done or not done


class NumberSource(str, Enum):
    """Where a number came from. A baseline is never invented: unknown is `None`."""

    user_context = "user_context"
    example = "example"
    proposed = "proposed"
    document = "document"  # read from a user's OKR file by `okr check`


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeyResult(Strict):
    """One measurable statement under an objective."""

    id: str = Field(
        description="Short id, unique within the set, used by `drives` links.",
        examples=["kr1"],
    )
    kind: Kind = Field(description="input (a lever the team controls), output (an outcome), or initiative (a project).")
    kind_inferred: bool = Field(
        default=False, description="True when the kind was guessed from the wording rather than given."
    )
    text: str = Field(
        description="The KR as a person reads it.",
        examples=["Increase EU bookings from $1.2M to $1.8M by 2027-06-30"],
    )
    metric: str | None = Field(default=None, description="What is measured.", examples=["EU bookings"])
    baseline: float | None = Field(
        default=None, description="Starting value. Null when unknown: it is never invented."
    )
    target: float | None = Field(default=None, description="Value to reach by the due date.")
    relative: bool = Field(
        default=False,
        description="True when `target` is a change relative to an unknown baseline, in percent "
        "(\"grow bookings by 25% over the baseline\").",
    )
    unit: str | None = Field(default=None, description="Unit of baseline and target.", examples=["USD", "%", "count"])
    direction: Direction | None = Field(default=None, description="Which way the number must move.")
    due: str | None = Field(
        default=None,
        description="Due date (ISO date) or cycle label.",
        examples=["2027-06-30", "end of Q2 2027"],
    )
    drives: list[str] = Field(
        default_factory=list, description="For input KRs: ids of the output KRs this lever is meant to move."
    )
    rationale: str | None = Field(default=None, description="Why this KR belongs in the set.")
    baseline_source: NumberSource | None = Field(default=None, description="Where the baseline came from.")
    target_source: NumberSource | None = Field(default=None, description="Where the target came from.")


class OKRSet(Strict):
    """An objective and its key results, as written by a team or drafted by the service."""

    objective: str = Field(description="Qualitative, time-boxed goal.")
    team_type: str | None = Field(default=None, description="sales, marketing, customer support, ...")
    key_results: list[KeyResult] = Field(default_factory=list)


class CorpusExample(Strict):
    """One OKR set in the examples corpus."""

    id: str = Field(description="Stable id, e.g. sales-eu-expansion-01.")
    team_type: str
    industry: str
    stage: str = Field(description="Company stage: seed, startup, scale-up, enterprise, public sector, ...")
    horizon: str = Field(description="Cycle the set covers, e.g. Q2 2027 or H1 2027.")
    objective: str
    context: str = Field(description="Two or three sentences on the situation; the source of every baseline.")
    key_results: list[KeyResult] = Field(min_length=3, max_length=5)

    def as_okr_set(self) -> OKRSet:
        return OKRSet(objective=self.objective, team_type=self.team_type, key_results=self.key_results)


class Finding(BaseModel):
    """What a validator reports."""

    rule: str = Field(description="Stable rule id.", examples=["direction-consistent"])
    severity: Severity
    message: str
    hint: str = Field(description="How to fix it.")
    kr: str | None = Field(default=None, description="Id of the KR concerned; null for set-level findings.")
    where: str | None = Field(default=None, description="File and line, for `okr check`.")


ObjectiveText = Annotated[str, Field(min_length=1)]


class SuggestionRequest(Strict):
    """What a manager asks for."""

    objective: str = Field(
        min_length=1,
        description="The objective to draft key results for.",
        examples=["Grow our global business via expansion in the EU"],
    )
    team_type: str = Field(min_length=1, description="Team type; unknown types still work.", examples=["sales"])
    context: str | None = Field(
        default=None,
        description="Current numbers and constraints. The only source of baselines.",
        examples=["EU bookings were $1.2M last quarter; 2 account executives cover DACH."],
    )
    horizon: str | None = Field(
        default=None, description="Cycle or due date for the KRs (default: end of next quarter).", examples=["Q2 2027"]
    )
    count: int = Field(default=4, ge=3, le=5, description="How many key results to draft.", examples=[4])
    model: str | None = Field(
        default=None, description="litellm model string; default from settings.", examples=["openai/gpt-4o-mini"]
    )
    seed: int | None = Field(default=None, description="Sampling seed, for reproducible drafts.", examples=[7])

    @field_validator("objective", "team_type")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("count", "seed", mode="before")
    @classmethod
    def _a_real_integer(cls, value: object) -> object:
        # pydantic would read `true` as 1 and "4" as 4; in JSON Schema neither is an integer (4.0 is).
        if isinstance(value, (bool, str)):
            raise ValueError("must be an integer")
        return value


class ExampleRef(BaseModel):
    """A corpus example the suggestion drew on."""

    id: str
    team_type: str
    objective: str
    score: float = Field(description="Retrieval score (cosine, after team weighting).")


class Usage(BaseModel):
    """What the answer cost."""

    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    attempts: int = Field(default=1, description="LLM calls made, repairs included.")
    timings_ms: dict[str, float] = Field(default_factory=dict, description="Time per pipeline step.")


class Suggestion(BaseModel):
    """The answer: typed KRs, their findings, provenance and usage."""

    objective: str
    team_type: str
    key_results: list[KeyResult]
    findings: list[Finding] = Field(default_factory=list)
    examples_used: list[ExampleRef] = Field(default_factory=list)
    usage: Usage
