"""Reddit, as a script app with client credentials sees it, over the World's `reddit_*` tables.

Paths (under the `/reddit` prefix, which stands for both of Reddit's hosts):
- `POST /api/v1/access_token` (www.reddit.com): HTTP Basic `client_id:client_secret`, form body
  `grant_type=client_credentials` -> `{"access_token", "token_type": "bearer", "expires_in": 86400, "scope": "*"}`.
  Wrong credentials: 401 `{"message": "Unauthorized", "error": 401}`; a missing or other grant type: HTTP 200 with
  `{"error": "unsupported_grant_type"}` (an error in a 200, as Reddit does).
- `GET /r/{subreddit}/new` and `GET /r/{subreddit}/comments` (oauth.reddit.com; `.json` and a trailing `/` are
  accepted, the subreddit name is case-insensitive): `Authorization: bearer <token>`, else 401 with
  `www-authenticate`. Listings are newest first: `{"kind": "Listing", "data": {"after", "dist", "modhash",
  "geo_filter", "children": [{"kind": "t3"|"t1", "data": {...}}], "before"}}`.

Behaviour worth knowing (as Reddit does it):
- `limit` defaults to 25 and is capped at 100 whatever is asked; `after`/`before` take a fullname (`t3_...`,
  `t1_...`); an unknown one gives an empty listing. `data.after` is null on the last page.
- A listing holds at most the newest 1,000 items: older ones cannot be paged to (`after` is null at the 1,000th).
- Without `raw_json=1`, `&`, `<` and `>` in text come HTML-escaped (`&amp;`), Reddit's legacy encoding.
- Deleted items stay listed: author `[deleted]` (no `author_fullname`), text `[deleted]`; removed by moderators:
  text `[removed]` (a removed comment's author shows as `[deleted]` too). `edited` is `false` or an epoch float;
  a listed comment's `replies` is `""`.
- 600 requests per 10-minute window per client (the window shrinks by `rate_scale`), reported on every API
  response as `x-ratelimit-used`, `x-ratelimit-remaining` (a float string, `"599.0"`) and `x-ratelimit-reset`
  (whole seconds to the window's end); over it, 429 `{"message": "Too Many Requests", "error": 429}` with the same
  headers (no Retry-After). Generic user agents (`python-requests/...`) are refused with 429 as Reddit does.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs

import numpy as np
import pandas as pd

from pulse.sandbox.platforms import (
    Fragments,
    PlatformSpec,
    Request,
    Response,
    as_bool,
    dumps,
    html_error,
    json_response,
    opt_int,
    opt_str,
    table,
    utc_ms,
)

USERS = ("username", "user_fullname", "created_at", "is_bot")
SUBMISSIONS = (
    "submission_id",
    "subreddit",
    "author",
    "title",
    "selftext",
    "url",
    "link_flair_text",
    "created_at",
    "edited_at",
    "score",
    "num_comments",
    "stickied",
    "distinguished",
    "state",
)
COMMENTS = (
    "comment_id",
    "submission_id",
    "parent_id",
    "subreddit",
    "author",
    "body",
    "created_at",
    "edited_at",
    "score",
    "stickied",
    "distinguished",
    "state",
)

LISTING_CAP = 1000
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
WINDOW_S = 600.0
WINDOW_REQUESTS = 600
TOKEN_LIFETIME = 86400

UNAUTHORIZED = {"message": "Unauthorized", "error": 401}
NOT_FOUND = {"message": "Not Found", "error": 404}
TOO_MANY = {"message": "Too Many Requests", "error": 429}

_LISTING = re.compile(r"^/r/([A-Za-z0-9_]{2,21})/(new|comments)(?:\.json)?/?$")
_ESCAPED = ("title", "selftext", "selftext_html", "body", "body_html", "link_title")


def _epoch(series: pd.Series) -> list[float | None]:
    """Reddit's `created_utc`: epoch seconds as a float (`1696754768.0`)."""
    ms = utc_ms(series)
    seconds = (ms.astype(np.int64) // 1000).astype(float).tolist()
    return [None if nat else s for s, nat in zip(seconds, np.isnat(ms).tolist(), strict=True)]


def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())
    slug = "_".join(words)[:50].rstrip("_")
    return slug or "post"


def _md_html(text: str) -> str | None:
    if not text:
        return None
    paragraphs = [html.escape(p, quote=False) for p in text.split("\n\n")]
    return '<div class="md">' + "".join(f"<p>{p}</p>\n" for p in paragraphs) + "</div>"


def _legacy_record(record: dict) -> dict:
    return {**record, "data": _legacy(record["data"])}


def _legacy(record: dict) -> dict:
    """Reddit's encoding without raw_json=1: `&`, `<`, `>` escaped in text values."""
    out = dict(record)
    for key in _ESCAPED:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return out


def _t5(name: str) -> str:
    n = int(hashlib.sha256(name.lower().encode()).hexdigest()[:8], 16) % (36**6)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return "t5_" + (out or "0")


class _Window:
    """Reddit's fixed rate-limit windows, per client id."""

    def __init__(self, window_s: float, limit: int, clock: Callable[[], float] = time.monotonic):
        self.window_s, self.limit, self.clock = window_s, limit, clock
        self._used: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int, float]:
        """(allowed, used, seconds to the window's end)."""
        now = self.clock()
        n = int(now // self.window_s)
        with self._lock:
            window, used = self._used.get(key, (n, 0))
            if window != n:
                used = 0
            allowed = used < self.limit
            if allowed:
                used += 1
            self._used[key] = (n, used)
        return allowed, used, (n + 1) * self.window_s - now

    def reset(self) -> None:
        with self._lock:
            self._used.clear()


class RedditPlatform:
    name = "reddit"

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        client_id: str,
        client_secret: str,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
    ):
        self.client_id, self.client_secret = client_id, client_secret
        self.window = _Window(WINDOW_S / rate_scale, WINDOW_REQUESTS) if rate_limits else None
        self._tokens: dict[str, float] = {}
        self._token_seq = itertools.count(1)
        self._lock = threading.Lock()
        users = table(tables, "reddit_users", USERS)
        self.fullname = dict(zip(opt_str(users["username"]), opt_str(users["user_fullname"]), strict=True))
        self._load_submissions(table(tables, "reddit_submissions", SUBMISSIONS))
        self._load_comments(table(tables, "reddit_comments", COMMENTS))
        names = sorted(set(self.s_sub) | set(self.c_sub))
        self.subreddits = {n.lower(): n for n in names}
        self.listings: dict[tuple[str, str], tuple[np.ndarray, dict[str, int]]] = {}
        for kind, subs, created, ids, prefix in (
            ("new", self.s_sub, self.s_created, self.s_id, "t3_"),
            ("comments", self.c_sub, self.c_created, self.c_id, "t1_"),
        ):
            sub_arr = np.asarray(subs, dtype=object)
            created_arr = np.asarray([c or 0.0 for c in created], dtype=float)
            for name in names:
                rows = np.flatnonzero(sub_arr == name)
                id_num = np.asarray([int(ids[r], 36) for r in rows], dtype=np.int64)
                ranked = rows[np.lexsort((-id_num, -created_arr[rows]))][:LISTING_CAP]  # newest first, capped
                position = {prefix + ids[int(r)]: k for k, r in enumerate(ranked)}
                self.listings[(name, kind)] = (ranked, position)
        self.s_cache = self._fragments(len(self.s_id), self._submission)
        self.c_cache = self._fragments(len(self.c_id), self._comment)

    # ------------------------------------------------------------------ loading
    def _load_submissions(self, s: pd.DataFrame) -> None:
        self.s_id = opt_str(s["submission_id"])
        self.s_sub = opt_str(s["subreddit"])
        self.s_author = opt_str(s["author"])
        self.s_title = [v or "" for v in opt_str(s["title"])]
        self.s_text = [v or "" for v in opt_str(s["selftext"])]
        self.s_url = opt_str(s["url"])
        self.s_flair = opt_str(s["link_flair_text"])
        self.s_created = _epoch(s["created_at"])
        self.s_edited = _epoch(s["edited_at"])
        self.s_score = [v or 0 for v in opt_int(s["score"])]
        self.s_comments = [v or 0 for v in opt_int(s["num_comments"])]
        self.s_sticky = as_bool(s["stickied"])
        self.s_dist = opt_str(s["distinguished"])
        self.s_state = [v or "active" for v in opt_str(s["state"])]
        self.s_row = {sid: i for i, sid in enumerate(self.s_id)}

    def _load_comments(self, c: pd.DataFrame) -> None:
        self.c_id = opt_str(c["comment_id"])
        self.c_link = opt_str(c["submission_id"])
        self.c_parent = opt_str(c["parent_id"])
        self.c_sub = opt_str(c["subreddit"])
        self.c_author = opt_str(c["author"])
        self.c_body = [v or "" for v in opt_str(c["body"])]
        self.c_created = _epoch(c["created_at"])
        self.c_edited = _epoch(c["edited_at"])
        self.c_score = [v or 0 for v in opt_int(c["score"])]
        self.c_sticky = as_bool(c["stickied"])
        self.c_dist = opt_str(c["distinguished"])
        self.c_state = [v or "active" for v in opt_str(c["state"])]

    # ------------------------------------------------------------------ serializers
    def _permalink(self, i: int) -> str:
        return f"/r/{self.s_sub[i]}/comments/{self.s_id[i]}/{_slug(self.s_title[i])}/"

    def _shown_author(self, i: int) -> str | None:
        return "[deleted]" if self.s_state[i] == "deleted" else self.s_author[i]

    def _submission(self, i: int) -> dict:
        state = self.s_state[i]
        author = self._shown_author(i)
        text = {"deleted": "[deleted]", "removed": "[removed]"}.get(state, self.s_text[i])
        is_self = self.s_url[i] is None
        permalink = self._permalink(i)
        sub = self.s_sub[i]
        score = self.s_score[i]
        data = {
            "approved_at_utc": None,
            "subreddit": sub,
            "selftext": text,
            "author_fullname": self.fullname.get(author) if author != "[deleted]" else None,
            "saved": False,
            "mod_reason_title": None,
            "gilded": 0,
            "clicked": False,
            "title": self.s_title[i],
            "link_flair_richtext": [{"e": "text", "t": self.s_flair[i]}] if self.s_flair[i] else [],
            "subreddit_name_prefixed": f"r/{sub}",
            "hidden": False,
            "pwls": 6,
            "link_flair_css_class": (self.s_flair[i] or "").lower().replace(" ", "-") or None,
            "downs": 0,
            "thumbnail_height": None,
            "top_awarded_type": None,
            "hide_score": False,
            "name": f"t3_{self.s_id[i]}",
            "quarantine": False,
            "link_flair_text_color": "dark",
            "upvote_ratio": round(min(1.0, 0.75 + 0.25 * (1 - 1 / (1 + max(score, 0)))), 2),
            "author_flair_background_color": None,
            "subreddit_type": "public",
            "ups": score,
            "total_awards_received": 0,
            "media_embed": {},
            "thumbnail_width": None,
            "author_flair_template_id": None,
            "is_original_content": False,
            "user_reports": [],
            "secure_media": None,
            "is_reddit_media_domain": False,
            "is_meta": False,
            "category": None,
            "secure_media_embed": {},
            "link_flair_text": self.s_flair[i],
            "can_mod_post": False,
            "score": score,
            "approved_by": None,
            "is_created_from_ads_ui": False,
            "author_premium": False,
            "thumbnail": "self" if is_self else "default",
            "edited": self.s_edited[i] if self.s_edited[i] is not None else False,
            "author_flair_css_class": None,
            "author_flair_richtext": [],
            "gildings": {},
            "content_categories": None,
            "is_self": is_self,
            "mod_note": None,
            "created": self.s_created[i],
            "link_flair_type": "richtext" if self.s_flair[i] else "text",
            "wls": 6,
            "removed_by_category": {"deleted": "deleted", "removed": "moderator"}.get(state),
            "banned_by": None,
            "author_flair_type": "text",
            "domain": f"self.{sub}" if is_self else (self.s_url[i] or "").split("/")[2],
            "allow_live_comments": False,
            "selftext_html": _md_html(text),
            "likes": None,
            "suggested_sort": None,
            "banned_at_utc": None,
            "view_count": None,
            "archived": False,
            "no_follow": score < 2,
            "is_crosspostable": state == "active",
            "pinned": False,
            "over_18": False,
            "all_awardings": [],
            "awarders": [],
            "media_only": False,
            "can_gild": state == "active",
            "spoiler": False,
            "locked": False,
            "author_flair_text": None,
            "treatment_tags": [],
            "visited": False,
            "removed_by": None,
            "num_reports": None,
            "distinguished": self.s_dist[i],
            "subreddit_id": _t5(sub),
            "author_is_blocked": False,
            "mod_reason_by": None,
            "removal_reason": None,
            "link_flair_background_color": "",
            "id": self.s_id[i],
            "is_robot_indexable": state == "active",
            "report_reasons": None,
            "author": author,
            "discussion_type": None,
            "num_comments": self.s_comments[i],
            "send_replies": True,
            "contest_mode": False,
            "mod_reports": [],
            "author_patreon_flair": False,
            "author_flair_text_color": None,
            "permalink": permalink,
            "stickied": self.s_sticky[i],
            "url": self.s_url[i] or f"https://www.reddit.com{permalink}",
            "subreddit_subscribers": 4821,
            "created_utc": self.s_created[i],
            "num_crossposts": 0,
            "media": None,
            "is_video": False,
        }
        if data["author_fullname"] is None:
            del data["author_fullname"]
        return {"kind": "t3", "data": data}

    def _comment(self, i: int) -> dict:
        state = self.c_state[i]
        author = "[deleted]" if state != "active" else self.c_author[i]
        body = {"deleted": "[deleted]", "removed": "[removed]"}.get(state, self.c_body[i])
        link = self.s_row.get(self.c_link[i])
        sub = self.c_sub[i]
        link_title = self.s_title[link] if link is not None else ""
        link_permalink = f"https://www.reddit.com{self._permalink(link)}" if link is not None else None
        link_author = self._shown_author(link) if link is not None else None
        score = self.c_score[i]
        data = {
            "subreddit_id": _t5(sub),
            "approved_at_utc": None,
            "author_is_blocked": False,
            "comment_type": None,
            "link_title": link_title,
            "mod_reason_by": None,
            "banned_by": None,
            "ups": score,
            "num_reports": None,
            "author_flair_type": "text",
            "total_awards_received": 0,
            "subreddit": sub,
            "link_author": link_author,
            "likes": None,
            "replies": "",
            "user_reports": [],
            "saved": False,
            "id": self.c_id[i],
            "banned_at_utc": None,
            "mod_reason_title": None,
            "gilded": 0,
            "archived": False,
            "collapsed_reason_code": "DELETED" if state != "active" else None,
            "no_follow": score < 2,
            "author": author,
            "num_comments": self.s_comments[link] if link is not None else 0,
            "can_mod_post": False,
            "send_replies": True,
            "parent_id": self.c_parent[i],
            "score": score,
            "author_fullname": self.fullname.get(author) if author != "[deleted]" else None,
            "over_18": False,
            "report_reasons": None,
            "removal_reason": None,
            "approved_by": None,
            "controversiality": 1 if score < 0 else 0,
            "body": body,
            "edited": self.c_edited[i] if self.c_edited[i] is not None else False,
            "top_awarded_type": None,
            "downs": 0,
            "author_flair_css_class": None,
            "is_submitter": link_author is not None and author == link_author,
            "collapsed": state != "active" or score < -4,
            "author_flair_richtext": [],
            "author_patreon_flair": False,
            "body_html": _md_html(body),
            "gildings": {},
            "collapsed_reason": None,
            "distinguished": self.c_dist[i],
            "associated_award": None,
            "stickied": self.c_sticky[i],
            "author_premium": False,
            "can_gild": state == "active",
            "link_id": f"t3_{self.c_link[i]}",
            "unrepliable_reason": None,
            "author_flair_text_color": None,
            "score_hidden": False,
            "permalink": f"{self._permalink(link)}{self.c_id[i]}/" if link is not None else None,
            "subreddit_type": "public",
            "link_permalink": link_permalink,
            "name": f"t1_{self.c_id[i]}",
            "author_flair_template_id": None,
            "subreddit_name_prefixed": f"r/{sub}",
            "author_flair_text": None,
            "treatment_tags": [],
            "created": self.c_created[i],
            "created_utc": self.c_created[i],
            "awarders": [],
            "all_awardings": [],
            "locked": False,
            "author_flair_background_color": None,
            "collapsed_because_crowd_control": None,
            "mod_reports": [],
            "quarantine": False,
            "mod_note": None,
            "link_url": (self.s_url[link] or link_permalink) if link is not None else None,
        }
        if data["author_fullname"] is None:
            del data["author_fullname"]
        return {"kind": "t1", "data": data}

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: Request) -> Response:
        if request.path.rstrip("/") in ("/api/v1/access_token", "/api/v1/access_token.json"):
            return self.access_token(request) if request.method == "POST" else json_response(404, NOT_FOUND)
        client = self._client(request)
        if client is None:
            return json_response(
                401, UNAUTHORIZED, [("www-authenticate", 'Bearer realm="reddit", error="invalid_token"')]
            )
        agent = request.headers.get("User-Agent") or ""
        if not agent or agent.lower().startswith(("python-requests", "python-urllib", "curl/")):
            return json_response(429, TOO_MANY)  # Reddit throttles generic user agents hard
        headers: list[tuple[str, str]] = []
        if self.window is not None:
            allowed, used, left = self.window.hit(client)
            remaining = max(0, WINDOW_REQUESTS - used)
            headers = [
                ("x-ratelimit-remaining", f"{float(remaining):.1f}"),
                ("x-ratelimit-used", str(used)),
                ("x-ratelimit-reset", str(max(1, math.ceil(left)))),
            ]
            if not allowed:
                return json_response(429, TOO_MANY, headers)
        m = _LISTING.match(request.path)
        if m is None or request.method != "GET":
            return json_response(404, NOT_FOUND, headers)
        name = self.subreddits.get(m.group(1).lower())
        if name is None:
            return json_response(404, NOT_FOUND, headers)
        response = self.listing(name, m.group(2), request)
        response.headers.extend(headers)
        return response

    def _client(self, request: Request) -> str | None:
        value = request.headers.get("Authorization") or ""
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        with self._lock:
            expires = self._tokens.get(token.strip())
        if expires is None or expires < time.monotonic():
            return None
        return self.client_id

    def access_token(self, request: Request) -> Response:
        value = request.headers.get("Authorization") or ""
        scheme, _, encoded = value.partition(" ")
        try:
            user, _, password = base64.b64decode(encoded.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            user, password = "", ""
        if scheme.lower() != "basic" or user != self.client_id or password != self.client_secret:
            return json_response(401, UNAUTHORIZED)
        form = parse_qs(request.body.decode("utf-8", "replace")) if request.body else {}
        grant = (form.get("grant_type") or request.query.get("grant_type") or [""])[0]
        if grant != "client_credentials":
            return json_response(200, {"error": "unsupported_grant_type"})
        seq = next(self._token_seq)
        token = f"{seq}-" + hashlib.sha256(f"{self.client_secret}:{seq}".encode()).hexdigest()[:27]
        with self._lock:
            self._tokens[token] = time.monotonic() + TOKEN_LIFETIME
        body = {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME, "scope": "*"}
        return json_response(200, body)

    def listing(self, name: str, kind: str, request: Request) -> Response:
        ranked, position = self.listings[(name, kind)]
        try:
            limit = int(request.arg("limit") or DEFAULT_LIMIT)
        except ValueError:
            limit = DEFAULT_LIMIT
        limit = min(max(limit, 1), MAX_LIMIT)
        after, before = request.arg("after"), request.arg("before")
        if after:
            k = position.get(after)
            start, stop = (k + 1, k + 1 + limit) if k is not None else (0, 0)
        elif before:
            k = position.get(before)
            start, stop = (max(0, k - limit), k) if k is not None else (0, 0)
        else:
            start, stop = 0, limit
        rows = ranked[start:stop]
        prefix = "t3_" if kind == "new" else "t1_"
        ids = self.s_id if kind == "new" else self.c_id
        cache = self.s_cache if kind == "new" else self.c_cache
        raw = request.arg("raw_json") == "1"
        nxt = prefix + ids[int(rows[-1])] if len(rows) and stop < len(ranked) else None
        prev = prefix + ids[int(rows[0])] if len(rows) and start > 0 else None
        head = dumps({"after": nxt, "dist": len(rows), "modhash": "", "geo_filter": ""})
        children = cache[raw].join(rows)
        body = (
            b'{"kind":"Listing","data":'
            + head[:-1]
            + b',"children":['
            + children
            + b'],"before":'
            + dumps(prev)
            + b"}}"
        )
        return Response(200, body)

    # ------------------------------------------------------------------ platform protocol
    def fault_response(self, status: int, retry_after: float) -> Response:
        if status == 429:
            headers = [
                ("x-ratelimit-remaining", "0.0"),
                ("x-ratelimit-used", str(WINDOW_REQUESTS)),
                ("x-ratelimit-reset", str(max(1, math.ceil(retry_after)))),
            ]
            return json_response(429, TOO_MANY, headers)
        if status == 500:
            return json_response(500, {"message": "Internal Server Error", "error": 500})
        return html_error(status)

    def reset(self) -> None:
        if self.window is not None:
            self.window.reset()

    @staticmethod
    def _fragments(size: int, build: Callable[[int], dict]) -> dict[bool, Fragments]:
        """Encoded children per row, by raw_json: with raw_json=1 as built, without it with Reddit's legacy
        escaping of the text fields."""
        return {
            True: Fragments(size, lambda i: dumps(build(i))),
            False: Fragments(size, lambda i: dumps(_legacy_record(build(i)))),
        }

    def warm(self) -> None:
        self.s_cache[True].warm()
        self.c_cache[True].warm()


PLATFORM = PlatformSpec(
    name="reddit",
    credentials={"client_id": "sandbox-reddit-client", "client_secret": "sandbox-reddit-secret"},
    build=lambda tables, creds, rate_limits, rate_scale: RedditPlatform(
        tables,
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        rate_limits=rate_limits,
        rate_scale=rate_scale,
    ),
)
