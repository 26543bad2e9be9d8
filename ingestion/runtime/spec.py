"""What a connector is: data. A `SourceType` declares auth, rate and streams; each `Stream` its path, record path,
primary key, paginator and cursor. The runner (`ingestion.runner`) interprets these; platform modules add code
only where the platform truly differs (hooks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ingestion.runtime.auth import Auth


@dataclass(frozen=True)
class LinkHeader:
    """RFC 8288 `Link: <url>; rel="next"` (Shopify's page_info cursors). Follow until no next link."""

    kind: str = "link_header"


@dataclass(frozen=True)
class PageNumber:
    """`?page=N`; stops on an empty page, when `more_field` is absent from the body, or past the total pages."""

    param: str = "page"
    start: int = 1
    more_field: str | None = None
    total_pages_header: str | None = None  # WooCommerce's X-WP-TotalPages: stop after the last page it names
    kind: str = "page_number"


@dataclass(frozen=True)
class BeforeId:
    """Newest first; the next page asks for ids <= (smallest id seen - 1), so a boundary-inclusive API
    (Discourse's `before=`) never returns the same record twice."""

    param: str = "before"
    id_field: str = "id"
    kind: str = "before_id"


@dataclass(frozen=True)
class AfterId:
    """Oldest first: the next page asks for ids after the highest id seen (Discord's guild members). Ids may be
    numeric strings (snowflakes); they are compared as integers."""

    param: str = "after"
    id_field: str = "id"
    kind: str = "after_id"


@dataclass(frozen=True)
class Offset:
    """`?offset=N&limit=M`; stops on a short or empty page."""

    param: str = "offset"
    limit_param: str = "limit"
    kind: str = "offset"


@dataclass(frozen=True)
class CursorField:
    """The body names the next page: `next_path` (Reddit `data.after`, WeCom `next_cursor`, WeChat `next_openid`).
    Stops when it is missing or empty, or (stop_when_empty) when a page has no records."""

    param: str
    next_path: str
    stop_when_empty: bool = True
    kind: str = "cursor_field"


@dataclass(frozen=True)
class DateWindows:
    """Consecutive date windows of at most `days` days, from the stream's start (cursor or start_date) to
    yesterday in `timezone` (WeChat's datacube endpoints: 7 days for user summaries, 1 for articles)."""

    begin_param: str
    end_param: str
    days: int
    fmt: str = "%Y-%m-%d"
    timezone: str = "Asia/Shanghai"
    kind: str = "date_windows"


@dataclass(frozen=True)
class SinglePage:
    kind: str = "single"


Paginator = LinkHeader | PageNumber | BeforeId | AfterId | Offset | CursorField | DateWindows | SinglePage


@dataclass(frozen=True)
class Stream:
    name: str
    path: str
    records: str
    primary_key: str
    paginator: Paginator = SinglePage()
    params: dict[str, Any] = field(default_factory=dict)
    # POST streams (WeCom, WeChat datacube, Youzan) send `body` as JSON, plus the paginator's and cursor's params.
    method: str = "GET"
    body: dict[str, Any] | None = None
    page_size_param: str | None = None
    page_size: int | None = None
    max_page_size: int | None = None
    cursor_field: str | None = None
    # How the cursor is used: "filter" sends `cursor_param=<cursor - lookback>` and the server filters;
    # "stop" walks a newest-first list and stops at the first record older than cursor - lookback;
    # "state": the fetch hook keeps its own position (see `fetch`).
    cursor_mode: str | None = None
    cursor_param: str | None = None
    # Writes the filter's value the platform's way: cursor_format(<cursor - lookback, ISO 8601 with offset>).
    cursor_format: Callable[[str], str] | None = None
    # The zone of cursor values written without an offset (Youzan's "2026-01-05 12:00:00" is Asia/Shanghai);
    # None: UTC.
    cursor_timezone: str | None = None
    # Code where the platform truly differs (per-channel loops, child streams, files): replaces the paginator.
    # fetch(client, source_config, stream, params, since) -> Iterator[(Page, records)]; client is None when the
    # source type has no base URL to call (files). With cursor_mode="state" the hook keeps its own position:
    # `since` is the stored cursor as it was saved (any JSON value, None on the first run) and the generator's
    # return value is the cursor to save (file drops: the files already read).
    fetch: Callable[..., Any] | None = None


@dataclass(frozen=True)
class SourceType:
    name: str
    streams: dict[str, Stream]
    credentials: tuple[str, ...]
    auth: Callable[[dict[str, str]], Auth]
    requests_per_second: float
    default_lookback_days: float = 3.0
    # Checks a 200 response body for in-band errors (WeChat's errcode); raises a runtime error class or returns.
    check_body: Callable[[Any], None] | None = None
    # Validates the source's `options:` (subreddits, guild id, column mappings...): a pulse.schema.Map, or None.
    options: Any = None
    # False for sources that are not HTTP APIs (file drops): no client is built.
    http: bool = True
    # Streams the source's options declare (file drops: one stream per declared file pattern), usually built from
    # templates in `streams`: options -> {name: Stream}. None: the streams are `streams` themselves.
    streams_from_options: Callable[[Any], dict[str, Stream]] | None = None
    # True where the platform meters calls per account and day (WeChat, WeCom, Youzan): the streams land one after
    # another, so a spent quota stops one stream cleanly and the others are not tried; elsewhere they land side
    # by side (ingestion.runner.ingest_source).
    daily_quota: bool = False

    def streams_for(self, options: Any) -> dict[str, Stream]:
        """The streams a source of this type with these (validated) options has."""
        if self.streams_from_options is None:
            return self.streams
        return self.streams_from_options(options or {})
