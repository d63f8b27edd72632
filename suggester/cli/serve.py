"""`okr serve`: run the HTTP service with uvicorn."""

from __future__ import annotations

import os
import tempfile

import click

_LEVELS = ["debug", "info", "warning", "error"]


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0 for all)."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes; each loads the model and the corpus index once.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(_LEVELS),
    help="JSON logs on stderr; objective text is logged at debug only.",
)
def serve(host: str, port: int, workers: int, log_level: str) -> None:
    """Run the HTTP service: POST /v1/suggestions, POST /v1/check, GET /v1/team-types.

    Configuration comes from OKR_* environment variables (OKR_MODEL, OKR_API_KEYS,
    OKR_MAX_CONCURRENT_LLM, OKR_REQUEST_TIMEOUT_S, ...). OpenAPI docs are at /docs.

    \b
    Examples:
      okr serve
      OKR_API_KEYS=team-key okr serve --host 0.0.0.0 --port 8080 --workers 2
      curl -s localhost:8000/v1/suggestions -H 'Content-Type: application/json' \\
        -d '{"objective": "Grow our global business via expansion in the EU", "team_type": "sales"}'
    """
    from suggester.errors import SuggesterError

    try:
        _check_config()
    except SuggesterError as exc:
        raise click.ClickException(exc.message) from None

    import uvicorn

    from suggester.api.logs import log_config

    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker counts in its own files; /metrics in any worker sums them all.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="okr-metrics-")
    click.echo(f"okr-suggester on http://{host}:{port} (docs at /docs), {workers} worker(s)", err=True)
    uvicorn.run(
        "suggester.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(log_level),
        access_log=False,  # our middleware logs each request, with its request id
        server_header=False,
    )


def _check_config() -> None:
    """Fail before uvicorn starts, as one line, on bad settings or an unreadable rule profile."""
    from suggester.api.app import load_rule_profile
    from suggester.settings import get_settings

    load_rule_profile(get_settings())
