"""The web page: one static HTML page with small, plain JavaScript, served by the HTTP service at `/`.

The page talks to the same JSON routes as any other client (`/v1/suggestions`, `/v1/check`,
`/v1/team-types`); Markdown and YAML exports are built in the browser. Nothing here imports the core.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"

# The page loads nothing from other origins and runs no inline script, so model output or pasted
# text that slips into the page as markup could not run anyway.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def install_page(app: FastAPI) -> None:
    """Serve the page at `/` and its script and style sheet under `/static/`.

    Only these two paths are claimed, so unknown paths keep the API's problem+json 404.
    """
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/", page, methods=["GET"], include_in_schema=False)


async def page() -> FileResponse:
    """The single page."""
    return FileResponse(
        STATIC_DIR / "index.html",
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff"},
    )
