"""WeChat Official Accounts (公众号): followers, their profiles, and the datacube's daily statistics.

Credentials `app_id`, `app_secret` (the token call's `appid=`/`secret=` are redacted from every recorded path).
Errors arrive as HTTP 200 with an `errcode`: see `ingestion.wechat_common` (token refresh on 40001/42001,
back-off on 45011/-1, a clean stop on 45009).

Streams:
| stream | API | primary key | position kept between runs |
|---|---|---|---|
| `followers` | `GET cgi-bin/user/get?next_openid=` | `openid` | `{"next_openid"}` of an unfinished pass |
| `user_info` | user/get pages, each looked up with `POST cgi-bin/user/info/batchget` (100 a call) | `openid` | same |
| `user_summary` | `POST datacube/getusersummary`, windows of 7 days | `_key` = `ref_date:user_source` | last end_date landed |
| `user_cumulate` | `POST datacube/getusercumulate`, windows of 7 days | `ref_date` | last end_date landed |
| `article_summary` | `POST datacube/getarticlesummary`, windows of 1 day | `_key` = `ref_date:msgid` | last end_date landed |

Quirks handled here:
- user/get answers bare strings (`data.openid: ["o...", ...]`): each is landed as `{"openid": "o..."}`.
- user/get returns `next_openid` even on its last page, which has `count` 0 and no `data`: a pass ends on a page
  without openids (or with an empty/unchanged `next_openid`), never by comparing with `total` (it moves).
- A pass over the followers is a snapshot; it starts from the first page on every run, unless the last run
  stopped on the daily quota (45009): then it resumes from the `next_openid` it was about to ask for. Followers
  who left are not in a pass; the datacube's `cancel_user` counts them per day.
- Datacube windows: at most 7 days (user summaries) or exactly 1 day (articles), up to yesterday in
  Asia/Shanghai (today, or a longer window, is errcode 61501). A run reads from the day after the last window it
  landed minus the lookback (default 3 days: figures for recent days are revised) up to yesterday; a 45009 stops
  after the last whole window and the next run goes on from there.
- Summary rows have no id of their own: `_key` (a field we add, the only change to the record as sent) joins
  `ref_date` with `user_source` or `msgid`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from ingestion.runtime.errors import QuotaExhaustedError
from ingestion.runtime.http import HttpClient, Page
from ingestion.runtime.paginate import dig, records_of
from ingestion.runtime.spec import CursorField, DateWindows, SourceType, Stream
from ingestion.wechat_common import make_check_body, token_auth

LOOKBACK_DAYS = 3.0
USER_GET = "cgi-bin/user/get"
BATCHGET_MAX = 100


def _user_get_pages(client: HttpClient, start: str | None) -> Iterator[tuple[Page, list[str], str | None]]:
    """(page, openids, the next_openid that asked for it) until the list ends. On a spent quota the error
    carries the position to resume from."""
    after = start
    while True:
        try:
            page = client.request("GET", USER_GET, {"next_openid": after} if after else None)
        except QuotaExhaustedError as e:
            e.cursor = {"next_openid": after}
            raise
        openids = [o for o in (dig(page.data, "data.openid") or []) if isinstance(o, str)]
        yield page, openids, after
        nxt = dig(page.data, "next_openid")
        if not openids or not nxt or nxt == after:
            return
        after = nxt


def _resume(cursor: Any) -> str | None:
    return cursor.get("next_openid") if isinstance(cursor, dict) else None


def fetch_followers(client, source, stream, params, cursor) -> Iterator[tuple[Page, list[dict]]]:
    for page, openids, _ in _user_get_pages(client, _resume(cursor)):
        yield page, [{"openid": o} for o in openids]
    return {"next_openid": None}  # the pass is complete: the next run starts a new one


def fetch_user_info(client, source, stream, params, cursor) -> Iterator[tuple[Page, list[dict]]]:
    for _, openids, asked_with in _user_get_pages(client, _resume(cursor)):
        for i in range(0, len(openids), BATCHGET_MAX):
            body = {"user_list": [{"openid": o, "lang": "zh_CN"} for o in openids[i : i + BATCHGET_MAX]]}
            try:
                page = client.request("POST", stream.path, None, body)
            except QuotaExhaustedError as e:
                # resume with this user/get page: some of its profiles are not landed yet
                e.cursor = {"next_openid": asked_with}
                raise
            yield page, records_of(page, stream)
    return {"next_openid": None}


def today(timezone: str) -> dt.date:
    """Today where the platform counts its days (the datacube has data up to the day before)."""
    return dt.datetime.now(ZoneInfo(timezone)).date()


def _lookback_days(source: dict) -> int:
    lookback = source.get("lookback")
    days = lookback / dt.timedelta(days=1) if isinstance(lookback, dt.timedelta) else LOOKBACK_DAYS
    return max(0, math.ceil(days))


def datacube(*key_fields: str):
    """A fetch hook walking the stream's DateWindows from the last window landed (minus the lookback) to
    yesterday; with `key_fields`, each record gets `_key` = those fields joined by ':'."""

    def fetch(client, source, stream, params, cursor) -> Iterator[tuple[Page, list[dict]]]:
        p = stream.paginator
        assert isinstance(p, DateWindows)
        yesterday = today(p.timezone) - dt.timedelta(days=1)
        last = dt.date.fromisoformat(cursor) if isinstance(cursor, str) and cursor else None
        day = source["start_date"]
        if last is not None:
            day = max(day, last + dt.timedelta(days=1 - _lookback_days(source)))
        landed = last
        while day <= yesterday:
            end = min(yesterday, day + dt.timedelta(days=p.days - 1))
            body = {
                **(stream.body or {}),
                p.begin_param: day.strftime(p.fmt),
                p.end_param: end.strftime(p.fmt),
            }
            try:
                page = client.request("POST", stream.path, None, body)
            except QuotaExhaustedError as e:
                e.cursor = landed.isoformat() if landed else cursor
                raise
            records = records_of(page, stream)
            if key_fields:
                records = [
                    {**r, "_key": ":".join(str(r.get(k)) for k in key_fields)} if isinstance(r, dict) else r
                    for r in records
                ]
            yield page, records
            landed = end if landed is None else max(landed, end)
            day = end + dt.timedelta(days=1)
        return landed.isoformat() if landed else cursor

    return fetch


def _datacube_stream(name: str, path: str, days: int, primary_key: str, *key_fields: str) -> Stream:
    return Stream(
        name=name,
        path=f"datacube/{path}",
        method="POST",
        records="list",
        primary_key=primary_key,
        paginator=DateWindows(begin_param="begin_date", end_param="end_date", days=days),
        cursor_mode="state",
        fetch=datacube(*key_fields),
    )


STREAMS = {
    "followers": Stream(
        name="followers",
        path=USER_GET,
        records="data.openid",
        primary_key="openid",
        paginator=CursorField(param="next_openid", next_path="next_openid"),
        cursor_mode="state",
        fetch=fetch_followers,
    ),
    "user_info": Stream(
        name="user_info",
        path="cgi-bin/user/info/batchget",
        method="POST",
        records="user_info_list",
        primary_key="openid",
        cursor_mode="state",
        fetch=fetch_user_info,
    ),
    "user_summary": _datacube_stream("user_summary", "getusersummary", 7, "_key", "ref_date", "user_source"),
    "user_cumulate": _datacube_stream("user_cumulate", "getusercumulate", 7, "ref_date"),
    "article_summary": _datacube_stream(
        "article_summary", "getarticlesummary", 1, "_key", "ref_date", "msgid"
    ),
}


def auth(credentials: dict[str, str]):
    return token_auth(
        "cgi-bin/token",
        lambda: {
            "grant_type": "client_credential",
            "appid": credentials["app_id"],
            "secret": credentials["app_secret"],
        },
    )


SOURCE_TYPE = SourceType(
    name="wechat_mp",
    streams=STREAMS,
    credentials=("app_id", "app_secret"),
    auth=auth,
    requests_per_second=20.0,
    default_lookback_days=LOOKBACK_DAYS,
    check_body=make_check_body(),
    daily_quota=True,
)
