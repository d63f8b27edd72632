"""okr-suggester: typed, measurable, honest OKR key results.

Public API::

    from suggester import SuggestionRequest, suggest, asuggest, check

Every name loads on first use, so a command that needs none of them (`okr --help`) imports neither
pydantic nor any heavy library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from suggester.checking import check
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
    from suggester.pipeline import asuggest, suggest

_LAZY = {
    "CorpusExample": "suggester.models",
    "Finding": "suggester.models",
    "KeyResult": "suggester.models",
    "OKRSet": "suggester.models",
    "Severity": "suggester.models",
    "Suggestion": "suggester.models",
    "SuggestionRequest": "suggester.models",
    "SuggesterError": "suggester.errors",
    "asuggest": "suggester.pipeline",
    "check": "suggester.checking",
    "suggest": "suggester.pipeline",
}

__all__ = [
    "CorpusExample",
    "Finding",
    "KeyResult",
    "OKRSet",
    "Severity",
    "SuggesterError",
    "Suggestion",
    "SuggestionRequest",
    "asuggest",
    "check",
    "suggest",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'suggester' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
