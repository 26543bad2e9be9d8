"""Reddit (a script app's OAuth client credentials): submissions and comments of the configured subreddits.

    - name: reddit_lumo
      type: reddit
      base_url: https://oauth.reddit.com          # sandbox: sandbox:reddit
      credentials: {client_id: env:REDDIT_CLIENT_ID, client_secret: env:REDDIT_CLIENT_SECRET}
      options: {subreddits: [LumoTea, LumoTeaDeals]}

Quirks handled here, as Reddit really behaves:
- The token comes from `POST https://www.reddit.com/api/v1/access_token` (HTTP Basic client_id:client_secret,
  form `grant_type=client_credentials`; it lives a day), the API from `https://oauth.reddit.com` with
  `Authorization: bearer <token>`. Any other base_url (the sandbox serves both hosts under one prefix) gets its
  token from `<base_url>/api/v1/access_token`. A refused grant comes as HTTP 200 with `{"error": ...}`.
- Every request carries a descriptive User-Agent (Reddit throttles generic ones) and `raw_json=1` (without it `&`,
  `<`, `>` in text arrive HTML-escaped).
- Listings are newest first, at most 100 a page whatever `limit` asks, paged by `after=<fullname>` from
  `data.after`, which is null on the last page. Records are the listing's children as sent: `{"kind": "t3",
  "data": {...}}`, keyed by `data.name` (the fullname, `t3_...`/`t1_...`); each names its `data.subreddit`.
- Several subreddits per source: one walk per subreddit, each stopping at its first page that reaches items older
  than cursor - lookback (the cursor is `data.created_utc`, epoch seconds as a float).
- Listings end near 1,000 items: a backfill reaches only the newest ~1,000 submissions and ~1,000 comments of each
  subreddit, whatever `start_date` asks, and a subreddit getting more than ~1,000 comments between two runs loses
  the oldest of them. Older history is not reachable through this API (it needs Reddit's data export); run the
  source often enough (a walk that ends at the cap before reaching the cursor logs a warning).
- 600 requests per 10 minutes per client, reported in `x-ratelimit-used`/`-remaining` (a float string, "599.0")
  /`-reset` (seconds); over it, 429 without Retry-After: the client waits `x-ratelimit-reset` seconds.
- Deleted items stay: author and text `[deleted]` (no `author_fullname`), removed ones `[removed]`; `edited` is
  false or an epoch float; a listed comment's `replies` is "". All landed verbatim.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from ingestion.runtime.auth import TokenAuth
from ingestion.runtime.errors import SourceRequestError
from ingestion.runtime.http import HttpClient, Page
from ingestion.runtime.paginate import dig, pages
from ingestion.runtime.spec import CursorField, SourceType, Stream
from pulse.schema import Field, ListOf, Map, Str

log = logging.getLogger("pulse.ingestion.reddit")

TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
API_HOST = "oauth.reddit.com"
USER_AGENT = "python:community-pulse:v0.1 (community data warehouse connector)"
LISTING_CAP = 1000


def token_url(base_url: str) -> str:
    """Where a source with this base URL gets its token: Reddit's own host for the real API, else the base URL's
    `api/v1/access_token` (the sandbox)."""
    if urlsplit(base_url).hostname == API_HOST:
        return TOKEN_URL
    return base_url.rstrip("/") + "/api/v1/access_token"


class RedditAuth(TokenAuth):
    """Client-credentials token in `Authorization: bearer ...`, plus Reddit's required descriptive User-Agent."""

    def __init__(self, credentials: dict[str, str]):
        super().__init__(self._fetch, place="header", name="Authorization", template="bearer {token}")
        pair = f"{credentials['client_id']}:{credentials['client_secret']}".encode()
        self._basic = "Basic " + base64.b64encode(pair).decode()

    def apply(self, client, headers, params) -> None:
        super().apply(client, headers, params)
        headers["User-Agent"] = USER_AGENT

    def _fetch(self, client: HttpClient) -> tuple[str, float]:
        page = client.request(
            "POST",
            token_url(client.base_url),
            auth=False,
            check=False,
            headers={"Authorization": self._basic, "User-Agent": USER_AGENT},
            form={"grant_type": "client_credentials"},
        )
        data = page.data if isinstance(page.data, dict) else {}
        if not data.get("access_token"):
            raise SourceRequestError(
                f"{client.source}: Reddit refused the token request ({data.get('error', 'no access_token')}); "
                "check client_id/client_secret and that the app is a script app"
            )
        return str(data["access_token"]), float(data.get("expires_in") or 3600)


def each_subreddit(
    client: HttpClient, source: dict, stream: Stream, params: dict[str, Any], since: dt.datetime
) -> Iterator[tuple[Page, list[Any]]]:
    """Walk `r/<subreddit>/<stream.path>` for every configured subreddit, newest first, each until it reaches
    items older than `since`. Those older items are not passed on: the runner would otherwise stop the walk of
    every subreddit at the first one that reached them."""
    from ingestion.runner import parse_ts  # the runner imports the registry, which imports this module

    for name in source["options"]["subreddits"]:
        listing = dataclasses.replace(stream, path=f"r/{name}/{stream.path}", fetch=None)
        seen, oldest, reached = 0, None, False
        for page, records in pages(client, listing, params):
            seen += len(records)
            fresh = []
            for r in records:
                ts = parse_ts(dig(r, stream.cursor_field)) if isinstance(r, dict) else None
                if ts is not None and ts < since:
                    reached = True
                    continue
                oldest = ts if ts is not None else oldest
                fresh.append(r)
            yield page, fresh
            if reached:
                break
        if not reached and seen >= LISTING_CAP - 1 and oldest is not None and oldest > since:
            log.warning(
                "listing cap source=%s path=%s items=%d oldest=%s since=%s: items older than the oldest are "
                "beyond Reddit's ~1,000-item listing limit and cannot be fetched",
                source["name"],
                listing.path,
                seen,
                oldest.isoformat(),
                since.isoformat(),
            )


def _listing(name: str, path: str) -> Stream:
    return Stream(
        name=name,
        path=path,  # under each configured subreddit: r/<name>/<path>
        records="data.children",
        primary_key="data.name",
        paginator=CursorField(param="after", next_path="data.after"),
        params={"raw_json": 1},
        page_size_param="limit",
        page_size=100,
        max_page_size=100,
        cursor_field="data.created_utc",
        cursor_mode="stop",
        fetch=each_subreddit,
    )


STREAMS = {
    "submissions": _listing("submissions", "new"),
    "comments": _listing("comments", "comments"),
}

OPTIONS = Map(
    {
        "subreddits": Field(
            ListOf(
                Str(
                    pattern=r"[A-Za-z0-9][A-Za-z0-9_]{1,20}",
                    hint="a subreddit name like LumoTea (without r/)",
                    env_ok=False,
                ),
                min_items=1,
            ),
            required=True,
            doc="subreddits to read, e.g. [LumoTea, LumoTeaDeals]",
        ),
    }
)


def auth(credentials: dict[str, str]) -> RedditAuth:
    return RedditAuth(credentials)


SOURCE_TYPE = SourceType(
    name="reddit",
    streams=STREAMS,
    credentials=("client_id", "client_secret"),
    auth=auth,
    requests_per_second=1.0,  # 600 requests per 10 minutes per OAuth client
    options=OPTIONS,
)
