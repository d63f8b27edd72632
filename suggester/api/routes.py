"""The /v1 routes: suggestions (LLM), check (validators only) and team types. Each only translates.

The core raises `suggester.errors`; the app's handlers turn those into problem+json, so no route
catches an error it cannot add anything to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from suggester.api.auth import require_api_key
from suggester.api.limits import check_length
from suggester.api.problems import ClientClosedRequest, NotReady, RequestTimedOut, problem_responses
from suggester.api.schemas import CheckRequest, TeamType, TeamTypes
from suggester.api.service import Service
from suggester.checking import CheckReport
from suggester.errors import DraftFailed, UnknownModel
from suggester.models import Suggestion, SuggestionRequest
from suggester.teams import ALIASES, RELATED, TEAM_TYPES

log = logging.getLogger("suggester.api")

router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)], tags=["v1"])

SuggestFn = Callable[..., Awaitable[Suggestion]]


def core_suggest() -> SuggestFn:
    """The core's async entry point, as a dependency so tests can stand in a slow or failing one."""
    from suggester.pipeline import asuggest

    return asuggest


def service_of(request: Request) -> Service:
    return request.app.state.okr


_DISCONNECT_POLL_S = 0.25  # how often a waiting draft asks whether its client is still there


async def _while_connected(request: Request, work: Awaitable[Suggestion]) -> Suggestion:
    """Await the draft, and cancel it if the client disconnects meanwhile: its answer would go nowhere,
    and the model it holds is better spent on the next request."""
    task = asyncio.ensure_future(work)
    try:
        while not (await asyncio.wait({task}, timeout=_DISCONNECT_POLL_S))[0]:
            if await request.is_disconnected():
                log.info("client disconnected; suggestion cancelled")
                raise ClientClosedRequest("The client closed the connection before the suggestion was ready.")
        return task.result()
    finally:
        task.cancel()  # on a disconnect or the deadline; a no-op once the task is done


@router.post(
    "/suggestions",
    response_model=Suggestion,
    responses=problem_responses(400, 401, 413, 422, 429, 502, 503, 504),
)
async def create_suggestion(
    request: Request,
    body: SuggestionRequest,
    service: Annotated[Service, Depends(service_of)],
    suggest: Annotated[SuggestFn, Depends(core_suggest)],
) -> Suggestion:
    """Draft typed key results for an objective."""
    settings = service.settings
    if body.model and settings.allowed_models and body.model not in {settings.model, *settings.allowed_models}:
        raise UnknownModel(
            f"model {body.model!r} is not offered by this service; choose one of: "
            f"{', '.join(dict.fromkeys([settings.model, *settings.allowed_models]))} (OKR_ALLOWED_MODELS)",
            model=body.model,
        )
    log.info(
        "suggestion requested",
        extra={
            "team_type": body.team_type,
            "objective_chars": len(body.objective),
            "context_chars": len(body.context or ""),
            "model": body.model or settings.model,
        },
    )
    log.debug("suggestion input", extra={"objective": body.objective, "context": body.context})
    with service.slots.take(), service.metrics.llm_in_flight.track_inprogress():
        try:
            async with asyncio.timeout(settings.request_timeout_s):
                await service.resources.wait_ready()
                suggestion = await _while_connected(request, suggest(body, settings=settings))
        except DraftFailed as failed:
            if failed.usage is not None:  # the tokens were spent all the same
                service.metrics.observe_usage(failed.usage)
            raise
        except TimeoutError:
            if not service.resources.ready:
                raise NotReady(
                    f"The model and corpus index are still loading after {settings.request_timeout_s:g} s.",
                    retry_after=10,
                ) from None
            raise RequestTimedOut(
                f"The suggestion took longer than {settings.request_timeout_s:g} s (OKR_REQUEST_TIMEOUT_S).",
                limit=settings.request_timeout_s,
            ) from None
    service.metrics.observe_usage(suggestion.usage)
    log.info(
        "suggestion drafted",
        extra={
            "key_results": len(suggestion.key_results),
            "findings": len(suggestion.findings),
            "attempts": suggestion.usage.attempts,
            "prompt_tokens": suggestion.usage.prompt_tokens,
            "completion_tokens": suggestion.usage.completion_tokens,
            "latency_ms": round(suggestion.usage.latency_ms, 1),
        },
    )
    return suggestion


@router.post("/check", response_model=CheckReport, responses=problem_responses(401, 413, 422))
def check_okr(body: CheckRequest, service: Annotated[Service, Depends(service_of)]) -> CheckReport:
    """Check an OKR set against the rule catalogue (validators only, no LLM)."""
    from suggester.checking import check

    settings = service.settings
    if body.text is not None:
        check_length("text", body.text, settings.max_document_chars)
    else:
        check_length("objective", body.okr.objective, settings.max_objective_chars)
    check_length("context", body.context, settings.max_context_chars)
    return check(
        body.okr if body.okr is not None else body.text, context=body.context, profile=service.profile
    )


@router.get("/team-types", response_model=TeamTypes, responses=problem_responses(401, 503, 504))
async def list_team_types(service: Annotated[Service, Depends(service_of)]) -> TeamTypes:
    """List the known team types with their example counts."""
    if service.team_types is None:
        try:
            async with asyncio.timeout(service.settings.request_timeout_s):
                await service.resources.wait_ready()
        except TimeoutError:
            raise NotReady("The corpus index is still loading.", retry_after=10) from None
        service.team_types = _team_types(service)
    return service.team_types


def _team_types(service: Service) -> TeamTypes:
    from suggester.retrieval import get_retriever

    counts = get_retriever(service.settings).team_counts()
    aliases: dict[str, list[str]] = {}
    for alias, canonical in ALIASES.items():
        aliases.setdefault(canonical, []).append(alias)
    names = sorted(set(TEAM_TYPES) | set(counts))  # corpus-only types (own corpus dirs) are listed too
    return TeamTypes(
        team_types=[
            TeamType(
                name=name,
                examples=counts.get(name, 0),
                aliases=sorted(aliases.get(name, [])),
                related=list(RELATED.get(name, ())),
            )
            for name in names
        ],
        total_examples=sum(counts.values()),
    )
