"""Discourse forums (admin API key).

Quirks handled here, as the platform really behaves:
- `/posts.json?before=N` includes post N itself: the BeforeId paginator asks for `before=min_id-1`.
- `/latest.json` lists pinned topics first, out of date order: the "stop" cursor looks at a page's last topic.
- Admin keys get 60 requests/min; over it, 429 with Retry-After (honoured by the HTTP client).
"""

from __future__ import annotations

from ingestion.runtime.auth import HeaderAuth
from ingestion.runtime.spec import BeforeId, PageNumber, SinglePage, SourceType, Stream

STREAMS = {
    "categories": Stream(
        name="categories",
        path="categories.json",
        records="category_list.categories",
        primary_key="id",
        paginator=SinglePage(),
    ),
    "users": Stream(
        name="users",
        path="admin/users/list/active.json",
        records="",
        primary_key="id",
        paginator=PageNumber(param="page", start=1),
        params={"show_emails": "true", "order": "created", "asc": "true"},
    ),
    "topics": Stream(
        name="topics",
        path="latest.json",
        records="topic_list.topics",
        primary_key="id",
        paginator=PageNumber(param="page", start=0, more_field="topic_list.more_topics_url"),
        cursor_field="bumped_at",
        cursor_mode="stop",
    ),
    "posts": Stream(
        name="posts",
        path="posts.json",
        records="latest_posts",
        primary_key="id",
        paginator=BeforeId(param="before", id_field="id"),
        cursor_field="created_at",
        cursor_mode="stop",
    ),
}


def auth(credentials: dict[str, str]) -> HeaderAuth:
    return HeaderAuth({"Api-Key": credentials["api_key"], "Api-Username": credentials["api_username"]})


SOURCE_TYPE = SourceType(
    name="discourse",
    streams=STREAMS,
    credentials=("api_key", "api_username"),
    auth=auth,
    requests_per_second=1.0,  # 60/min for admin API keys
)
