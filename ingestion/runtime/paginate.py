"""Walk a stream's pages according to its declared paginator, and pull records out of a body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ingestion.runtime.http import HttpClient, Page
from ingestion.runtime.spec import BeforeId, LinkHeader, PageNumber, SinglePage, Stream


def dig(data: Any, dotted: str) -> Any:
    """`dig(body, "topic_list.topics")`; an empty path is the body itself; a missing key gives None."""
    if not dotted:
        return data
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def records_of(page: Page, stream: Stream) -> list[Any]:
    found = dig(page.data, stream.records)
    if found is None:
        return []
    if not isinstance(found, list):
        raise ValueError(f"{stream.name}: expected a list at {stream.records!r} in GET {page.path}")
    return found


def pages(client: HttpClient, stream: Stream, params: dict[str, Any]) -> Iterator[tuple[Page, list[Any]]]:
    """Yield (page, records) until the paginator says the stream is exhausted."""
    params = {**stream.params, **params}
    if stream.page_size_param and stream.page_size:
        params.setdefault(stream.page_size_param, stream.page_size)
    p = stream.paginator
    if isinstance(p, SinglePage):
        page = client.get(stream.path, params)
        yield page, records_of(page, stream)
    elif isinstance(p, PageNumber):
        n = p.start
        while True:
            page = client.get(stream.path, {**params, p.param: n})
            recs = records_of(page, stream)
            yield page, recs
            if not recs or (p.more_field and not dig(page.data, p.more_field)):
                return
            n += 1
    elif isinstance(p, BeforeId):
        before = None
        while True:
            page = client.get(stream.path, params if before is None else {**params, p.param: before})
            recs = records_of(page, stream)
            yield page, recs
            ids = [r[p.id_field] for r in recs if isinstance(r, dict) and isinstance(r.get(p.id_field), int)]
            if not ids or min(ids) <= 1 or (before is not None and min(ids) > before):
                return
            before = min(ids) - 1
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
