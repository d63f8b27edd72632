"""Structured logs: one JSON object per line, each carrying the id of the request it belongs to.

What never reaches a log line: API keys (headers are never logged, and anything shaped like a bearer
token is masked as a second line of defence). Objective and context text go out at debug level only.
"""

from __future__ import annotations

import json
import logging
import re
import time
from contextvars import ContextVar
from typing import Any

_request_id: ContextVar[str | None] = ContextVar("okr_request_id", default=None)
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',]+")
_STANDARD_ATTRS = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn adds an ANSI-coloured copy of the message
}


def current_request_id() -> str | None:
    """Id of the request being served in this task, or None outside a request."""
    return _request_id.get()


def bind_request_id(request_id: str | None):
    """Set the request id for this task; returns a token for `unbind_request_id`."""
    return _request_id.set(request_id)


def unbind_request_id(token) -> None:
    _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; `extra={...}` keys become fields of the object."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _BEARER.sub(r"\1***", json.dumps(entry, default=str, ensure_ascii=False))


def log_config(level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn: JSON lines on stderr for ours and uvicorn's loggers.

    Passed to `uvicorn.run(log_config=...)` so every worker process applies it. litellm's own logger
    stays at warning: at debug it prints request payloads.
    """
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "suggester.api.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "loggers": {
            "suggester": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {
                "handlers": ["stderr"],
                "level": "INFO" if level == "DEBUG" else level,
                "propagate": False,
            },
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "LiteLLM": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }
