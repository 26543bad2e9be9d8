"""Walk a stream's pages according to its declared paginator, and pull records out of a body."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.runtime.http import HttpClient, Page
from ingestion.runtime.spec import (
    AfterId,
    BeforeId,
    CursorField,
    DateWindows,
    LinkHeader,
    Offset,
    PageNumber,
    SinglePage,
    Stream,
)


def dig(data: Any, dotted: str) -> Any:
    """`dig(body, "topic_list.topics")`; an empty path is the body itself; a missing key gives None."""
    if not dotted:
        return data
    for part in dotted.split("."):
        if isinstance(data, list) and part.isdigit():
            data = data[int(part)] if int(part) < len(data) else None
            continue
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def getter(dotted: str):
    """A fast `dig(record, dotted)` for the runner's per-record loop: a plain key is one dict lookup."""
    if dotted and "." not in dotted:

        def get(record: Any) -> Any:
            return record.get(dotted) if type(record) is dict else None

        return get
    return lambda record: dig(record, dotted) if isinstance(record, dict) else None


def records_of(page: Page, stream: Stream) -> list[Any]:
    found = dig(page.data, stream.records)
    if found is None:
        return []
    if not isinstance(found, list):
        raise ValueError(f"{stream.name}: expected a list at {stream.records!r} in {page.path}")
    return found


def _int_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def pages(
    client: HttpClient, stream: Stream, params: dict[str, Any], start: dt.date | None = None
) -> Iterator[tuple[Page, list[Any]]]:
    """Yield (page, records) until the paginator says the stream is exhausted. `params` (page size, the cursor's
    filter) go into the query, or into the JSON body for POST streams."""
    params = {**stream.params, **params}
    if stream.page_size_param and stream.page_size:
        params.setdefault(stream.page_size_param, stream.page_size)

    def call(extra: dict[str, Any] | None = None) -> tuple[Page, list[Any]]:
        merged = {**params, **(extra or {})}
        if stream.method == "GET":
            page = client.request("GET", stream.path, merged)
        else:
            page = client.request(stream.method, stream.path, None, {**(stream.body or {}), **merged})
        return page, records_of(page, stream)

    p = stream.paginator
    if isinstance(p, SinglePage):
        yield call()
    elif isinstance(p, PageNumber):
        n = p.start
        while True:
            page, recs = call({p.param: n})
            yield page, recs
            total = page.headers.get(p.total_pages_header) if p.total_pages_header else None
            if not recs or (p.more_field and not dig(page.data, p.more_field)):
                return
            if total is not None and str(total).isdigit() and n >= int(total):
                return
            n += 1
    elif isinstance(p, Offset):
        offset, limit = 0, params.get(p.limit_param)
        while True:
            page, recs = call({p.param: offset})
            yield page, recs
            if not recs or (limit and len(recs) < int(limit)):
                return
            offset += len(recs)
    elif isinstance(p, BeforeId):
        id_of = getter(p.id_field)
        before = None
        while True:
            page, recs = call(None if before is None else {p.param: before})
            yield page, recs
            ids = [i for i in map(_int_id, map(id_of, recs)) if i is not None]
            if not ids or min(ids) <= 1 or (before is not None and min(ids) > before):
                return
            before = min(ids) - 1
    elif isinstance(p, AfterId):
        id_of = getter(p.id_field)
        after = None
        while True:
            page, recs = call(None if after is None else {p.param: after})
            yield page, recs
            ids = [i for i in map(_int_id, map(id_of, recs)) if i is not None]
            if not ids or (after is not None and max(ids) <= after):
                return
            after = max(ids)
    elif isinstance(p, CursorField):
        cursor = None
        while True:
            page, recs = call(None if cursor is None else {p.param: cursor})
            yield page, recs
            nxt = dig(page.data, p.next_path)
            if not nxt or nxt == cursor or (p.stop_when_empty and not recs):
                return
            cursor = nxt
    elif isinstance(p, DateWindows):
        yesterday = dt.datetime.now(ZoneInfo(p.timezone)).date() - dt.timedelta(days=1)
        day = start or yesterday
        while day <= yesterday:
            end = min(yesterday, day + dt.timedelta(days=p.days - 1))
            yield call({p.begin_param: day.strftime(p.fmt), p.end_param: end.strftime(p.fmt)})
            day = end + dt.timedelta(days=1)
    elif isinstance(p, LinkHeader):
        page = client.get(stream.path, params)
        while True:
            yield page, records_of(page, stream)
            nxt = _next_link(page)
            if not nxt:
                return
            page = client.get(nxt)
    else:  # pragma: no cover - the spec types above are exhaustive
        raise TypeError(f"unknown paginator {p!r}")


def _next_link(page: Page) -> str | None:
    header = page.headers.get("Link") or page.headers.get("link")
    if not header:
        return None
    for part in header.split(","):
        section = part.split(";")
        url = section[0].strip().strip("<>")
        if any(s.strip().replace(" ", "") in ('rel="next"', "rel=next") for s in section[1:]):
            return url
    return None
