"""Errors a connector raises. Messages name the source, stream and request path (never a secret)."""

from __future__ import annotations


class IngestionError(RuntimeError):
    """Base class: something stopped a source."""


class SourceRequestError(IngestionError):
    """The platform refused a request in a way retrying will not fix (401, 403, 404, 400, a fatal errcode)."""


class CircuitOpenError(IngestionError):
    """The source kept failing; it was stopped cleanly. Its cursor is untouched, so the next run resumes."""


class QuotaExhaustedError(IngestionError):
    """The platform's daily quota is spent (WeChat 45009): stop now, resume from the same cursor next run.

    The runner commits what was landed and keeps the stream's cursor; a fetch hook that keeps its own position
    (cursor_mode "state") sets `cursor` to where the next run resumes (e.g. the next_openid not yet fetched)."""

    def __init__(self, message: str, cursor: object = None):
        super().__init__(message)
        self.cursor = cursor


class TokenExpiredError(Exception):
    """The platform says the access token is invalid or expired (WeChat 40001/40014/42001): refresh, then retry."""


class RetryableError(Exception):
    """A failure worth retrying (429, 5xx, timeout, truncated body); `retry_after` comes from the platform."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
