"""Discourse, as an admin API key sees it, over the World's `discourse_*` tables.

Paths (under the `/discourse` prefix): `/categories.json`, `/latest.json`, `/posts.json`,
`/t/{id}.json` (also `/t/{slug}/{id}.json`), `/t/{id}/posts.json`, `/admin/users/list/{query}.json`,
`/groups.json`, `/groups/{name}/members.json`.

Shapes follow the recorded responses in `real-api-samples/discourse/`. Behaviour worth knowing:
- `/posts.json?before=ID` returns the 50 latest public posts with `id <= ID`: the boundary post is
  repeated on the next page (as the recorded Discourse does; newer Discourse uses `id < ID`).
  Deleted posts are kept, with `deleted_at` set (the admin view).
- `/latest.json`: 30 topics a page, bumped_at desc, pinned topics first on page 0 only (Discourse's
  `prioritize_pinned_topics`: page N>=1 starts at offset N*30 - pinned); `more_topics_url` only when a
  next page exists. `order=created|activity|views|posts|likes` and `ascending=true` are honoured.
- `/admin/users/list/active.json`: 100 a page; `page` counts from 1 but 0 is clamped to 1, so page 0
  and page 1 are the same page (Discourse's `params[:page].to_i - 1`). Emails only with
  `show_emails=true`. `order` in created|seen|username|email|trust_level; `asc` (or `ascending`) set to
  anything non-empty means ascending.
- `/t/{id}.json`: `post_stream.stream` lists every post id (deleted ones too: the admin view), `posts` only
  the first 20; `/t/{id}/posts.json?post_ids[]=..` returns the asked posts of that topic (any number, in
  post_number order; ids of other topics are ignored). Both send each post's `raw` only with `include_raw`
  present (any value, as Ruby's `!!params[:include_raw]`).
- Groups are Discourse's automatic ones, derived from the users table as `Group.refresh_automatic_group!` does:
  `admins` (id 1), `moderators` (2), `staff` (3: either), `trust_level_0`..`trust_level_4` (10..14: trust level
  >= N, so the levels nest), plus one custom group, `community_team` (staff and trust level 4, the admins its
  owners). Members are "human users" only: ids <= 0 (system, discobot) never appear and are not counted.
- `/groups.json`: the admin's view (automatic groups included, `everyone` never), by name, 36 a page (`page`
  from 0); `total_rows_groups`, and `load_more_groups` on every page, even past the end.
- `/groups/{name}/members.json`: `limit` (default 50; < 0 or > 1000 is 400 `invalid_parameters`) and `offset`;
  `members` has the group's owners first, then username descending (`asc` present: ascending); `owners`
  (every owner, on every page) and `meta: {total, limit, offset}` as asked. Unknown group: 404.
- Auth: `Api-Key` and `Api-Username` headers; anything else is 403 `invalid_access`.
- 60 requests per minute per key (the window shrinks by `rate_scale`); over it 429 with
  `Retry-After` (whole seconds) and the `rate_limit` error JSON.
"""

from __future__ import annotations

import html
import math
import re
import threading
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import unquote, urlencode

import numpy as np
import pandas as pd

from pulse.sandbox.platforms import (
    Fragments,
    PlatformSpec,
    Request,
    Response,
    as_bool,
    dumps,
    epoch_ms,
    html_error,
    iso_z,
    json_response,
    opt_int,
    opt_str,
    table,
)
from pulse.sandbox.ratelimit import SlidingWindowLimiter

USERS = (
    "user_id",
    "username",
    "name",
    "email",
    "created_at",
    "last_seen_at",
    "admin",
    "moderator",
    "trust_level",
    "active",
    "is_bot",
)
CATEGORIES = ("category_id", "name", "slug", "description")
TOPICS = (
    "topic_id",
    "title",
    "slug",
    "category_id",
    "user_id",
    "created_at",
    "bumped_at",
    "last_posted_at",
    "posts_count",
    "pinned",
    "closed",
    "archetype",
    "accepted_answer_post_id",
    "has_accepted_answer",
    "views",
    "like_count",
)
POSTS = (
    "post_id",
    "topic_id",
    "post_number",
    "user_id",
    "created_at",
    "updated_at",
    "raw",
    "reply_to_post_number",
    "like_count",
    "deleted_at",
    "version",
)

TOPICS_PER_PAGE = 30
POSTS_PER_PAGE = 50
USERS_PER_PAGE = 100
TOPIC_CHUNK = 20
RATE_LIMIT_PER_MINUTE = 60
GROUPS_PER_PAGE = 36  # desktop; mobile user agents get 15
MEMBERS_LIMIT_DEFAULT = 50
MEMBERS_LIMIT_MAX = 1000
# Discourse's Group::AUTO_GROUPS (less `everyone`, id 0, which has no members table and is never listed).
AUTO_GROUPS = {
    "admins": 1,
    "moderators": 2,
    "staff": 3,
    **{f"trust_level_{n}": 10 + n for n in range(5)},
}
CUSTOM_GROUP = ("community_team", 41)

FORBIDDEN = {
    "errors": ["You are not permitted to view the requested resource."],
    "error_type": "invalid_access",
}
NOT_FOUND = {"errors": ["The requested URL or resource could not be found."], "error_type": "not_found"}
COLORS = ("0088CC", "BF1E2E", "F1592A", "12A89D", "25AAE2", "3AB54A", "652D90", "ED207B", "8C6238")

_TOPIC_PATH = re.compile(r"^/t/(?:[^/]+/)?(\d+)(?:/\d+)?\.json$")
_TOPIC_POSTS_PATH = re.compile(r"^/t/(\d+)/posts\.json$")
_USER_LIST_PATH = re.compile(r"^/admin/users/list/([a-z_]+)\.json$")
_GROUP_MEMBERS_PATH = re.compile(r"^/groups/([^/]+)/members\.json$")


def ruby_to_i(text: str | None) -> int:
    """Ruby's String#to_i: leading integer, else 0 (`"2abc"` -> 2, `"x"` -> 0)."""
    m = re.match(r"\s*([+-]?\d+)", text or "")
    return int(m.group(1)) if m else 0


def cook(raw: str | None) -> str:
    """A plain rendering of Markdown-ish `raw`: paragraphs in <p>, line breaks as <br>, HTML escaped."""
    if not raw:
        return ""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", raw) if p.strip()]
    return "\n".join("<p>" + html.escape(p, quote=False).replace("\n", "<br>\n") + "</p>" for p in paragraphs)


def age_words(seconds: float | None) -> str | None:
    """Discourse's short ages as in the admin user list: `< 1m`, `22m`, `5h`, `3d`, `4mon`, `2y`."""
    if seconds is None:
        return None
    minutes = seconds / 60
    if minutes < 1:
        return "< 1m"
    if minutes < 60:
        return f"{int(minutes)}m"
    if minutes < 60 * 24:
        return f"{int(minutes // 60)}h"
    days = minutes / (60 * 24)
    if days < 30:
        return f"{int(days)}d"
    if days < 365:
        return f"{int(days // 30)}mon"
    return f"{int(days // 365)}y"


def _include_raw(request: Request) -> bool:
    """Ruby's `!!params[:include_raw]`: present with any value (even "false") means yes."""
    return "include_raw" in request.query


class _Group(NamedTuple):
    """A group and its `group_users`: member rows of the users table (by row, not id), and which of them own it."""

    id: int
    name: str
    automatic: bool
    rows: np.ndarray
    owners: frozenset[int]


class DiscoursePlatform:
    name = "discourse"

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        api_key: str,
        api_username: str,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
    ):
        self.api_key = api_key
        self.api_username = api_username
        self.limiter = SlidingWindowLimiter(RATE_LIMIT_PER_MINUTE, 60.0 / rate_scale) if rate_limits else None
        self._lock = threading.Lock()
        self._load_users(table(tables, "discourse_users", USERS))
        self._load_categories(table(tables, "discourse_categories", CATEGORIES))
        self._load_topics(table(tables, "discourse_topics", TOPICS))
        self._load_posts(table(tables, "discourse_posts", POSTS))
        self._derive()
        self._derive_groups()
        self._latest_orders: dict[tuple[str, bool], tuple[np.ndarray, int]] = {}
        self._user_orders: dict[tuple[str, str, bool], np.ndarray] = {}
        self._member_orders: dict[tuple[int, bool], np.ndarray] = {}

    # ------------------------------------------------------------------ loading
    def _load_users(self, u: pd.DataFrame) -> None:
        self.u_id = opt_int(u["user_id"])
        self.u_username = opt_str(u["username"])
        self.u_name = opt_str(u["name"])
        self.u_email = opt_str(u["email"])
        self.u_created = iso_z(u["created_at"])
        self.u_seen = iso_z(u["last_seen_at"])
        self.u_created_ms = epoch_ms(u["created_at"])
        self.u_seen_ms = epoch_ms(u["last_seen_at"])
        self.u_admin = as_bool(u["admin"])
        self.u_moderator = as_bool(u["moderator"])
        self.u_trust = [0 if v is None else v for v in opt_int(u["trust_level"])]
        self.u_active = as_bool(u["active"])
        self.u_row = {uid: i for i, uid in enumerate(self.u_id)}

    def _load_categories(self, c: pd.DataFrame) -> None:
        self.c_id = opt_int(c["category_id"])
        self.c_name = opt_str(c["name"])
        self.c_slug = opt_str(c["slug"])
        self.c_description = opt_str(c["description"])

    def _load_topics(self, t: pd.DataFrame) -> None:
        self.t_id = opt_int(t["topic_id"])
        self.t_title = opt_str(t["title"])
        self.t_slug = opt_str(t["slug"])
        self.t_category = opt_int(t["category_id"])
        self.t_user = opt_int(t["user_id"])
        self.t_created = iso_z(t["created_at"])
        self.t_bumped = iso_z(t["bumped_at"])
        self.t_last_posted = iso_z(t["last_posted_at"])
        self.t_posts_count = [0 if v is None else v for v in opt_int(t["posts_count"])]
        self.t_pinned = as_bool(t["pinned"])
        self.t_closed = as_bool(t["closed"])
        self.t_archetype = [v or "regular" for v in opt_str(t["archetype"])]
        self.t_accepted = opt_int(t["accepted_answer_post_id"])
        self.t_has_accepted = as_bool(t["has_accepted_answer"])
        self.t_views = [0 if v is None else v for v in opt_int(t["views"])]
        self.t_likes = [0 if v is None else v for v in opt_int(t["like_count"])]
        self.t_row = {tid: i for i, tid in enumerate(self.t_id)}
        self.t_sort = {
            "activity": epoch_ms(t["bumped_at"]),
            "created": epoch_ms(t["created_at"]),
            "views": np.asarray(self.t_views, dtype=np.int64),
            "posts": np.asarray(self.t_posts_count, dtype=np.int64),
            "likes": np.asarray(self.t_likes, dtype=np.int64),
        }

    def _load_posts(self, p: pd.DataFrame) -> None:
        self.p_id = opt_int(p["post_id"])
        self.p_topic = opt_int(p["topic_id"])
        self.p_number = [0 if v is None else v for v in opt_int(p["post_number"])]
        self.p_user = opt_int(p["user_id"])
        self.p_created = iso_z(p["created_at"])
        self.p_updated = iso_z(p["updated_at"])
        self.p_raw = [v or "" for v in opt_str(p["raw"])]
        self.p_reply_to = opt_int(p["reply_to_post_number"])
        self.p_likes = [0 if v is None else v for v in opt_int(p["like_count"])]
        self.p_deleted = iso_z(p["deleted_at"])
        self.p_version = [1 if v is None else v for v in opt_int(p["version"])]
        self.p_row = {pid: i for i, pid in enumerate(self.p_id)}

    def _derive(self) -> None:
        n_posts = len(self.p_id)
        ids = np.asarray(self.p_id, dtype=np.int64) if n_posts else np.zeros(0, dtype=np.int64)
        self.max_post_id = int(ids.max()) if n_posts else 0
        # /posts.json: posts of regular (public) topics, by id.
        public = np.array(
            [
                (r := self.t_row.get(tid)) is not None and self.t_archetype[r] != "private_message"
                for tid in self.p_topic
            ],
            dtype=bool,
        )
        rows = np.nonzero(public)[0]
        order = np.argsort(ids[rows], kind="stable")
        self.public_rows = rows[order]
        self.public_ids = ids[self.public_rows]

        # Posts of each topic by post_number.
        topics = np.asarray([-1 if v is None else v for v in self.p_topic], dtype=np.int64)
        numbers = np.asarray(self.p_number, dtype=np.int64)
        self.topic_order = np.lexsort((numbers, topics)) if n_posts else np.zeros(0, dtype=np.int64)
        sorted_topics = topics[self.topic_order]
        uniq, starts = np.unique(sorted_topics, return_index=True)
        ends = np.append(starts[1:], len(sorted_topics)) if len(starts) else starts
        self.topic_span = {int(t): (int(s), int(e)) for t, s, e in zip(uniq, starts, ends, strict=True)}

        # Replies to each post, last poster of each topic, counts per user and category.
        reply_counts: dict[tuple[int, int], int] = {}
        for tid, to in zip(self.p_topic, self.p_reply_to, strict=True):
            if to is not None:
                reply_counts[(tid, to)] = reply_counts.get((tid, to), 0) + 1
        self.p_reply_count = [
            reply_counts.get((t, n), 0) for t, n in zip(self.p_topic, self.p_number, strict=True)
        ]
        self.t_last_poster: dict[int, int | None] = {}
        self.t_highest: dict[int, int] = {}
        for tid, (s, e) in self.topic_span.items():
            rows_t = self.topic_order[s:e]
            alive = [int(r) for r in rows_t if self.p_deleted[int(r)] is None]
            self.t_last_poster[tid] = self.p_user[alive[-1]] if alive else None
            self.t_highest[tid] = self.p_number[int(rows_t[-1])]
        self.accepted_posts = {pid for pid in self.t_accepted if pid is not None}

        self.user_posts: dict[int, int] = {}
        self.user_topics: dict[int, set[int]] = {}
        for uid, tid, deleted in zip(self.p_user, self.p_topic, self.p_deleted, strict=True):
            if deleted is None and uid is not None:
                self.user_posts[uid] = self.user_posts.get(uid, 0) + 1
                self.user_topics.setdefault(uid, set()).add(tid)
        self.cat_topics: dict[int, int] = {}
        self.cat_posts: dict[int, int] = {}
        for cid, count in zip(self.t_category, self.t_posts_count, strict=True):
            self.cat_topics[cid] = self.cat_topics.get(cid, 0) + 1
            self.cat_posts[cid] = self.cat_posts.get(cid, 0) + count

        # Topics listed by /latest.json (not private messages).
        self.listed = np.array(
            [i for i, a in enumerate(self.t_archetype) if a != "private_message"], dtype=np.int64
        )
        stamps = [m for m in (self.u_seen_ms.tolist() + self.u_created_ms.tolist()) if m > -(2**62)]
        self.now_ms = max(stamps) if stamps else 0

        self.latest_cache = Fragments(n_posts, lambda i: dumps(self._post(i, topic_view=False)))
        # Topic views send `raw` only with `include_raw`: one cache for each answer.
        self.topic_post_cache = {
            raw: Fragments(n_posts, lambda i, raw=raw: dumps(self._post(i, topic_view=True, raw=raw)))
            for raw in (False, True)
        }
        self.topic_item_cache = Fragments(len(self.t_id), lambda i: dumps(self._topic_item(i)))
        self.user_cache = {
            show: Fragments(len(self.u_id), lambda i, show=show: dumps(self._admin_user(i, show)))
            for show in (False, True)
        }

    def _derive_groups(self) -> None:
        """Each group's member rows (human users: id > 0) and owner rows, as Discourse keeps `group_users`."""
        humans = np.asarray(
            [r for r, uid in enumerate(self.u_id) if uid is not None and uid > 0], dtype=np.int64
        )
        admin = np.asarray([self.u_admin[r] for r in humans], dtype=bool)
        moderator = np.asarray([self.u_moderator[r] for r in humans], dtype=bool)
        trust = np.asarray([self.u_trust[r] for r in humans], dtype=np.int64)
        wanted = {
            "admins": admin,
            "moderators": moderator,
            "staff": admin | moderator,
            **{f"trust_level_{n}": trust >= n for n in range(5)},
        }
        groups = [
            _Group(AUTO_GROUPS[name], name, True, humans[mask], frozenset()) for name, mask in wanted.items()
        ]
        team = humans[admin | moderator | (trust >= 4)]
        owners = frozenset(int(r) for r in humans[admin])
        groups.append(_Group(CUSTOM_GROUP[1], CUSTOM_GROUP[0], False, team, owners))
        groups.sort(key=lambda g: g.name)  # Group.visible_groups: by name
        self.groups = groups
        self.group_by_name = {g.name: g for g in groups}
        # last_posted_at of each user (their newest post that is not deleted)
        self.u_last_posted: dict[int, str] = {}
        for uid, created, deleted in zip(self.p_user, self.p_created, self.p_deleted, strict=True):
            if uid is not None and deleted is None and created is not None:
                if created > self.u_last_posted.get(uid, ""):
                    self.u_last_posted[uid] = created
        self.member_cache = Fragments(len(self.u_id), lambda i: dumps(self._member(i)))

    # ------------------------------------------------------------------ serializers
    def _avatar(self, username: str | None) -> str:
        name = (username or "x").lower()
        color = COLORS[sum(map(ord, name)) % len(COLORS)]
        return f"/letter_avatar_proxy/v4/letter/{name[0]}/{color.lower()}/{{size}}.png"

    def _user_ref(self, uid: int | None) -> dict:
        r = self.u_row.get(uid)
        if r is None:
            return {"id": uid, "username": None, "name": None, "avatar_template": self._avatar(None)}
        return {
            "id": uid,
            "username": self.u_username[r],
            "name": self.u_name[r],
            "avatar_template": self._avatar(self.u_username[r]),
        }

    def _post(self, i: int, topic_view: bool, raw: bool = True) -> dict:
        """One post as `/posts.json` (topic_view False) or a topic view sends it; `raw` only when asked for."""
        uid = self.p_user[i]
        ur = self.u_row.get(uid)
        username = self.u_username[ur] if ur is not None else None
        name = self.u_name[ur] if ur is not None else None
        admin = self.u_admin[ur] if ur is not None else False
        moderator = self.u_moderator[ur] if ur is not None else False
        tid = self.p_topic[i]
        tr = self.t_row.get(tid)
        likes = self.p_likes[i]
        post = {
            "id": self.p_id[i],
            "name": name,
            "username": username,
            "avatar_template": self._avatar(username),
            "created_at": self.p_created[i],
            "cooked": cook(self.p_raw[i]),
            "post_number": self.p_number[i],
            "post_type": 1,
            "updated_at": self.p_updated[i],
            "reply_count": self.p_reply_count[i],
            "reply_to_post_number": self.p_reply_to[i],
            "quote_count": 0,
            "incoming_link_count": 0,
            "reads": 1,
            "readers_count": 0,
            "avg_time": None,
            "score": round(0.2 + 5 * likes + 0.2 * self.p_reply_count[i], 2),
            "yours": False,
            "topic_id": tid,
            "topic_slug": self.t_slug[tr] if tr is not None else None,
        }
        if not topic_view:
            post["topic_title"] = self.t_title[tr] if tr is not None else None
            post["topic_html_title"] = html.escape(post["topic_title"] or "", quote=False)
            post["category_id"] = self.t_category[tr] if tr is not None else None
        post.update(
            {
                "display_username": name,
                "primary_group_name": None,
                "primary_group_flair_url": None,
                "primary_group_flair_bg_color": None,
                "primary_group_flair_color": None,
                "flair_name": None,
                "flair_url": None,
                "flair_bg_color": None,
                "flair_color": None,
                "version": self.p_version[i],
                "can_edit": True,
                "can_delete": True,
                "can_recover": self.p_deleted[i] is not None,
                "can_wiki": True,
                "read": True,
                "user_title": None,
                **({"raw": self.p_raw[i]} if raw else {}),
                "actions_summary": [{"id": 2, "count": likes, "can_act": True}] if likes else [],
                "moderator": moderator,
                "admin": admin,
                "staff": admin or moderator,
                "user_id": uid,
                "hidden": False,
                "hidden_reason_id": None,
                "trust_level": self.u_trust[ur] if ur is not None else 0,
                "deleted_at": self.p_deleted[i],
                "user_deleted": False,
                "edit_reason": None,
                "can_view_edit_history": True,
                "wiki": False,
            }
        )
        if topic_view:
            post["link_counts"] = []
            post["reviewable_id"] = 0
            post["reviewable_score_count"] = 0
            post["reviewable_score_pending_count"] = 0
            post["user_created_at"] = self.u_created[ur] if ur is not None else None
            post["user_date_of_birth"] = None
            post["can_accept_answer"] = False
            post["can_unaccept_answer"] = False
            post["accepted_answer"] = self.p_id[i] in self.accepted_posts
        return post

    def _topic_item(self, r: int) -> dict:
        tid = self.t_id[r]
        op = self.t_user[r]
        last = self.t_last_poster.get(tid, op)
        posters = [
            {
                "extras": "latest single" if last == op else None,
                "description": "Original Poster, Most Recent Poster" if last == op else "Original Poster",
                "user_id": op,
                "primary_group_id": None,
                "flair_group_id": None,
            }
        ]
        if last is not None and last != op:
            posters.append(
                {
                    "extras": "latest",
                    "description": "Most Recent Poster",
                    "user_id": last,
                    "primary_group_id": None,
                    "flair_group_id": None,
                }
            )
        last_row = self.u_row.get(last)
        item = {
            "id": tid,
            "title": self.t_title[r],
            "fancy_title": html.escape(self.t_title[r] or "", quote=False),
            "slug": self.t_slug[r],
            "posts_count": self.t_posts_count[r],
            "reply_count": max(self.t_posts_count[r] - 1, 0),
            "highest_post_number": self.t_highest.get(tid, self.t_posts_count[r]),
            "image_url": None,
            "created_at": self.t_created[r],
            "last_posted_at": self.t_last_posted[r],
            "bumped": True,
            "bumped_at": self.t_bumped[r],
            "archetype": self.t_archetype[r],
            "unseen": False,
            "pinned": self.t_pinned[r],
            "unpinned": None,
            "visible": True,
            "closed": self.t_closed[r],
            "archived": False,
            "bookmarked": None,
            "liked": None,
            "tags": [],
            "tags_descriptions": {},
            "views": self.t_views[r],
            "like_count": self.t_likes[r],
            "has_summary": False,
            "has_best_of": False,
            "last_poster_username": self.u_username[last_row] if last_row is not None else None,
            "category_id": self.t_category[r],
            "pinned_globally": self.t_pinned[r],
            "featured_link": None,
            "has_accepted_answer": self.t_has_accepted[r],
            "can_have_answer": True,
            "posters": posters,
        }
        if self.t_pinned[r]:  # Discourse sends an excerpt of the first post for pinned topics
            span = self.topic_span.get(tid)
            if span is not None:
                first = self.p_raw[int(self.topic_order[span[0]])]
                item["excerpt"] = html.escape(first[:200], quote=False) + (
                    "&hellip;" if len(first) > 200 else ""
                )
        return item

    def _group_item(self, group: _Group) -> dict:
        """BasicGroupSerializer as an admin sees it (`display_name` only for automatic groups)."""
        gid, name, automatic, rows, _owners = group
        item = {"id": gid, "automatic": automatic, "name": name}
        if automatic:
            item["display_name"] = name
        item.update(
            {
                "user_count": len(rows),
                "mentionable_level": 0,
                "messageable_level": 99 if name == "moderators" else 0,
                "visibility_level": 1 if automatic else 0,
                "primary_group": False,
                "title": None,
                "grant_trust_level": None,
                "incoming_email": None,
                "has_messages": False,
                "flair_url": None,
                "flair_bg_color": None,
                "flair_color": None,
                "bio_raw": None,
                "bio_cooked": None,
                "bio_excerpt": None,
                "public_admission": False,
                "public_exit": False,
                "allow_membership_requests": False,
                "full_name": None if automatic else "Community team",
                "default_notification_level": 2 if name == "moderators" else 3,
                "membership_request_template": None,
                "members_visibility_level": 0,
                "can_see_members": True,
                "publish_read_state": False,
                "automatic_membership_email_domains": None,
            }
        )
        return item

    def _member(self, r: int) -> dict:
        """GroupUserSerializer: the user, when they were added (here: when they joined) and when last active."""
        uid = self.u_id[r]
        return {
            "id": uid,
            "username": self.u_username[r],
            "name": self.u_name[r],
            "avatar_template": self._avatar(self.u_username[r]),
            "title": None,
            "last_posted_at": self.u_last_posted.get(uid),
            "last_seen_at": self.u_seen[r],
            "added_at": self.u_created[r],
            "timezone": None,
            "primary_group_name": None,
            "primary_group_flair_url": None,
            "primary_group_flair_bg_color": None,
            "primary_group_flair_color": None,
        }

    def _admin_user(self, r: int, show_emails: bool) -> dict:
        seen_ms = int(self.u_seen_ms[r])
        created_ms = int(self.u_created_ms[r])
        seen_age = (self.now_ms - seen_ms) / 1000 if self.u_seen[r] is not None else None
        created_age = (self.now_ms - created_ms) / 1000 if self.u_created[r] is not None else None
        uid = self.u_id[r]
        user = {
            "id": uid,
            "username": self.u_username[r],
            "name": self.u_name[r],
            "uploaded_avatar_id": None,
            "avatar_template": self._avatar(self.u_username[r]),
        }
        if show_emails:
            user["email"] = self.u_email[r]
            user["secondary_emails"] = []
        user.update(
            {
                "active": self.u_active[r],
                "admin": self.u_admin[r],
                "moderator": self.u_moderator[r],
                "last_seen_at": self.u_seen[r],
                "last_emailed_at": None,
                "created_at": self.u_created[r],
                "last_seen_age": age_words(seen_age),
                "last_emailed_age": None,
                "created_at_age": age_words(created_age),
                "username_lower": (self.u_username[r] or "").lower(),
                "trust_level": self.u_trust[r],
                "trust_level_locked": False,
                "manual_locked_trust_level": None,
                "flag_level": 0,
                "title": None,
                "time_read": "< 1m",
                "staged": False,
                "suspended_at": None,
                "suspended_till": None,
                "suspended": None,
                "blocked": False,
                "silenced_till": None,
                "days_visited": len(self.user_topics.get(uid, ())),
                "posts_read_count": self.user_posts.get(uid, 0),
                "topics_entered": len(self.user_topics.get(uid, ())),
                "post_count": self.user_posts.get(uid, 0),
            }
        )
        return user

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: Request) -> Response:
        if request.headers.get("Api-Key") != self.api_key or (
            (request.headers.get("Api-Username") or "").lower() != self.api_username.lower()
        ):
            return json_response(403, FORBIDDEN)
        if request.method != "GET":
            return json_response(404, NOT_FOUND)
        if self.limiter is not None:
            wait = self.limiter.hit(self.api_key)
            if wait > 0:
                return self.rate_limited(max(1, math.ceil(wait)), error_code=True)
        path = request.path
        if path == "/categories.json":
            return self.categories(request)
        if path in ("/latest.json", "/latest"):
            return self.latest(request)
        if path == "/posts.json":
            return self.posts(request)
        if m := _TOPIC_POSTS_PATH.match(path):
            return self.topic_posts(int(m.group(1)), request)
        if m := _TOPIC_PATH.match(path):
            return self.topic(int(m.group(1)), request)
        if m := _USER_LIST_PATH.match(path):
            return self.user_list(m.group(1), request)
        if path in ("/groups.json", "/groups"):
            return self.group_list(request)
        if m := _GROUP_MEMBERS_PATH.match(path):
            return self.group_members(unquote(m.group(1)), request)
        return json_response(404, NOT_FOUND)

    def rate_limited(self, wait: float, error_code: bool = False) -> Response:
        seconds = f"{wait:g}"
        unit = "second" if wait == 1 else "seconds"
        body = {
            "errors": [
                f"You’ve performed this action too many times. Please wait {seconds} {unit} before trying again."
            ],
            "error_type": "rate_limit",
            "extras": {"wait_seconds": wait},
        }
        headers = [("Retry-After", seconds)]
        if error_code:
            headers.append(("Discourse-Rate-Limit-Error-Code", "admin_api_key_rate_limit"))
        return json_response(429, body, headers)

    def fault_response(self, status: int, retry_after: float) -> Response:
        if status == 429:
            return self.rate_limited(retry_after)
        return html_error(status)

    def reset(self) -> None:
        if self.limiter is not None:
            self.limiter.reset()

    def warm(self) -> None:
        """Encode every post, topic and user now rather than on first request. Of the topic views, only the
        `include_raw` one (what connectors ask for); the other is encoded as asked."""
        for cache in (
            self.latest_cache,
            self.topic_post_cache[True],
            self.topic_item_cache,
            *self.user_cache.values(),
            self.member_cache,
        ):
            cache.warm()

    # ------------------------------------------------------------------ endpoints
    def categories(self, request: Request) -> Response:
        cats = []
        for r, cid in enumerate(self.c_id):
            description = self.c_description[r]
            cats.append(
                {
                    "id": cid,
                    "name": self.c_name[r],
                    "color": COLORS[r % len(COLORS)],
                    "text_color": "FFFFFF",
                    "slug": self.c_slug[r],
                    "topic_count": self.cat_topics.get(cid, 0),
                    "post_count": self.cat_posts.get(cid, 0),
                    "position": r,
                    "description": description,
                    "description_text": description,
                    "description_excerpt": description,
                    "topic_url": f"{request.prefix}/t/about-the-{self.c_slug[r]}-category/{cid}",
                    "read_restricted": False,
                    "permission": 1,
                    "notification_level": 1,
                    "can_edit": True,
                    "topic_template": None,
                    "has_children": False,
                    "sort_order": None,
                    "sort_ascending": None,
                    "show_subcategory_list": False,
                    "num_featured_topics": 3,
                    "default_view": None,
                    "subcategory_ids": [],
                    "topics_day": 0,
                    "topics_week": 0,
                    "topics_month": 0,
                    "topics_year": 0,
                    "topics_all_time": self.cat_topics.get(cid, 0),
                    "uploaded_logo": None,
                    "uploaded_background": None,
                    "hotness": 5,
                    "featured_user_ids": [],
                    "topics": [],
                }
            )
        body = {
            "category_list": {
                "can_create_category": True,
                "can_create_topic": True,
                "categories": cats,
            }
        }
        return json_response(200, body)

    def _latest_order(self, order: str, ascending: bool) -> tuple[np.ndarray, int]:
        """Listed topics in list order, and how many pinned ones lead (only for `activity`)."""
        key = (order, ascending)
        with self._lock:
            cached = self._latest_orders.get(key)
        if cached is not None:
            return cached
        listed = self.listed
        values = self.t_sort[order][listed]
        ids = np.asarray([self.t_id[i] for i in listed], dtype=np.int64)
        ranked = listed[np.lexsort((ids, values))]
        if not ascending:
            ranked = ranked[::-1]
        n_pinned = 0
        if order == "activity":
            pinned = np.asarray([self.t_pinned[i] for i in ranked], dtype=bool)
            ranked = np.concatenate([ranked[pinned], ranked[~pinned]])
            n_pinned = int(pinned.sum())
        with self._lock:
            self._latest_orders[key] = (ranked, n_pinned)
        return ranked, n_pinned

    def latest(self, request: Request) -> Response:
        order = (request.arg("order") or "activity").lower()
        if order in ("default", "bumped") or order not in self.t_sort:
            order = "activity"
        ascending = (request.arg("ascending") or "").lower() == "true"
        page = max(0, ruby_to_i(request.arg("page")))
        ranked, n_pinned = self._latest_order(order, ascending)
        per = TOPICS_PER_PAGE
        if n_pinned:
            # Discourse's prioritize_pinned_topics: pinned on top of page 0 only.
            unpinned = ranked[n_pinned:]
            if page == 0:
                rows = ranked[:per]
            else:
                rows = unpinned[max(page * per - n_pinned, 0) :][:per]
            next_start = max((page + 1) * per - n_pinned, 0)
            has_more = next_start < len(unpinned)
        else:
            rows = ranked[page * per : (page + 1) * per]
            has_more = (page + 1) * per < len(ranked)

        user_ids: list[int] = []
        for r in rows:
            tid = self.t_id[int(r)]
            for uid in (self.t_user[int(r)], self.t_last_poster.get(tid)):
                if uid is not None and uid not in user_ids:
                    user_ids.append(uid)
        users = []
        for uid in user_ids:
            ref = self._user_ref(uid)
            ur = self.u_row.get(uid)
            if ur is not None:
                ref.update(
                    trust_level=self.u_trust[ur], admin=self.u_admin[ur], moderator=self.u_moderator[ur]
                )
            users.append(ref)
        topic_list = {
            "can_create_topic": True,
            "draft": None,
            "draft_key": "new_topic",
            "draft_sequence": 0,
            "per_page": per,
        }
        if has_more:
            params = {k: v[0] for k, v in request.query.items() if k in ("order", "ascending") and v}
            params["page"] = str(page + 1)
            topic_list["more_topics_url"] = f"{request.prefix}/latest.json?{urlencode(params)}"
        head = dumps({"users": users, "primary_groups": [], "flair_groups": [], "topic_list": topic_list})
        body = head[:-2] + b',"topics":[' + self.topic_item_cache.join(rows) + b"]}}"
        return Response(200, body)

    def posts(self, request: Request) -> Response:
        before = ruby_to_i(request.arg("before"))
        if before <= 0:
            before = self.max_post_id
        end = int(np.searchsorted(self.public_ids, before, side="right"))
        rows = self.public_rows[max(0, end - POSTS_PER_PAGE) : end][::-1]
        body = b'{"latest_posts":[' + self.latest_cache.join(rows) + b"]}"
        return Response(200, body)

    def _topic_rows(self, topic_id: int) -> np.ndarray:
        span = self.topic_span.get(topic_id)
        if span is None:
            return np.zeros(0, dtype=np.int64)
        return self.topic_order[span[0] : span[1]]

    def topic(self, topic_id: int, request: Request) -> Response:
        r = self.t_row.get(topic_id)
        if r is None:
            return json_response(404, NOT_FOUND)
        rows = self._topic_rows(topic_id)
        stream = [self.p_id[int(i)] for i in rows]
        item = self._topic_item(r)
        participants: dict[int, int] = {}
        for i in rows:
            uid = self.p_user[int(i)]
            if uid is not None and self.p_deleted[int(i)] is None:
                participants[uid] = participants.get(uid, 0) + 1
        accepted = None
        ap = self.t_accepted[r]
        if ap is not None and (pr := self.p_row.get(ap)) is not None:
            ref = self._user_ref(self.p_user[pr])
            raw = self.p_raw[pr]
            accepted = {
                "post_number": self.p_number[pr],
                "username": ref["username"],
                "name": ref["name"],
                "excerpt": html.escape(raw[:200], quote=False),
            }
        head = {
            "post_stream": None,
            "timeline_lookup": [],
            "tags": [],
            "tags_descriptions": {},
            "fancy_title": item["fancy_title"],
            "id": topic_id,
            "title": item["title"],
            "posts_count": item["posts_count"],
            "created_at": item["created_at"],
            "views": item["views"],
            "reply_count": item["reply_count"],
            "like_count": item["like_count"],
            "last_posted_at": item["last_posted_at"],
            "visible": True,
            "closed": item["closed"],
            "archived": False,
            "has_summary": False,
            "has_best_of": False,
            "archetype": item["archetype"],
            "slug": item["slug"],
            "category_id": item["category_id"],
            "word_count": sum(len(self.p_raw[int(i)].split()) for i in rows),
            "deleted_at": None,
            "user_id": self.t_user[r],
            "featured_link": None,
            "pinned_globally": item["pinned"],
            "pinned_at": item["created_at"] if item["pinned"] else None,
            "pinned_until": None,
            "image_url": None,
            "slow_mode_seconds": 0,
            "draft": None,
            "draft_key": f"topic_{topic_id}",
            "draft_sequence": 0,
            "unpinned": None,
            "pinned": item["pinned"],
            "current_post_number": 1,
            "highest_post_number": item["highest_post_number"],
            "deleted_by": None,
            "has_deleted": any(self.p_deleted[int(i)] is not None for i in rows),
            "actions_summary": [],
            "chunk_size": TOPIC_CHUNK,
            "bookmarked": False,
            "bookmarks": [],
            "topic_timer": None,
            "message_bus_last_id": 0,
            "participant_count": len(participants),
            "show_read_indicator": False,
            "thumbnails": None,
            "slow_mode_enabled_until": None,
            "has_accepted_answer": item["has_accepted_answer"],
            "accepted_answer": accepted,
            "details": {
                "can_edit": True,
                "notification_level": 1,
                "participants": [{**self._user_ref(uid), "post_count": n} for uid, n in participants.items()],
                "created_by": self._user_ref(self.t_user[r]),
                "last_poster": self._user_ref(self.t_last_poster.get(topic_id, self.t_user[r])),
                "links": [],
            },
        }
        encoded = dumps(head)
        stream_json = dumps(stream)
        posts = self.topic_post_cache[_include_raw(request)].join(rows[:TOPIC_CHUNK])
        post_stream = b'{"posts":[' + posts + b'],"stream":' + stream_json + b"}"
        body = encoded.replace(b'"post_stream":null', b'"post_stream":' + post_stream, 1)
        return Response(200, body)

    def topic_posts(self, topic_id: int, request: Request) -> Response:
        if self.t_row.get(topic_id) is None:
            return json_response(404, NOT_FOUND)
        rows = self._topic_rows(topic_id)
        wanted_raw = request.query.get("post_ids[]") or request.query.get("post_ids") or []
        if wanted_raw:
            wanted = {ruby_to_i(v) for v in wanted_raw}
            rows = np.asarray([i for i in rows if self.p_id[int(i)] in wanted], dtype=np.int64)
        else:
            rows = rows[:TOPIC_CHUNK]
        body = (
            b'{"post_stream":{"posts":['
            + self.topic_post_cache[_include_raw(request)].join(rows)
            + b']},"id":'
            + str(topic_id).encode()
            + b"}"
        )
        return Response(200, body)

    def _user_order(self, query: str, order: str, ascending: bool) -> np.ndarray:
        key = (query, order, ascending)
        with self._lock:
            cached = self._user_orders.get(key)
        if cached is not None:
            return cached
        n = len(self.u_id)
        rows = np.arange(n, dtype=np.int64)
        if query in ("staff",):
            rows = rows[[self.u_admin[i] or self.u_moderator[i] for i in rows]]
        elif query == "admins":
            rows = rows[[self.u_admin[i] for i in rows]]
        elif query == "moderators":
            rows = rows[[self.u_moderator[i] for i in rows]]
        elif query in ("suspended", "silenced", "staged", "pending", "suspect"):
            rows = rows[:0]
        ids = np.asarray([self.u_id[i] for i in rows], dtype=np.int64)
        epoch_floor = np.int64(0)
        if order in ("created", "seen", "trust_level", "username", "email"):
            if order == "created":
                keys = [self.u_created_ms[rows]]
            elif order == "seen":
                keys = [np.maximum(self.u_seen_ms[rows], epoch_floor)]
            elif order == "trust_level":
                keys = [np.asarray([self.u_trust[i] for i in rows], dtype=np.int64)]
            else:
                col = self.u_username if order == "username" else self.u_email
                texts = [(col[i] or "") for i in rows]
                keys = [np.argsort(np.argsort(np.asarray(texts, dtype=object), kind="stable"), kind="stable")]
            ranked = rows[np.lexsort((ids, *keys))]
            if not ascending:
                ranked = ranked[::-1]
        else:
            # Discourse's defaults: `active` by last seen desc, the others by created desc; then username.
            base = np.maximum(
                self.u_seen_ms[rows] if query == "active" else self.u_created_ms[rows], epoch_floor
            )
            names = np.asarray([(self.u_username[i] or "") for i in rows], dtype=object)
            name_rank = np.argsort(np.argsort(names, kind="stable"), kind="stable")
            ranked = rows[np.lexsort((name_rank, -base))]
        with self._lock:
            self._user_orders[key] = ranked
        return ranked

    def user_list(self, query: str, request: Request) -> Response:
        known = (
            "active",
            "new",
            "staff",
            "admins",
            "moderators",
            "suspended",
            "silenced",
            "staged",
            "pending",
        )
        if query not in known and query != "suspect":
            return json_response(404, NOT_FOUND)
        order = (request.arg("order") or "").lower()
        order = re.sub(r" (asc|desc)$", "", order)
        ascending = bool(request.arg("asc") or request.arg("ascending"))
        page = max(ruby_to_i(request.arg("page")) - 1, 0)
        ranked = self._user_order(query, order, ascending)
        rows = ranked[page * USERS_PER_PAGE : (page + 1) * USERS_PER_PAGE]
        show = request.arg("show_emails") == "true"
        return Response(200, b"[" + self.user_cache[show].join(rows) + b"]")

    def group_list(self, request: Request) -> Response:
        """`/groups.json`: by name (or `order=user_count`, descending unless `asc`), 36 a page."""
        page = max(ruby_to_i(request.arg("page")), 0)
        groups = self.groups
        if request.arg("order") == "user_count":
            ascending = bool(request.arg("asc"))
            groups = sorted(groups, key=lambda g: len(g.rows), reverse=not ascending)  # then by name
        rows = groups[page * GROUPS_PER_PAGE : (page + 1) * GROUPS_PER_PAGE]
        more = {"page": str(page + 1), **{k: request.arg(k) for k in ("order", "asc") if request.arg(k)}}
        body = {
            "groups": [self._group_item(g) for g in rows],
            "extras": {"type_filters": ["my", "owner", "public", "close", "automatic"]},
            "total_rows_groups": len(groups),
            "load_more_groups": f"{request.prefix}/groups?{urlencode(more)}",
        }
        return json_response(200, body)

    def _member_order(self, group: _Group, ascending: bool) -> np.ndarray:
        """A group's member rows as `members.json` pages them: owners first, then by username."""
        key = (group.id, ascending)
        with self._lock:
            cached = self._member_orders.get(key)
        if cached is not None:
            return cached
        by_name = sorted(
            group.rows.tolist(), key=lambda r: (self.u_username[r] or "").lower(), reverse=not ascending
        )
        owners = [r for r in by_name if r in group.owners]
        ranked = np.asarray(owners + [r for r in by_name if r not in group.owners], dtype=np.int64)
        with self._lock:
            self._member_orders[key] = ranked
        return ranked

    def group_members(self, name: str, request: Request) -> Response:
        group = self.group_by_name.get(name.lower())
        if group is None:
            return json_response(404, NOT_FOUND)
        limit = ruby_to_i(request.arg("limit")) if request.arg("limit") is not None else MEMBERS_LIMIT_DEFAULT
        offset = ruby_to_i(request.arg("offset"))
        for param, bad in (("limit", limit < 0 or limit > MEMBERS_LIMIT_MAX), ("offset", offset < 0)):
            if bad:
                return json_response(400, invalid_parameters(param))
        ranked = self._member_order(group, bool(request.arg("asc")))
        meta = {"total": len(ranked), "limit": limit, "offset": offset}
        body = (
            b'{"members":['
            + self.member_cache.join(ranked[offset : offset + limit])
            + b'],"owners":['
            + self.member_cache.join(ranked[: len(group.owners)])  # ranked first
            + b'],"meta":'
            + dumps(meta)
            + b"}"
        )
        return Response(200, body)


def invalid_parameters(name: str) -> dict:
    """Discourse::InvalidParameters as the API renders it (HTTP 400)."""
    return {
        "errors": [f"You supplied invalid parameters to the request: {name}"],
        "error_type": "invalid_parameters",
    }


PLATFORM = PlatformSpec(
    name="discourse",
    credentials={"api_key": "sandbox-discourse-key", "api_username": "system"},
    build=lambda tables, creds, rate_limits, rate_scale: DiscoursePlatform(
        tables,
        api_key=creds["api_key"],
        api_username=creds["api_username"],
        rate_limits=rate_limits,
        rate_scale=rate_scale,
    ),
)
