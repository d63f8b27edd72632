"""Typed models: requests in, suggestions out, and the OKR shapes shared by every module.

Anything loaded from disk (corpus entries, OKR files, eval cases) is strict (`extra="forbid"`).
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator


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
    kind: Kind = Field(
        description="input (a lever the team controls), output (an outcome), or initiative (a project).",
        examples=["output"],
    )
    kind_inferred: StrictBool = Field(
        default=False, description="True when the kind was guessed from the wording rather than given.", examples=[False]
    )
    text: str = Field(
        description="The KR as a person reads it.",
        examples=["Increase EU bookings from $1.2M to $1.8M by 2027-06-30"],
    )
    metric: str | None = Field(default=None, description="What is measured.", examples=["EU bookings"])
    baseline: float | None = Field(
        default=None, description="Starting value. Null when unknown: it is never invented.", examples=[1200000]
    )
    target: float | None = Field(default=None, description="Value to reach by the due date.", examples=[1800000])
    relative: StrictBool = Field(
        default=False,
        description="True when `target` is a change relative to an unknown baseline, in percent "
        "(\"grow bookings by 25% over the baseline\").",
        examples=[False],
    )
    unit: str | None = Field(default=None, description="Unit of baseline and target.", examples=["USD", "%", "count"])
    direction: Direction | None = Field(default=None, description="Which way the number must move.", examples=["increase"])
    due: str | None = Field(
        default=None,
        description="Due date (ISO date) or cycle label.",
        examples=["2027-06-30", "end of Q2 2027"],
    )
    drives: list[str] = Field(
        default_factory=list,
        description="For input KRs: ids of the output KRs this lever is meant to move.",
        examples=[["kr1"]],
    )
    rationale: str | None = Field(
        default=None,
        description="Why this KR belongs in the set.",
        examples=["Bookings are the outcome the EU expansion exists for."],
    )
    baseline_source: NumberSource | None = Field(
        default=None, description="Where the baseline came from.", examples=["user_context"]
    )
    target_source: NumberSource | None = Field(default=None, description="Where the target came from.", examples=["example"])

    @field_validator("baseline", "target", mode="before")
    @classmethod
    def _a_number_not_a_flag(cls, value: object) -> object:
        # pydantic would read `true` as 1.0; a KR's baseline or target is never a yes/no.
        if isinstance(value, bool):
            raise ValueError("must be a number, not true or false")
        return value


_KR_EXAMPLE = {
    "id": "kr1", "kind": "output", "text": "Increase new EU bookings from EUR 400k to EUR 520k by 2027-03-31",
    "metric": "new EU bookings", "baseline": 400000, "target": 520000, "unit": "EUR", "direction": "increase",
    "due": "2027-03-31", "baseline_source": "user_context", "target_source": "example",
}
_FINDING_EXAMPLE = {
    "rule": "baseline-known", "severity": "info", "kr": "kr2",
    "message": "The target is relative to a baseline nobody has written down yet.",
    "hint": "Write \"from X to Y\" with today's value; if nobody knows it yet, add \"establish the baseline\" first.",
}


class OKRSet(Strict):
    """An objective and its key results, as written by a team or drafted by the service."""

    objective: str = Field(
        description="Qualitative, time-boxed goal.", examples=["Grow our global business via expansion in the EU"]
    )
    team_type: str | None = Field(default=None, description="sales, marketing, customer support, ...", examples=["sales"])
    key_results: list[KeyResult] = Field(
        default_factory=list, description="The measurable statements under it.", examples=[[_KR_EXAMPLE]]
    )


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
    severity: Severity = Field(description="error fails a check; warning and info advise.", examples=["warning"])
    message: str = Field(
        description="What is wrong, in one sentence.", examples=["The verb says increase but the target is lower."]
    )
    hint: str = Field(description="How to fix it.", examples=["Swap the numbers or say reduce."])
    kr: str | None = Field(default=None, description="Id of the KR concerned; null for set-level findings.", examples=["kr2"])
    where: str | None = Field(default=None, description="File and line, for `okr check`.", examples=["okrs.md:4"])


ObjectiveText = Annotated[str, Field(min_length=1)]

# "Not blank", one definition for the schema and the validator: a character that neither JSON Schema's
# (ECMA-262) `\s` nor Python's `str.isspace` counts as white space. A bare `\S` lets "\x1d" through the
# schema that Python's strip() then empties.
_VISIBLE = r"[^\t\n\x0b\x0c\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
_VISIBLE_CHAR = re.compile(_VISIBLE)


class SuggestionRequest(Strict):
    """What a manager asks for."""

    objective: str = Field(
        min_length=1,
        json_schema_extra={"pattern": _VISIBLE},  # not blank, in the schema too (the validator says it in words)
        description="The objective to draft key results for.",
        examples=["Grow our global business via expansion in the EU"],
    )
    team_type: str = Field(
        min_length=1, json_schema_extra={"pattern": _VISIBLE}, description="Team type; unknown types still work.",
        examples=["sales"],
    )
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
        if not _VISIBLE_CHAR.search(value):
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("count", "seed", mode="before")
    @classmethod
    def _a_real_integer(cls, value: object) -> object:
        # pydantic would read `true` as 1 and "4" as 4; in JSON Schema neither is an integer (4.0 is).
        if isinstance(value, (bool, str)):
            raise ValueError("must be an integer")
        return value


class ExampleRef(BaseModel):
    """A corpus example the suggestion drew on."""

    id: str = Field(description="Corpus example id.", examples=["sales-eu-expansion-01"])
    team_type: str = Field(description="Team type of the example.", examples=["sales"])
    objective: str = Field(description="The example's objective.", examples=["Open the DACH market for our product"])
    score: float = Field(description="Retrieval score (cosine, after team weighting).", examples=[0.71])
    used_in: Literal["draft", "repair"] = Field(
        default="draft", description="The step whose prompt showed the example: the first draft, or a repair round.",
        examples=["draft"],
    )


class Usage(BaseModel):
    """What the answer cost."""

    model: str = Field(description="The model that drafted the answer.", examples=["local/gemma-3-270m"])
    prompt_tokens: int = Field(default=0, description="Tokens sent, over every call.", examples=[912])
    completion_tokens: int = Field(default=0, description="Tokens generated, over every call.", examples=[88])
    cost_usd: float = Field(default=0.0, description="Provider cost; 0 for local models.", examples=[0.0])
    latency_ms: float = Field(default=0.0, description="Wall time of the whole suggestion.", examples=[5400.0])
    attempts: int = Field(default=1, description="LLM calls made, repairs included.", examples=[3])
    timings_ms: dict[str, float] = Field(
        default_factory=dict, description="Time per pipeline step.", examples=[{"retrieve": 41.0, "generate": 5120.0}]
    )


class Suggestion(BaseModel):
    """The answer: typed KRs, their findings, provenance and usage."""

    objective: str = Field(
        description="The objective, as asked.", examples=["Grow our global business via expansion in the EU"]
    )
    team_type: str = Field(description="The team type, normalized.", examples=["sales"])
    key_results: list[KeyResult] = Field(description="The drafted key results, validated.", examples=[[_KR_EXAMPLE]])
    findings: list[Finding] = Field(
        default_factory=list, description="What the validators still report; never hidden.",
        examples=[[_FINDING_EXAMPLE]],
    )
    examples_used: list[ExampleRef] = Field(
        default_factory=list, description="Corpus examples the draft drew on.",
        examples=[[{"id": "sales-eu-expansion-01", "team_type": "sales", "objective": "Open the DACH market for our product",
                    "score": 0.71, "used_in": "draft"}]],
    )
    usage: Usage = Field(description="Tokens, cost, latency and attempts.")
