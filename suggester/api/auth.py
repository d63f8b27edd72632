"""Optional API-key auth for the /v1 routes: `Authorization: Bearer <key>`, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from suggester.api.problems import NotAuthenticated

# Declares the scheme in OpenAPI (the "Authorize" button in /docs); we raise our own 401 problem.
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="Needed only when the service is started with `OKR_API_KEYS`.",
)


class KeyChecker:
    """Knows the accepted keys only as SHA-256 digests, and compares against all of them every time."""

    def __init__(self, keys: list[SecretStr]) -> None:
        self._digests = [_digest(key.get_secret_value()) for key in keys]

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def accepts(self, presented: str) -> bool:
        """True when `presented` is one of the keys.

        Digests have a fixed length, so `compare_digest` leaks neither the key length nor the position
        of the first differing byte; no early exit, so timing does not tell which key matched either.
        """
        candidate = _digest(presented)
        matched = False
        for digest in self._digests:
            matched |= hmac.compare_digest(candidate, digest)
        return matched


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


async def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> None:
    """FastAPI dependency for /v1 routes: passes when auth is off or the bearer key is accepted."""
    checker: KeyChecker = request.app.state.okr.keys
    if not checker.enabled:
        return
    if credentials is None:
        raise NotAuthenticated("This service needs an API key: send `Authorization: Bearer <key>`.")
    if not checker.accepts(credentials.credentials):
        raise NotAuthenticated("The API key was not accepted.")
