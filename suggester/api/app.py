"""The app factory: one FastAPI app per call, wired from one Settings object."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import metadata

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from suggester.api import health, routes
from suggester.api.auth import KeyChecker
from suggester.api.limits import LLMSlots
from suggester.api.metrics import Metrics
from suggester.api.middleware import ServiceMiddleware
from suggester.api.openapi import install_docs, install_openapi
from suggester.api.problems import handle_http_exception, handle_suggester_error, handle_validation_error
from suggester.api.resources import Resources, load_everything
from suggester.api.service import Service
from suggester.errors import SuggesterError
from suggester.settings import Settings, get_settings
from suggester.web import install_page

DESCRIPTION = """\
Drafts typed, measurable key results (input, output, initiative) for an objective, and checks
OKR sets against a rule catalogue.

* Errors are `application/problem+json` with `type`, `title`, `status` and `detail`.
* When the service runs with `OKR_API_KEYS`, every `/v1` route needs `Authorization: Bearer <key>`.
* Suggestions are limited in concurrency per process: past the limit the answer is 429 with `Retry-After`.
"""


def create_app(
    settings: Settings | None = None, *, loader: Callable[[Settings], None] | None = None
) -> FastAPI:
    """Build the HTTP service.

    Args:
        settings: the configuration; by default read from `OKR_*` environment variables.
        loader: loads the heavy resources at start-up; defaults to the pipeline's `warm_up`.

    Returns:
        The app, ready for uvicorn (`uvicorn --factory suggester.api:create_app`).

    Raises:
        SuggesterError: the rule profile named by `OKR_RULE_PROFILE` cannot be read.
    """
    settings = settings or get_settings()
    metrics = Metrics()
    service = Service(
        settings=settings,
        keys=KeyChecker(settings.api_keys),
        slots=LLMSlots(settings.max_concurrent_llm),
        metrics=metrics,
        # Each worker marks itself ready, so the multi-process gauge (min over workers) is right.
        resources=Resources(settings, loader or load_everything, on_ready=lambda: metrics.ready.set(1)),
        profile=load_rule_profile(settings),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.resources.start()
        yield
        await service.resources.stop()

    app = FastAPI(
        title="okr-suggester",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # install_docs serves it without a CDN
        redoc_url=None,
    )
    app.state.okr = service
    app.include_router(routes.router)
    app.include_router(health.router)
    app.add_exception_handler(SuggesterError, handle_suggester_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_middleware(ServiceMiddleware, metrics=service.metrics, max_body_bytes=settings.max_request_bytes)
    install_openapi(app, settings, auth=service.keys.enabled)
    install_docs(app)
    install_page(app)  # the web page at / (suggester/web)
    return app


def load_rule_profile(settings: Settings):
    """The rule profile `OKR_RULE_PROFILE` names, for /v1/check; None when unset.

    Raises:
        InputFileError: the profile file cannot be read.
    """
    from suggester.validation import profile_at

    return profile_at(settings.rule_profile)


def _version() -> str:
    try:
        return metadata.version("okr-suggester")
    except metadata.PackageNotFoundError:
        return "0.0.0"
