"""The OpenAPI document, made to tell the truth about this service as configured, and its docs page.

FastAPI's default says errors are `application/json` shaped like its own validation error, that
auth is always required, and nothing about length limits. This rewrites those three things once.
Its default `/docs` page loads Swagger UI from a CDN, which is blank on a machine without network:
ours serves the same page from files installed with the package (fastapi-offline's copy of Swagger UI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from suggester.api.problems import PROBLEM_MEDIA_TYPE
from suggester.settings import Settings

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# (schema, property) -> the setting holding its maximum length.
_LENGTH_LIMITS = {
    ("SuggestionRequest", "objective"): "max_objective_chars",
    ("SuggestionRequest", "context"): "max_context_chars",
    ("CheckRequest", "text"): "max_document_chars",
    ("CheckRequest", "context"): "max_context_chars",
    ("OKRSet", "objective"): "max_objective_chars",
    ("OKRSet-Input", "objective"): "max_objective_chars",
}


def install_openapi(app: FastAPI, settings: Settings, *, auth: bool) -> None:
    """Replace `app.openapi` with a cached generator that applies the fixes below."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            _problem_errors(schema)
            _length_limits(schema, settings)
            if not auth:
                _drop_security(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problem_errors(schema: dict[str, Any]) -> None:
    for operation in _operations(schema):
        for status, response in operation.get("responses", {}).items():
            if status[0] in "45":
                response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}}
                if status == "422":
                    response["description"] = "Invalid body: names each field and the reason."
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


def _length_limits(schema: dict[str, Any], settings: Settings) -> None:
    components = schema.get("components", {}).get("schemas", {})
    for (name, prop), setting in _LENGTH_LIMITS.items():
        field = components.get(name, {}).get("properties", {}).get(prop)
        if field is None:
            continue
        limit = getattr(settings, setting)
        # Nullable fields are `anyOf: [{type: string}, {type: null}]`: the limit goes on the string branch.
        for branch in field.get("anyOf", [field]):
            if branch.get("type") == "string":
                branch["maxLength"] = limit
        field["description"] = (
            f"{field.get('description', '').rstrip('.')}. At most {limit} characters (OKR_{setting.upper()})."
        )


def _drop_security(schema: dict[str, Any]) -> None:
    for operation in _operations(schema):
        operation.pop("security", None)
        operation.get("responses", {}).pop("401", None)
    schema.get("components", {}).pop("securitySchemes", None)


def _operations(schema: dict[str, Any]):
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "responses" in operation:
                yield operation


DOCS_ASSETS = "/docs-assets"


def install_docs(app: FastAPI) -> None:
    """Swagger UI at `/docs` from local files (create the app with `docs_url=None`)."""
    import fastapi_offline

    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API docs",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        )

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
