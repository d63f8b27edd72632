"""One ASGI middleware around every request: request id, body-size limit, metrics, access log, last-resort 500.

Written as plain ASGI rather than `BaseHTTPMiddleware`, which costs throughput on every request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from suggester.api.logs import bind_request_id, unbind_request_id
from suggester.api.metrics import Metrics
from suggester.api.problems import BodyTooLarge, error_response, problem_response

log = logging.getLogger("suggester.api")
access_log = logging.getLogger("suggester.api.access")

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_QUIET_ROUTES = {"/healthz", "/readyz", "/metrics"}  # probes and scrapes: logged at debug only


class ServiceMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        offered = headers.get("x-request-id", "")
        request_id = offered if _CLIENT_ID.match(offered) else uuid.uuid4().hex
        token = bind_request_id(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                await error_response(Request(scope), self._too_large())(scope, receive, send_with_id)
            else:
                await self.app(scope, self._limited(receive), send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"method": scope["method"], "path": scope["path"]})
            if not response_started:
                response = problem_response(
                    Request(scope),
                    500,
                    "Internal server error",
                    f"Something unexpected went wrong; quote request id {request_id} when reporting it.",
                    type_="urn:okr-suggester:problem:internal-error",
                )
                await response(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            unbind_request_id(token)

    def _too_large(self) -> BodyTooLarge:
        return BodyTooLarge(
            f"The request body is larger than {self.max_body_bytes} bytes (OKR_MAX_REQUEST_BYTES).",
            limit=self.max_body_bytes,
        )

    def _limited(self, receive: Receive) -> Receive:
        """Count body bytes as they arrive, for bodies sent without a Content-Length (chunked)."""
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise self._too_large()
            return message

        return receive_limited

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"  # the template: bounded label values
        self.metrics.observe_request(scope["method"], route, status, seconds)
        if status >= 400:
            self.metrics.observe_error(scope.get("state", {}).get("problem_kind") or f"http-{status}")
        level = logging.DEBUG if route in _QUIET_ROUTES and status < 400 else logging.INFO
        access_log.log(
            level,
            "%s %s %s",
            scope["method"],
            scope["path"],
            status,
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "ms": round(seconds * 1000, 2),
            },
        )
