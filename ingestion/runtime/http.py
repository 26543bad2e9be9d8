"""One HTTP client per source: timeouts on every request, retries with exponential backoff and full jitter that
honour `Retry-After` and reset headers, a rate limiter, and a circuit that stops the source after repeated failures.

A response is only returned once its body parsed as JSON: a truncated body is a retryable failure, never data.

The transport is urllib3 (the connection pool under requests), called directly: on the loopback sandbox a
50-post Discourse page took 1.29 ms through `requests.Session.get` and 0.61 ms through a urllib3 pool
(1,000 pages each, `bench` notes in docs/benchmarks.md); at bulk-ingest speed that difference is half the
client's time. Proxies (`HTTPS_PROXY`, `NO_PROXY`) and the CA bundle (`REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`)
are honoured as requests would, read once per source.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import certifi
import msgspec
import requests.utils
import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, ReadTimeoutError

from ingestion.runtime.auth import Auth, HeaderAuth
from ingestion.runtime.errors import CircuitOpenError, RetryableError, SourceRequestError, TokenExpiredError
from ingestion.runtime.ratelimit import RateLimiter

log = logging.getLogger("pulse.ingestion.http")

# `secret=` also covers WeCom's `corpsecret=`; WeChat's `appid=`/WeCom's `corpid=` name the account the secret
# belongs to and are kept out of landing metadata too.
SECRET_PARAMS = re.compile(
    r"(access_token|token|secret|key|password|signature|sign|appid|corpid)=[^&]*", re.I
)
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 524}


def redact(path: str) -> str:
    """A request path safe to log and to keep in landing metadata: secret-looking query values removed."""
    return SECRET_PARAMS.sub(lambda m: m.group(1) + "=***", path)


@dataclass
class Page:
    status: int
    headers: Any  # case-insensitive: `page.headers.get("link")` finds `Link`
    body: bytes
    data: Any
    path: str  # redacted


def _retry_after(headers, body: bytes = b"") -> float | None:
    """Seconds to wait as the platform says: a JSON body's `retry_after` (Discord: precise, while its Retry-After
    header is rounded up to whole seconds), Retry-After (seconds or HTTP date), or the rate-limit reset headers
    (`x-ratelimit-reset-after` in seconds; `x-ratelimit-reset` in seconds (Reddit) or, when it is that large, an
    epoch timestamp (Discord))."""
    if body[:1] == b"{" and b"retry_after" in body:
        try:
            value = msgspec.json.decode(body).get("retry_after")
        except (msgspec.DecodeError, AttributeError):
            value = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return max(0.0, float(value))
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError):
                return None
    for name in ("x-ratelimit-reset-after", "x-ratelimit-reset"):
        value = headers.get(name)
        if value:
            try:
                seconds = float(value)
            except ValueError:
                return None
            if seconds > 1e9:  # an epoch timestamp, not a duration
                seconds -= time.time()
            return max(0.0, seconds)
    return None


# Our retry loop decides; urllib3 only follows redirects (as requests does for GET).
_NO_RETRIES = urllib3.Retry(
    total=None, connect=0, read=0, status=0, other=0, redirect=5, raise_on_redirect=False
)


CONNECTIONS_PER_SOURCE = 4  # kept open per host: one for each of a source's streams landing at once


def _pool_for(base_url: str) -> urllib3.PoolManager:
    """A connection pool for one source, through the proxy the environment names for its host (read once)."""
    ca = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or certifi.where()
    proxy = requests.utils.get_environ_proxies(base_url).get(urlsplit(base_url).scheme)
    if proxy:
        return urllib3.ProxyManager(proxy, num_pools=4, maxsize=CONNECTIONS_PER_SOURCE, ca_certs=ca)
    return urllib3.PoolManager(num_pools=4, maxsize=CONNECTIONS_PER_SOURCE, ca_certs=ca)


class HttpClient:
    def __init__(
        self,
        base_url: str,
        auth: Auth | dict[str, str] | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 6,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        requests_per_second: float | None = None,
        circuit_threshold: int = 8,
        check_body: Callable[[Any], None] | None = None,
        source: str = "",
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.pool = _pool_for(self.base_url)
        self.default_headers = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
            "User-Agent": "community-pulse/0.1",
        }
        self.auth = auth if isinstance(auth, Auth) else HeaderAuth(auth or {})
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.limiter = RateLimiter(requests_per_second)
        self.circuit_threshold = circuit_threshold
        self.consecutive_failures = 0
        self.check_body = check_body
        self.source = source
        self.rng = rng or random.Random()
        self.sleep = sleep
        self.stats = {"requests": 0, "retries": 0}

    def url_for(self, path: str, params: dict | None = None) -> str:
        url = path if path.startswith("http") else urljoin(self.base_url, path.lstrip("/"))
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        return url

    def _relative(self, url: str) -> str:
        parts = urlsplit(url)
        return redact(parts.path + (f"?{parts.query}" if parts.query else ""))

    def get(self, path: str, params: dict | None = None) -> Page:
        return self.request("GET", path, params)

    def request(
        self,
        method: str,
        path: str,
        params: dict | None = None,
        json_body: Any = None,
        *,
        auth: bool = True,
        check: bool = True,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> Page:
        """One logical request with retries. `auth=False` for the token endpoint itself; `check=False` skips the
        source's in-band error check (a token fetch interprets its own body). `headers` are added to this request's
        (a token endpoint's Basic credentials); `form` is sent as an x-www-form-urlencoded body."""
        attempt = 0
        refreshed = 0
        extra_headers = headers
        while True:
            headers = dict(extra_headers or {})
            query = dict(params or {})
            if auth:
                self.auth.apply(self, headers, query)
            url = self.url_for(path, query)
            shown = self._relative(url)
            self.limiter.acquire()
            try:
                page = self._once(method, url, shown, headers, json_body, check, form)
                self.consecutive_failures = 0
                return page
            except TokenExpiredError as e:
                refreshed += 1
                if refreshed > 2:
                    raise SourceRequestError(
                        f"{self.source}: token rejected again after refreshing: {e}"
                    ) from None
                log.info("token refresh source=%s path=%s reason=%s", self.source, shown, e)
                self.auth.invalidate()
            except RetryableError as e:
                attempt += 1
                self.consecutive_failures += 1
                self.stats["retries"] += 1
                if self.consecutive_failures >= self.circuit_threshold:
                    raise CircuitOpenError(
                        f"{self.source}: stopped after {self.consecutive_failures} failures in a row; "
                        f"last: {e.reason} on {method} {shown}"
                    ) from None
                if attempt > self.max_retries:
                    raise CircuitOpenError(
                        f"{self.source}: {method} {shown} failed {attempt} times; last: {e.reason}"
                    ) from None
                delay = self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))
                if e.retry_after is not None:
                    delay = max(delay, e.retry_after)
                    self.limiter.pause(e.retry_after)
                log.warning(
                    "retry source=%s path=%s attempt=%d reason=%r wait=%.2fs",
                    self.source,
                    shown,
                    attempt,
                    e.reason,
                    delay,
                )
                self.sleep(delay)

    def _once(
        self, method: str, url: str, shown: str, headers: dict, json_body: Any, check: bool, form: Any = None
    ) -> Page:
        self.stats["requests"] += 1
        headers = {**self.default_headers, **headers}
        body_out = None
        if json_body is not None:
            body_out = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body_out = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            resp = self.pool.request(
                method,
                url,
                body=body_out,
                headers=headers,
                timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
                retries=_NO_RETRIES,
            )
            body = resp.data  # read whole; a connection closed mid-body raises here
        except (ReadTimeoutError, ConnectTimeoutError) as e:
            if isinstance(e, NewConnectionError):
                raise RetryableError(f"connection error ({type(e).__name__})") from None
            raise RetryableError("timeout") from None
        except urllib3.exceptions.MaxRetryError as e:
            reason = e.reason
            if isinstance(reason, (ReadTimeoutError, ConnectTimeoutError)) and not isinstance(
                reason, NewConnectionError
            ):
                raise RetryableError("timeout") from None
            raise RetryableError(f"connection error ({type(reason).__name__})") from None
        except HTTPError as e:
            raise RetryableError(f"connection error ({type(e).__name__})") from None
        status = resp.status
        if status in RETRY_STATUSES:
            raise RetryableError(f"HTTP {status}", _retry_after(resp.headers, body))
        if status >= 400:
            raise SourceRequestError(
                f"{self.source}: {method} {shown} -> HTTP {status}: {redact(body[:300].decode('utf-8', 'replace'))}"
            )
        expected = resp.headers.get("Content-Length")
        encoded = resp.headers.get("Content-Encoding") not in (None, "identity")
        if expected is not None and expected.isdigit() and not encoded and int(expected) != len(body):
            raise RetryableError(f"truncated body ({len(body)} of {expected} bytes)")
        try:
            data = msgspec.json.decode(body) if body else None
        except msgspec.DecodeError:
            raise RetryableError(f"body is not valid JSON ({len(body)} bytes)") from None
        if check and self.check_body is not None:
            self.check_body(data)
        return Page(status=status, headers=resp.headers, body=body, data=data, path=shown)
