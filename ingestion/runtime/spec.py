"""What a connector is: data. A `SourceType` declares auth, rate and streams; each `Stream` its path, record path,
primary key, paginator and cursor. The runner (`ingestion.runner`) interprets these; platform modules add code
only where the platform truly differs (hooks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LinkHeader:
    """RFC 8288 `Link: <url>; rel="next"` (Shopify's page_info cursors). Follow until no next link."""

    kind: str = "link_header"


@dataclass(frozen=True)
class PageNumber:
    """`?page=N`; stops on an empty page, or when `more_field` is absent from the body."""

    param: str = "page"
    start: int = 1
    more_field: str | None = None
    kind: str = "page_number"


@dataclass(frozen=True)
class BeforeId:
    """Newest first; the next page asks for ids <= (smallest id seen - 1), so a boundary-inclusive API
    (Discourse's `before=`) never returns the same record twice."""

    param: str = "before"
    id_field: str = "id"
    kind: str = "before_id"


@dataclass(frozen=True)
class SinglePage:
    kind: str = "single"


Paginator = LinkHeader | PageNumber | BeforeId | SinglePage


@dataclass(frozen=True)
class Stream:
    name: str
    path: str
    records: str
    primary_key: str
    paginator: Paginator = SinglePage()
    params: dict[str, Any] = field(default_factory=dict)
    page_size_param: str | None = None
    page_size: int | None = None
    max_page_size: int | None = None
    cursor_field: str | None = None
    # How the cursor is used: "filter" sends `cursor_param=<cursor - lookback>` and the server filters;
    # "stop" walks a newest-first list and stops at the first record older than cursor - lookback.
    cursor_mode: str | None = None
    cursor_param: str | None = None
    cursor_format: Callable[[str], str] | None = None


@dataclass(frozen=True)
class SourceType:
    name: str
    streams: dict[str, Stream]
    credentials: tuple[str, ...]
    auth_headers: Callable[[dict[str, str]], dict[str, str]]
    requests_per_second: float
    default_lookback_days: float = 3.0
    # Checks a 200 response body for in-band errors (WeChat's errcode); raises a runtime error class or returns.
    check_body: Callable[[Any], None] | None = None
