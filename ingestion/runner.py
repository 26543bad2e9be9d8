"""Run a configured source: every stream, page by page, into one landed batch per stream, then advance cursors.

The order matters for exactly-once: records are landed (batch renamed into place) before the cursor moves, so a
process killed at any point either left no batch (the run is repeated) or left a batch whose cursor may not have
moved (the next run re-fetches a little; staging keeps the latest version of each record).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fcntl
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.landing import BatchWriter, CursorStore, sweep_abandoned
from ingestion.registry import SOURCE_TYPES
from ingestion.runtime.errors import IngestionError, QuotaExhaustedError
from ingestion.runtime.http import CONNECTIONS_PER_SOURCE, HttpClient
from ingestion.runtime.paginate import getter, pages
from ingestion.runtime.spec import SourceType, Stream

log = logging.getLogger("pulse.ingestion")

STREAM_THREADS = CONNECTIONS_PER_SOURCE  # a source's streams landing at once


@dataclass
class StreamResult:
    source: str
    stream: str
    batch_id: str | None
    records: int
    pages: int
    seconds: float
    cursor: Any
    error: str | None = None


def parse_ts(value: Any, timezone: str | None = None) -> dt.datetime | None:
    """An ISO 8601 timestamp (`T` or a space between date and time); one without an offset is in `timezone`
    (default UTC), e.g. Youzan's `2026-01-05 12:00:00` in Asia/Shanghai. A number is seconds since the epoch
    (Reddit's `created_utc: 1696754768.0`)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value:
        return None
    try:
        ts = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if ts.tzinfo:
        return ts
    return ts.replace(tzinfo=ZoneInfo(timezone)) if timezone else ts.replace(tzinfo=dt.UTC)


@contextmanager
def source_lock(state_dir: Path, source: str):
    """One ingest of a source at a time (two would race on its cursors); other sources run in parallel."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / f".{source}.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IngestionError(f"{source}: another ingest of this source is running") from None
        yield


def _since(cursor: Any, start_date: dt.date, lookback: dt.timedelta) -> dt.datetime:
    start = dt.datetime.combine(start_date, dt.time(), tzinfo=dt.UTC)
    ts = parse_ts(cursor)
    return max(start, ts - lookback) if ts else start


def run_stream(
    client: HttpClient | None,
    stype: SourceType,
    stream: Stream,
    source: dict,
    landing_dir: Path,
    cursors: CursorStore,
) -> StreamResult:
    started = time.perf_counter()
    cursor_before = cursors.get(stream.name)
    lookback = source.get("lookback") or dt.timedelta(days=stype.default_lookback_days)
    since = _since(cursor_before, source["start_date"], lookback)
    params: dict[str, Any] = {}
    if stream.page_size_param and source.get("page_size"):
        params[stream.page_size_param] = min(source["page_size"], stream.max_page_size or source["page_size"])
    if stream.cursor_mode == "filter":
        value = since.isoformat()
        params[stream.cursor_param] = stream.cursor_format(value) if stream.cursor_format else value
    writer = BatchWriter(landing_dir, source["name"], stype.name, stream.name, stream.primary_key)
    state = stream.cursor_mode == "state"
    newest = None if state else parse_ts(cursor_before)
    tz = stream.cursor_timezone
    seen: set[Any] = set()
    n_pages = 0
    returned: list[Any] = []

    def walk():
        if stream.fetch is not None:
            returned.append(
                (yield from stream.fetch(client, source, stream, params, cursor_before if state else since))
            )
        else:
            yield from pages(client, stream, params)

    error = None
    try:
        try:
            pk_of = getter(stream.primary_key)
            cursor_of = getter(stream.cursor_field) if stream.cursor_field else None
            for page, records in walk():
                n_pages += 1
                fresh = []
                for r in records:
                    key = pk_of(r)
                    if key is not None:
                        if key in seen:
                            continue
                        seen.add(key)
                    fresh.append(r)
                if cursor_of is not None:
                    for value in map(cursor_of, fresh):
                        ts = parse_ts(value, tz)
                        if ts and (newest is None or ts > newest):
                            newest = ts
                writer.add_page(page.path, page.status, page.body, fresh)
                if stream.cursor_mode == "stop" and records and cursor_of is not None:
                    last = parse_ts(cursor_of(records[-1]), tz)
                    if last is not None and last < since:
                        break
        except QuotaExhaustedError as e:
            # The platform's daily quota is spent: what was landed stays landed and the stream stops cleanly. The
            # cursor does not move, unless a hook that keeps its own position (cursor_mode "state") says where
            # the next run resumes (e.cursor: a next_openid, the last date window landed).
            error = str(e)
            cursor_after = e.cursor if state and e.cursor is not None else cursor_before
            log.warning("quota source=%s stream=%s reason=%s", source["name"], stream.name, error)
        else:
            if state:
                cursor_after = returned[0] if returned and returned[0] is not None else cursor_before
            else:
                cursor_after = newest.isoformat() if newest else cursor_before
        writer.commit(cursor_before, cursor_after)
    except BaseException:
        writer.abandon()
        raise
    # Only now, with the batch durably in place, may the cursor move.
    cursors.set(stream.name, cursor_after, writer.batch_id)
    result = StreamResult(
        source["name"],
        stream.name,
        writer.batch_id,
        writer.records,
        n_pages,
        time.perf_counter() - started,
        cursor_after,
        error,
    )
    log.info(
        "landed source=%s stream=%s batch=%s records=%d pages=%d seconds=%.2f",
        result.source,
        result.stream,
        result.batch_id,
        result.records,
        result.pages,
        result.seconds,
    )
    return result


def ingest_source(
    source: dict, landing_dir: Path, state_dir: Path, streams: list[str] | None = None
) -> list[StreamResult]:
    """Land every requested stream of one source, up to `STREAM_THREADS` at once: one stream is a chain of
    requests, each waiting for the page before it, so a source's streams side by side keep both the platform
    and our core busy (L's Youzan, one stream at a time: our 376 s of CPU and the server's 368 s took turns, 745 s).
    They share the source's client, so its rate limit and token hold for all of them.

    Platforms with a daily quota per account land one stream at a time (`SourceType.daily_quota`). A failing
    stream fails the source once the streams running beside it end; streams not started by then are not started
    (a spent quota is the whole account's: they would fail too). Streams landed stay landed, with their advanced
    cursors."""
    stype = SOURCE_TYPES[source["type"]]
    wanted = streams or source["streams"]
    with source_lock(state_dir, source["name"]):
        sweep_abandoned(landing_dir, source["name"])
        client = None
        if stype.http:
            client = HttpClient(
                source["base_url"],
                stype.auth(source["credentials"]),
                timeout=source["timeout_seconds"],
                max_retries=source["max_retries"],
                requests_per_second=source.get("requests_per_second") or stype.requests_per_second,
                check_body=stype.check_body,
                source=source["name"],
            )
        cursors = CursorStore(state_dir, source["name"])
        options = source.get("options") or {}
        streams = stype.streams_for(options)
        todo = []
        for name in wanted:
            stream = streams[name]
            if "{" in stream.path and isinstance(options, dict):  # e.g. guilds/{guild_id}/members
                stream = dataclasses.replace(stream, path=stream.path.format(**options))
            todo.append(stream)
        failed = threading.Event()

        def land(stream: Stream) -> StreamResult | None:
            if failed.is_set():
                return None
            try:
                result = run_stream(client, stype, stream, source, landing_dir, cursors)
            except BaseException:
                failed.set()
                raise
            if result.error:
                failed.set()
            return result

        threads = 1 if stype.daily_quota else max(1, min(STREAM_THREADS, len(todo)))
        with ThreadPoolExecutor(max_workers=threads) as pool:  # leaving it waits for every stream
            futures = [pool.submit(land, stream) for stream in todo]
        results = []
        for future in futures:  # the first failure, in the order the streams were asked for
            result = future.result()
            if result is not None:
                results.append(result)
        return results
