"""What one running app holds: its settings and the per-process parts every route shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from suggester.api.auth import KeyChecker
from suggester.api.limits import LLMSlots
from suggester.api.metrics import Metrics
from suggester.api.resources import Resources
from suggester.settings import Settings

if TYPE_CHECKING:
    from suggester.api.schemas import TeamTypes


@dataclass
class Service:
    """Lives on `app.state.okr`; built once by `create_app`."""

    settings: Settings
    keys: KeyChecker
    slots: LLMSlots
    metrics: Metrics
    resources: Resources
    profile: Any = None  # the rule profile for /v1/check, loaded once from `settings.rule_profile`
    team_types: TeamTypes | None = field(default=None)  # computed once: the corpus is read-only
