"""Request and response bodies that exist only at the HTTP edge (the core's models live in `models.py`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from suggester.models import OKRSet

_MARKDOWN_EXAMPLE = (
    "# Grow our global business via expansion in the EU\n"
    "- [output] Increase EU bookings from $1.2M to $1.8M by 2027-06-30\n"
    "- [input] Hold 40 discovery calls with DACH prospects per month\n"
    "- [initiative] Launch the German-language website by 2027-04-30\n"
)


class CheckRequest(BaseModel):
    """An OKR set to lint: structured (`okr`) or as people write it (`text`). Exactly one of the two."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # Exactly one of the two, and not null: `{"okr": null}` gives neither.
            "oneOf": [
                {"required": ["okr"], "properties": {"okr": {"type": "object"}}},
                {"required": ["text"], "properties": {"text": {"type": "string"}}},
            ],
            "examples": [{"text": _MARKDOWN_EXAMPLE, "context": "EU bookings were $1.2M last quarter."}],
        },
    )

    okr: OKRSet | None = Field(
        default=None,
        description="A structured OKR set: objective, team type and typed key results.",
        examples=[
            {
                "objective": "Make support feel effortless for our customers",
                "team_type": "customer support",
                "key_results": [
                    {"id": "kr1", "kind": "output", "text": "Raise CSAT from 82% to 90% by end of Q3 2027"},
                ],
            }
        ],
    )
    text: str | None = Field(
        default=None,
        min_length=1,
        description="Markdown or plain text: an objective line or heading, then one bullet per KR, "
        "optionally prefixed with [input], [output] or [initiative].",
        examples=[_MARKDOWN_EXAMPLE],
    )
    context: str | None = Field(
        default=None,
        description="Your current numbers; a baseline found here is not reported as invented.",
        examples=["EU bookings were $1.2M last quarter."],
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> CheckRequest:
        if (self.okr is None) == (self.text is None):
            raise ValueError("give exactly one of `okr` (structured) or `text` (Markdown or plain text)")
        return self


class TeamType(BaseModel):
    """One known team type."""

    name: str = Field(
        description="Canonical name, as accepted in `team_type`.", examples=["customer support"]
    )
    examples: int = Field(description="Corpus examples of this team type.", examples=[12])
    aliases: list[str] = Field(
        description="Other names that mean this team type.", examples=[["support", "customer service"]]
    )
    related: list[str] = Field(
        description="Team types whose examples are also drawn on.",
        examples=[["customer success", "operations"]],
    )


class TeamTypes(BaseModel):
    """The team types the service knows. Any other name still works: it maps to the nearest ones."""

    team_types: list[TeamType] = Field(
        description="Known team types, sorted by name.",
        examples=[[{"name": "customer support", "examples": 12, "aliases": ["support"], "related": ["customer success"]}]],
    )
    total_examples: int = Field(description="Examples in the corpus.", examples=[320])


class Health(BaseModel):
    """The process is alive."""

    status: Literal["ok"] = Field(
        default="ok", description="Always `ok` when the process answers.", examples=["ok"]
    )


class Readiness(BaseModel):
    """Model and corpus index are loaded: the service can draft suggestions."""

    ready: bool = Field(description="True when every heavy resource is loaded.", examples=[True])
    state: Literal["loading", "ready", "failed"] = Field(
        description="Where loading stands.", examples=["ready"]
    )
    model: str = Field(description="Default model of this service.", examples=["local/gemma-3-270m"])
    load_seconds: float | None = Field(default=None, description="How long loading took.", examples=[8.4])
