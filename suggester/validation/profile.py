"""Rule profiles: switch rules off or change their severity, from a small YAML file.

    # okr-rules.yaml
    rules:
      guardrail: off
      time-bound: error
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from suggester.errors import InputFileError
from suggester.models import Severity
from suggester.validation.catalogue import RULES

Setting = Literal["off", "error", "warning", "info"]


class Profile(BaseModel):
    """Per-rule overrides; rules not listed keep their default severity."""

    model_config = ConfigDict(extra="forbid")

    rules: dict[str, Setting] = Field(
        default_factory=dict, description="Rule id -> off, error, warning or info."
    )

    @field_validator("rules", mode="before")
    @classmethod
    def _yaml_off_is_false(cls, value: object) -> object:
        # YAML 1.1 reads a bare `off` as False; accept it as the user meant it.
        if isinstance(value, dict):
            return {key: "off" if item is False else item for key, item in value.items()}
        return value

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: dict[str, Setting]) -> dict[str, Setting]:
        known = {rule.id for rule in RULES}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown rule id(s): {', '.join(unknown)} (see `okr check --rules`)")
        return value

    def is_enabled(self, rule_id: str) -> bool:
        return self.rules.get(rule_id) != "off"

    def severity(self, rule_id: str, default: Severity) -> Severity:
        setting = self.rules.get(rule_id)
        return Severity(setting) if setting and setting != "off" else default


def load_profile(path: str | Path) -> Profile:
    """Read a profile YAML file.

    Args:
        path: file of the form ``{rules: {rule-id: off|error|warning|info}}``.

    Raises:
        InputFileError: the file is missing, not YAML, or names unknown rules or settings.
    """
    import yaml  # only when a profile is given: `okr check` without one never imports it

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read rule profile ({exc.strerror})", path=str(path)) from exc
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        raise InputFileError(f"{path}:{line}: rule profile is not valid YAML", path=str(path), line=line) from exc
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputFileError(f"{path}: rule profile {where}: {first['msg']}", path=str(path)) from exc


def profile_at(path: str | Path | None) -> Profile | None:
    """The profile in `path` (None: no profile), read again only when the file changes.

    Raises:
        InputFileError: as `load_profile`.
    """
    if path is None:
        return None
    try:
        changed = Path(path).stat().st_mtime_ns
    except OSError:
        return load_profile(path)  # raises the clear "cannot read" error
    return _profile_version(str(path), changed)


@lru_cache(maxsize=8)
def _profile_version(path: str, changed: int) -> Profile:
    return load_profile(path)
