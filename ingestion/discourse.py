"""Discourse forums (admin API key): categories, users, topics, posts, every post of recently bumped topics
(`topic_posts`) and group memberships (`group_members`).

Quirks handled here, as the platform really behaves:
- `/posts.json?before=N` includes post N itself: the BeforeId paginator asks for `before=min_id-1`.
- `/latest.json` lists pinned topics first, out of date order: the "stop" cursor looks at a page's last topic.
- Admin keys get 60 requests/min; over it, 429 with Retry-After (honoured by the HTTP client).
- `topic_posts`: `/t/{id}.json` lists every post id in `post_stream.stream` but sends only the first chunk (20)
  in `post_stream.posts`; the rest are asked for by id, 20 a request (the chunk Discourse's own client asks
  for; the server sets no limit, URLs do), from `/t/{id}/posts.json?post_ids[]=..`. Topic views carry what
  `/posts.json` lacks: `reply_to_post_number` with `reply_to_user`, and `accepted_answer` where the Solved
  plugin runs. `raw` comes only with `include_raw`, which both requests send. Topics are those of
  `/latest.json` bumped since cursor - lookback (the walk stops at the first page whose last topic is older);
  each is read whole, so the batch holds every post of those topics, old ones included. The cursor is the
  newest post's `created_at` (a topic's `bumped_at` is its newest post's time). An edit does not bump a topic:
  edits to posts of quiet topics are not seen again (nor are they by `posts`). Cost: one request per topic, one
  more per 20 posts past the first 20, one per 30 topics listed: at 60/min a first run over 2,500 topics takes
  about 45 minutes; later runs only the topics bumped within the lookback. A topic deleted between the listing
  and its read fails the stream (HTTP 404, not retried); the next run no longer lists it.
- `group_members`: `/groups.json` (36 a page from `page=0`; `load_more_groups` is sent even past the end, so
  the walk stops at `total_rows_groups` or an empty page), then each group's `/groups/{name}/members.json`
  paged by `offset` += the members received, until `meta.total` (without one: a short page) or an empty page.
  `meta.limit` is not trusted (a recorded answer says `limit: 0` with 100 members), and a page that brings no new member ends the
  group, so a server that ignores `offset` cannot loop us forever. A member record says nothing of its group,
  and one user is in many groups, so each record is the platform's member plus three fields of ours:
  `{"group": {"id", "name", "automatic"}, "group_user": "<group id>:<user id>" (the primary key: unique per
  membership, where the user's `id` is not), "owner": bool, **member}`. Owners come in a separate `owners`
  list (on every page; real Discourse also ranks them first in `members`): they are sent first, marked
  `owner: true`. No cursor: every run lands the whole membership, so a removal shows as a missing row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from ingestion.runtime.auth import HeaderAuth
from ingestion.runtime.http import HttpClient, Page
from ingestion.runtime.paginate import dig, records_of
from ingestion.runtime.spec import BeforeId, PageNumber, SinglePage, SourceType, Stream

POST_IDS_PER_REQUEST = 20
GROUPS_PATH = "groups.json"


def _ts(value: Any) -> dt.datetime | None:
    from ingestion.runner import parse_ts  # the runner imports the registry, which imports this module

    return parse_ts(value)


def _bumped_since(page: Page, since: dt.datetime) -> tuple[list[dict], bool]:
    """A `/latest.json` page's topics bumped since `since`, and whether later pages may hold more (its last topic,
    pinned ones leading out of order, is not older and there is a next page)."""
    topics = dig(page.data, "topic_list.topics") or []
    fresh = [t for t in topics if (ts := _ts(t.get("bumped_at"))) is None or ts >= since]
    last = _ts(topics[-1].get("bumped_at")) if topics else None
    more = (
        bool(topics)
        and bool(dig(page.data, "topic_list.more_topics_url"))
        and (last is None or last >= since)
    )
    return fresh, more


def topic_chunks(page: Page, stream: Stream) -> tuple[list[dict], list[list[Any]]]:
    """A topic view's posts (the first chunk), and the ids of the others in request-sized chunks."""
    first = records_of(page, stream)
    have = {p.get("id") for p in first}
    rest = [i for i in dig(page.data, "post_stream.stream") or [] if i not in have]
    return first, [rest[i : i + POST_IDS_PER_REQUEST] for i in range(0, len(rest), POST_IDS_PER_REQUEST)]


def _topic_post_pages(client: HttpClient, stream: Stream, topic_id: Any) -> Iterator[tuple[Page, list[dict]]]:
    """Every post of one topic: the first chunk with the topic, then the rest by id."""
    page = client.get(f"t/{topic_id}.json", {"include_raw": "true"})
    first, chunks = topic_chunks(page, stream)
    yield page, first
    for chunk in chunks:
        more = client.get(f"t/{topic_id}/posts.json", {"post_ids[]": chunk, "include_raw": "true"})
        yield more, records_of(more, stream)


def topic_posts(
    client: HttpClient, source: dict, stream: Stream, params: dict[str, Any], since: dt.datetime
) -> Iterator[tuple[Page, list[Any]]]:
    """Walk `/latest.json` (bumped_at descending) down to `since`; read every post of each topic bumped since.
    A topic met twice (bumped during the walk, it moves up a page) is read once."""
    done: set[Any] = set()
    n = 0
    while True:
        page = client.get(stream.path, {"page": n})
        fresh, more = _bumped_since(page, since)
        yield page, []  # the listing: provenance in the batch's pages, no records
        for topic in fresh:
            if topic.get("id") is not None and topic["id"] not in done:
                done.add(topic["id"])
                yield from _topic_post_pages(client, stream, topic["id"])
        if not more:
            return
        n += 1


def _groups(client: HttpClient) -> Iterator[tuple[Page, list[dict]]]:
    """`/groups.json` pages until `total_rows_groups` groups were listed or a page is empty."""
    n, listed = 0, 0
    while True:
        page = client.get(GROUPS_PATH, {"page": n})
        groups = dig(page.data, "groups") or []
        yield page, groups
        listed += len(groups)
        total = dig(page.data, "total_rows_groups")
        if not groups or (isinstance(total, int) and listed >= total):
            return
        n += 1


def _membership(group: dict, member: dict, owner: bool) -> dict:
    """The platform's member record, told which group it belongs to (see the module docstring)."""
    ref = {"id": group.get("id"), "name": group.get("name"), "automatic": group.get("automatic")}
    return {"group": ref, "group_user": f"{group.get('id')}:{member.get('id')}", "owner": owner, **member}


def _unseen(members: list[dict], seen: set[Any]) -> list[dict]:
    """The members not in `seen`, which now holds them."""
    fresh = []
    for m in members:
        if m.get("id") not in seen:
            seen.add(m.get("id"))
            fresh.append(m)
    return fresh


class MemberWalk:
    """One group's walk through `members.json`: what to ask next, the records each answer gives, when it ends.

    `offset` advances by the members received (never by `meta.limit`). Owners (the first answer's `owners`) are
    sent first; a user is sent once per group however often listed. The walk ends on an empty page or one that
    brings no member not listed before (a server ignoring `offset`), else when `meta.total` is reached; without a
    total, on a short page."""

    def __init__(self, group: dict, limit: int):
        self.group, self.limit, self.offset, self.done = group, limit, 0, False
        self.path = f"groups/{quote(str(group['name']), safe='')}/members.json"
        self._sent: set[Any] = set()  # users sent as records
        self._listed: set[Any] = set()  # users met in `members` lists: progress

    def params(self) -> dict[str, int]:
        return {"limit": self.limit, "offset": self.offset}

    def take(self, data: Any) -> list[dict]:
        owners = _unseen(dig(data, "owners") or [], self._sent) if self.offset == 0 else []
        members = dig(data, "members") or []
        progressed = bool(_unseen(members, self._listed))
        records = [_membership(self.group, m, True) for m in owners]
        records += [_membership(self.group, m, False) for m in _unseen(members, self._sent)]
        self.offset += len(members)
        total = dig(data, "meta.total")
        if not members or not progressed:
            self.done = True
        elif isinstance(total, int) and not isinstance(total, bool):
            self.done = self.offset >= total
        else:
            self.done = len(members) < self.limit
        return records


def _member_pages(client: HttpClient, group: dict, limit: int) -> Iterator[tuple[Page, list[dict]]]:
    """One group's members, page by page, as its MemberWalk says."""
    walk = MemberWalk(group, limit)
    while not walk.done:
        page = client.get(walk.path, walk.params())
        yield page, walk.take(page.data)


def group_members(
    client: HttpClient, source: dict, stream: Stream, params: dict[str, Any], since: dt.datetime
) -> Iterator[tuple[Page, list[Any]]]:
    """Every member of every group the key may see, group by group (all of them, every run)."""
    limit = int(params.get(stream.page_size_param, stream.page_size))
    for page, groups in _groups(client):
        yield page, []  # the listing: provenance in the batch's pages, no records
        for group in groups:
            if group.get("name") and group.get("can_see_members", True) is not False:
                yield from _member_pages(client, group, limit)


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
    "topic_posts": Stream(
        name="topic_posts",
        path="latest.json",  # then /t/{id}.json and /t/{id}/posts.json for each topic bumped since the cursor
        records="post_stream.posts",
        primary_key="id",
        cursor_field="created_at",
        # No runner-level stop: a topic's posts come oldest first, so a page's last post says nothing of the
        # listing; the hook stops the /latest.json walk at cursor - lookback itself.
        cursor_mode=None,
        fetch=topic_posts,
    ),
    "group_members": Stream(
        name="group_members",
        path=GROUPS_PATH,  # then /groups/{name}/members.json for each group
        records="members",
        primary_key="group_user",
        page_size_param="limit",
        page_size=100,
        max_page_size=1000,  # more is 400 invalid_parameters
        fetch=group_members,
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
