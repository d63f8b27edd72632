"""okr-suggester: typed, measurable, honest OKR key results.

Public API (imports stay light: heavy libraries load on first use)::

    from suggester import suggest, asuggest, check
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from suggester.errors import SuggesterError
from suggester.models import (
    CorpusExample,
    Finding,
    KeyResult,
    OKRSet,
    Severity,
    Suggestion,
    SuggestionRequest,
)

__all__ = [
    "CorpusExample",
    "Finding",
    "KeyResult",
    "OKRSet",
    "Severity",
    "Suggestion",
    "SuggestionRequest",
    "SuggesterError",
    "asuggest",
    "check",
    "suggest",
]

if TYPE_CHECKING:
    from suggester.checking import check
    from suggester.pipeline import asuggest, suggest

_LAZY = {"suggest": "suggester.pipeline", "asuggest": "suggester.pipeline", "check": "suggester.checking"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'suggester' has no attribute {name!r}")
