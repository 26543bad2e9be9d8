"""What WeChat (Official Accounts) and WeCom share: access tokens fetched with the app's secret, and errors that
arrive as HTTP 200 with a non-zero `errcode`. Errors are told apart by `errcode` only: `errmsg` carries a request
id (`rid: ...`, `hint: [...]`) that differs on every call, and its wording changes without notice.

| errcode | meaning | what the connector does |
|---|---|---|
| 40001, 40014, 42001 | access token invalid, superseded or expired | `TokenExpiredError`: fetch a new token, retry |
| 45033 (WeCom), 45011 (WeChat), -1 | concurrency / per-minute limit, system busy | `RetryableError`: back off, retry |
| 45009 | the API's daily quota is spent | `QuotaExhaustedError`: stop the stream, keep what landed |
| anything else | a request the platform refuses | `SourceRequestError` naming errcode and errmsg |

The token endpoint is called with the secret in its query (`corpsecret=` / `secret=`, redacted from every path
the HTTP client records or logs) and interprets its own body: there, 40001/40013/40125 mean wrong credentials,
not an expired token, so they fail the source at once instead of refreshing in a loop.

Secrets in query strings also reach urllib3's DEBUG log (`"GET /cgi-bin/gettoken?corpid=...&corpsecret=..."`):
importing this module puts a filter on that logger which redacts them (and every `access_token=`) first.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from typing import Any

from ingestion.runtime.auth import TokenAuth
from ingestion.runtime.errors import (
    CircuitOpenError,
    QuotaExhaustedError,
    RetryableError,
    SourceRequestError,
    TokenExpiredError,
)
from ingestion.runtime.http import HttpClient, redact

TOKEN_EXPIRED = frozenset({40001, 40014, 42001})
RETRYABLE = frozenset({-1, 45011, 45033})
QUOTA = 45009
TOKEN_ATTEMPTS = 6


class RedactQueryFilter(logging.Filter):
    """Redacts secret-looking query values from a log record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


_URLLIB3 = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, RedactQueryFilter) for f in _URLLIB3.filters):
    _URLLIB3.addFilter(RedactQueryFilter())


def errcode(data: Any) -> int:
    """The body's errcode (0 when absent: successful WeChat bodies often carry none)."""
    if isinstance(data, dict):
        code = data.get("errcode", 0)
        try:
            return int(code)
        except (TypeError, ValueError):
            return -1
    return 0


def describe(data: Any) -> str:
    code = errcode(data)
    msg = data.get("errmsg", "") if isinstance(data, dict) else ""
    return f"errcode {code} ({redact(str(msg))[:200]})"


def make_check_body(passthrough: Iterable[int] = ()) -> Callable[[Any], None]:
    """The source type's `check_body`: raise the runtime's error class for a non-zero errcode. Codes in
    `passthrough` are answers, not errors (WeCom's 84061 "no external contacts"): the caller reads them."""
    allowed = frozenset(passthrough)

    def check_body(data: Any) -> None:
        code = errcode(data)
        if code == 0 or code in allowed:
            return
        if code in TOKEN_EXPIRED:
            raise TokenExpiredError(describe(data))
        if code in RETRYABLE:
            raise RetryableError(describe(data))
        if code == QUOTA:
            raise QuotaExhaustedError(f"daily API quota spent: {describe(data)}")
        raise SourceRequestError(describe(data))

    return check_body


def token_auth(path: str, credentials: Callable[[], dict[str, str]]) -> TokenAuth:
    """A TokenAuth whose token comes from `GET path?<credentials()>` (`access_token`, `expires_in`), sent as the
    `access_token` query parameter of every call."""

    def fetch(client: HttpClient) -> tuple[str, float]:
        for attempt in range(1, TOKEN_ATTEMPTS + 1):
            page = client.request("GET", path, credentials(), auth=False, check=False)
            data = page.data
            code = errcode(data)
            token = data.get("access_token") if isinstance(data, dict) else None
            if code == 0 and isinstance(token, str) and token:
                return token, float(data.get("expires_in") or 7200)
            if code in RETRYABLE and attempt < TOKEN_ATTEMPTS:
                client.sleep(random.uniform(0, min(8.0, 0.25 * 2**attempt)))
                continue
            if code in RETRYABLE:
                raise CircuitOpenError(
                    f"{client.source}: {path} stayed busy {attempt} times: {describe(data)}"
                )
            raise SourceRequestError(
                f"{client.source}: {path} refused the credentials: {describe(data)}; "
                "check the source's credentials"
            )
        raise AssertionError("unreachable")  # pragma: no cover

    return TokenAuth(fetch, place="query", name="access_token")
