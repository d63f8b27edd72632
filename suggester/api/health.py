"""Operational routes, never behind auth: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from suggester.api.problems import Problem, problem_response
from suggester.api.schemas import Health, Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Report that the process is alive."""
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Problem, "description": "Still loading, or loading failed."}},
)
async def readyz(request: Request) -> Readiness | Response:
    """Report whether the model and the corpus index are loaded."""
    service = request.app.state.okr
    resources = service.resources
    if resources.ready:
        return Readiness(
            ready=True, state="ready", model=service.settings.model, load_seconds=resources.load_seconds
        )
    detail = (
        "The model and corpus index are loading."
        if resources.state == "loading"
        else f"Loading failed: {resources.error}"
    )
    return problem_response(
        request,
        503,
        "Service not ready",
        detail,
        type_="urn:okr-suggester:problem:not-ready",
        headers={"Retry-After": "5"} if resources.state == "loading" else None,
        ready=False,
        state=resources.state,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text."}
    },
)
async def metrics(request: Request) -> Response:
    """Expose request counts, latencies, LLM tokens and errors in Prometheus text format."""
    service = request.app.state.okr
    return Response(service.metrics.render(), media_type=service.metrics.content_type)
