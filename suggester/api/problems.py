"""Errors as `application/problem+json` (RFC 9457): one translation from the error tree to HTTP.

The core raises `suggester.errors` classes; the few errors only the HTTP layer knows (auth, busy,
timeout, warming up) are defined here as subclasses of the same tree, so every error takes one path.
"""

from __future__ import annotations

import math
import re
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from suggester.api.logs import current_request_id
from suggester.errors import InputTooLong, InvalidRequest, RateLimited, SuggesterError

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_PREFIX = "urn:okr-suggester:problem:"
# Context keys that may hold secrets or bulky internals never reach a response.
_PRIVATE_KEYS = re.compile(r"key|token|secret|password|authorization|prompt|messages", re.IGNORECASE)


class NotAuthenticated(SuggesterError):
    title = "Not authenticated"
    status = 401


class ServiceBusy(RateLimited):
    """All LLM slots of this process are taken; the client should come back later."""

    title = "Too many suggestions in flight"
    status = 429


class NotReady(SuggesterError):
    title = "Service warming up"
    status = 503

    def __init__(self, message: str, retry_after: float | None = None, **context: object) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class RequestTimedOut(SuggesterError):
    title = "Request timed out"
    status = 504


class ClientClosedRequest(SuggesterError):
    """The client went away before its suggestion was ready. Nobody reads this answer; it is there for
    the access log and the metrics (499 is nginx's status for it)."""

    title = "Client closed request"
    status = 499


class BodyTooLarge(InputTooLong):
    title = "Request body too large"


class InvalidBody(InvalidRequest):
    """The body does not match the schema (FastAPI's validation); names each field and reason."""


class Problem(BaseModel):
    """An error, as `application/problem+json` (RFC 9457). Extra members give machine-readable details."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:okr-suggester:problem:input-too-long",
                    "title": "Input too long",
                    "status": 413,
                    "detail": "objective is 812 characters; the limit is 500.",
                    "field": "objective",
                    "limit": 500,
                    "request_id": "5f0c2a9e8d1b4c3a",
                }
            ]
        },
    )

    type: str = Field(
        description="URI naming the kind of problem; stable, safe to branch on.",
        examples=["urn:okr-suggester:problem:service-busy"],
    )
    title: str = Field(
        description="Short human summary of the kind of problem.", examples=["Too many suggestions in flight"]
    )
    status: int = Field(description="HTTP status code.", examples=[429])
    detail: str = Field(
        description="What went wrong in this request, and how to fix it.",
        examples=["4 suggestions are being drafted, the most this server runs at once; retry shortly."],
    )
    request_id: str | None = Field(
        default=None,
        description="Id of the request, as in the logs and `X-Request-ID`.",
        examples=["5f0c2a9e8d1b4c3a9e8d1b4c3a5f0c2a"],
    )


def problem_type(error: type[SuggesterError]) -> str:
    """Stable type URI of an error class, e.g. `urn:okr-suggester:problem:input-too-long`."""
    slug = re.sub(r"(?<!^)(?=[A-Z])", "-", error.__name__).lower()
    return _TYPE_PREFIX + slug


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extras: Any,
) -> JSONResponse:
    """Build a problem+json response; `extras` become extra members (None values are left out).

    The kind (last part of the type, or `http-<status>`) is left on `request.state` for the metrics.
    """
    request.state.problem_kind = (
        type_.removeprefix(_TYPE_PREFIX) if type_ != "about:blank" else f"http-{status}"
    )
    body = {"type": type_, "title": title, "status": status, "detail": detail}
    body.update({key: value for key, value in extras.items() if value is not None})
    body["request_id"] = current_request_id()
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def error_response(request: Request, error: SuggesterError) -> JSONResponse:
    """Translate one of our errors, keeping its public context (limit, setting, ...) as extras."""
    headers: dict[str, str] = {}
    retry_after = getattr(error, "retry_after", None)
    if error.status in (429, 503) or retry_after is not None:
        # Retry-After is whole seconds; never 0, which clients read as "hammer me".
        headers["Retry-After"] = str(max(1, math.ceil(retry_after or 1)))
    if isinstance(error, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    return problem_response(
        request,
        error.status,
        error.title,
        error.message,
        type_=problem_type(type(error)),
        headers=headers,
        **_public_context(error.context),
    )


def _public_context(context: dict[str, object]) -> dict[str, object]:
    def plain(value: object) -> bool:
        if isinstance(value, (list, tuple)):
            return all(plain(item) for item in value)
        return value is None or isinstance(value, (str, int, float, bool))

    reserved = {"type", "title", "status", "detail", "request_id"}
    return {
        key: value
        for key, value in context.items()
        if key not in reserved and not _PRIVATE_KEYS.search(key) and plain(value)
    }


async def handle_suggester_error(request: Request, error: SuggesterError) -> JSONResponse:
    return error_response(request, error)


async def handle_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    """422 naming each bad field and the reason, without echoing the rejected input back."""
    errors = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ()) if part != "body"]
        errors.append({"field": ".".join(location) or "body", "reason": item.get("msg", "invalid")})
    first = errors[0] if errors else {"field": "body", "reason": "invalid"}
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return problem_response(
        request,
        422,
        "Invalid request",
        f"{first['field']}: {first['reason']}{more}",
        type_=problem_type(InvalidBody),
        errors=errors,
    )


async def handle_http_exception(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """Routing errors (404, 405, ...) in the same shape as everything else."""
    from http import HTTPStatus

    if isinstance(
        error.__cause__, SuggesterError
    ):  # e.g. the body limit, tripped while FastAPI read the body
        return error_response(request, error.__cause__)
    if error.status_code == 400 and error.__cause__ is not None:
        # FastAPI's 400 for a body it could not decode (not UTF-8): the same 422 as any malformed body.
        return problem_response(
            request,
            422,
            InvalidBody.title,
            "body: could not be read as UTF-8 JSON",
            type_=problem_type(InvalidBody),
            errors=[{"field": "body", "reason": "could not be read as UTF-8 JSON"}],
        )

    title = HTTPStatus(error.status_code).phrase
    detail = (
        error.detail
        if isinstance(error.detail, str) and error.detail != title
        else _route_detail(request, error)
    )
    return problem_response(
        request, error.status_code, title, detail, headers=getattr(error, "headers", None)
    )


def _route_detail(request: Request, error: StarletteHTTPException) -> str:
    if error.status_code == 404:
        return f"No route {request.url.path}; see /docs for the API."
    if error.status_code == 405:
        return f"{request.method} is not allowed on {request.url.path}."
    return str(error.detail)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for these error statuses (the schema is fixed up in `openapi.py`)."""
    from http import HTTPStatus

    return {status: {"model": Problem, "description": HTTPStatus(status).phrase} for status in statuses}
