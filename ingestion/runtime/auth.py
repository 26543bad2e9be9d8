"""How a request is authenticated: fixed headers, or a token fetched from the platform and refreshed.

Tokens are fetched lazily, cached until shortly before they expire, and re-fetched when the platform says the
token is invalid (the client calls `invalidate()` on `TokenExpiredError`). Token values never reach logs: the
client redacts `access_token=` from every path it records.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ingestion.runtime.http import HttpClient


class Auth:
    def apply(self, client: HttpClient, headers: dict[str, str], params: dict) -> None:
        """Add credentials to one request's headers or query params."""

    def invalidate(self) -> None:
        """The platform rejected the credentials as expired; the next request fetches new ones."""


class HeaderAuth(Auth):
    def __init__(self, headers: dict[str, str]):
        self.headers = dict(headers)

    def apply(self, client, headers, params) -> None:
        headers.update(self.headers)


class TokenAuth(Auth):
    """`fetch(client) -> (token, lifetime_seconds)`, called with `client.request(..., auth=False)` available."""

    def __init__(
        self,
        fetch: Callable[[HttpClient], tuple[str, float]],
        place: str = "query",
        name: str = "access_token",
        template: str = "{token}",
        clock: Callable[[], float] = time.monotonic,
    ):
        if place not in ("query", "header"):
            raise ValueError(f"place must be query or header, not {place!r}")
        self.fetch, self.place, self.name, self.template = fetch, place, name, template
        self.clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def token(self, client: HttpClient) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._expires:
                token, lifetime = self.fetch(client)
                self.fetches += 1
                self._token = token
                # refresh a little early: a token that expires mid-run costs a failed request
                self._expires = self.clock() + max(1.0, float(lifetime) * 0.9)
            return self._token

    def apply(self, client, headers, params) -> None:
        value = self.template.format(token=self.token(client))
        if self.place == "query":
            params[self.name] = value
        else:
            headers[self.name] = value

    def invalidate(self) -> None:
        with self._lock:
            self._token = None
