"""Discord's HTTP API v10, as a bot sees it, over the World's `discord_*` tables.

Paths (under the `/discord` prefix; `/api/v10/...`, also `/api/v9/...` and the unversioned `/api/...`):
- `GET /guilds/{guild_id}/members?limit=1..1000&after=<user id>`: members by user id ascending (limit defaults to 1).
  Members who left are not listed (their messages stay, authored by the same user object).
- `GET /guilds/{guild_id}/channels`: every channel but threads (categories, text, announcement, voice), with
  `permission_overwrites`: the private staff room denies VIEW_CHANNEL (1024) to @everyone (the role whose id is the
  guild's) and allows it to the staff role, which the bot does not have.
- `GET /guilds/{guild_id}/threads/active` -> `{"threads": [...], "members": []}`, newest first.
- `GET /channels/{channel_id}/threads/archived/public?before=<ISO8601>&limit=N` -> `{"threads", "members",
  "has_more"}`, by `thread_metadata.archive_timestamp` descending.
- `GET /channels/{channel_id}/messages?limit=1..100&before|after|around=<message id>`: newest first (limit defaults
  to 50); `before`/`after` exclude the boundary message. A thread is a channel: its id lists its messages.

Records as Discord sends them: ids are string snowflakes, timestamps ISO 8601 with `+00:00` and microseconds,
`author {id, username, global_name, discriminator, bot?}` (bots keep a 4-digit discriminator, users have "0"),
`reactions [{emoji: {id, name}, count, count_details, ...}]` (absent when none), replies carry
`message_reference` and the `referenced_message`, a thread starter carries `thread`. REST messages have no guild_id.

Errors: no or a wrong `Authorization: Bot <token>` -> 401 `{"message": "401: Unauthorized", "code": 0}`; unknown
guild/channel 404 (codes 10004/10003); a channel the bot may not view 403 `{"message": "Missing Access", "code":
50001}`; a limit out of range 400 `Invalid Form Body` (code 50035).

Rate limits: a bucket per route and top-level resource (guild or channel id) of 5 requests per second, and a
global 50 per second per bot (windows shrink by `rate_scale`). Every response carries `X-RateLimit-Limit`,
`-Remaining`, `-Reset` (epoch seconds), `-Reset-After` (seconds, float) and `-Bucket`; over it, 429 with
`{"message": "You are being rate limited.", "retry_after": 0.372, "global": false}`, `Retry-After` in whole
seconds (rounded up), `X-RateLimit-Scope` (`user`, or `global` with `X-RateLimit-Global: true`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping

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

GUILDS = (
    "guild_id",
    "name",
    "community",
    "lang",
    "owner_id",
    "system_channel_id",
    "created_at",
    "staff_role_id",
    "regular_role_id",
    "bot_role_id",
)
CHANNELS = ("channel_id", "guild_id", "name", "type", "parent_id", "position", "topic", "private")
MEMBERS = (
    "guild_id",
    "user_id",
    "username",
    "global_name",
    "discriminator",
    "bot",
    "nick",
    "roles",
    "joined_at",
    "premium_since",
    "left_at",
)
THREADS = (
    "thread_id",
    "guild_id",
    "parent_id",
    "owner_id",
    "name",
    "created_at",
    "last_message_at",
    "message_count",
    "archived",
    "archive_at",
    "auto_archive_minutes",
)
MESSAGES = (
    "message_id",
    "channel_id",
    "guild_id",
    "author_id",
    "type",
    "content",
    "created_at",
    "edited_at",
    "referenced_message_id",
    "pinned",
    "reactions",
)

ROUTE_LIMIT, ROUTE_WINDOW_S = 5, 1.0
GLOBAL_LIMIT, GLOBAL_WINDOW_S = 50, 1.0
VIEW_CHANNEL = 1 << 10
HAS_THREAD = 1 << 5

UNAUTHORIZED = {"message": "401: Unauthorized", "code": 0}
UNKNOWN_GUILD = {"message": "Unknown Guild", "code": 10004}
UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}
MISSING_ACCESS = {"message": "Missing Access", "code": 50001}
NOT_FOUND = {"message": "404: Not Found", "code": 0}
WRONG_TYPE = {"message": "Cannot execute action on this channel type", "code": 50024}

_PATH = re.compile(r"^/api(?:/v(?:9|10))?(/.*?)/?$")
_MEMBERS = re.compile(r"^/guilds/(\d+)/members$")
_CHANNELS = re.compile(r"^/guilds/(\d+)/channels$")
_ACTIVE = re.compile(r"^/guilds/(\d+)/threads/active$")
_ARCHIVED = re.compile(r"^/channels/(\d+)/threads/archived/public$")
_MESSAGES = re.compile(r"^/channels/(\d+)/messages$")


def iso(series: pd.Series) -> list[str | None]:
    """Discord's timestamps: `2025-10-12T16:02:19.434000+00:00`."""
    text = np.datetime_as_string(utc_ms(series).astype("datetime64[us]"), unit="us")
    return [None if t == "NaT" else t + "+00:00" for t in text.tolist()]


def _when(value: str | None) -> dt.datetime | None:
    """An ISO 8601 timestamp (`Z` or an offset; none: UTC) as an aware datetime, or None."""
    if not value:
        return None
    try:
        ts = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _form_error(field: str, code: str, message: str) -> Response:
    body = {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {field: {"_errors": [{"code": code, "message": message}]}},
    }
    return json_response(400, body)


class _Buckets:
    """Discord's fixed-window buckets: per (route, top-level id), and one global bucket per bot."""

    def __init__(self, scale: float, clock: Callable[[], float] = time.monotonic):
        self.route_window, self.global_window = ROUTE_WINDOW_S / scale, GLOBAL_WINDOW_S / scale
        self.clock = clock
        self._state: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def _take(self, key: str, limit: int, window: float, now: float) -> tuple[bool, int, float]:
        start, used = self._state.get(key, (now, 0))
        if now >= start + window:
            start, used = now, 0
        ok = used < limit
        if ok:
            used += 1
        self._state[key] = (start, used)
        return ok, limit - used, start + window - now

    def hit(self, key: str) -> tuple[str, bool, int, float]:
        """(scope, allowed, remaining, seconds until reset) for one request of bucket `key`."""
        now = self.clock()
        with self._lock:
            ok, _, g_reset = self._take("global", GLOBAL_LIMIT, self.global_window, now)
            if not ok:
                return "global", False, 0, g_reset
            ok, remaining, reset = self._take(key, ROUTE_LIMIT, self.route_window, now)
            return "user", ok, remaining, reset

    def reset(self) -> None:
        with self._lock:
            self._state.clear()


class DiscordPlatform:
    name = "discord"

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        bot_token: str,
        rate_limits: bool = True,
        rate_scale: float = 1.0,
    ):
        self.bot_token = bot_token
        self.buckets = _Buckets(rate_scale) if rate_limits else None
        self._load_guilds(table(tables, "discord_guilds", GUILDS))
        self._load_channels(table(tables, "discord_channels", CHANNELS))
        self._load_members(table(tables, "discord_members", MEMBERS))
        self._load_threads(table(tables, "discord_threads", THREADS))
        self._load_messages(table(tables, "discord_messages", MESSAGES))
        self._cache = Fragments(len(self.m_id), lambda i: dumps(self._message(i)))

    # ------------------------------------------------------------------ loading
    def _load_guilds(self, g: pd.DataFrame) -> None:
        self.guilds = {
            gid: {"staff": staff, "everyone": gid}
            for gid, staff in zip(opt_str(g["guild_id"]), opt_str(g["staff_role_id"]), strict=True)
        }

    def _load_channels(self, c: pd.DataFrame) -> None:
        self.channels: dict[str, dict] = {}
        self.guild_channels: dict[str, list[str]] = {}
        rows = zip(
            opt_str(c["channel_id"]),
            opt_str(c["guild_id"]),
            opt_str(c["name"]),
            opt_int(c["type"]),
            opt_str(c["parent_id"]),
            opt_int(c["position"]),
            opt_str(c["topic"]),
            as_bool(c["private"]),
            strict=True,
        )
        for cid, gid, name, ctype, parent, position, topic, private in rows:
            self.channels[cid] = {
                "id": cid,
                "guild_id": gid,
                "name": name,
                "type": ctype,
                "parent_id": parent,
                "position": position,
                "topic": topic,
                "private": private,
            }
            self.guild_channels.setdefault(gid, []).append(cid)

    def _load_members(self, m: pd.DataFrame) -> None:
        self.users: dict[str, dict] = {}
        self.members: dict[str, tuple[np.ndarray, list[bytes]]] = {}
        gids, uids = opt_str(m["guild_id"]), opt_str(m["user_id"])
        names, globals_, discs = (
            opt_str(m["username"]),
            opt_str(m["global_name"]),
            opt_str(m["discriminator"]),
        )
        bots, nicks, roles = as_bool(m["bot"]), opt_str(m["nick"]), opt_str(m["roles"])
        joined, premium, left = iso(m["joined_at"]), iso(m["premium_since"]), opt_str(m["left_at"])
        listed: dict[str, list[tuple[int, bytes]]] = {}
        for i, uid in enumerate(uids):
            user = {
                "id": uid,
                "username": names[i],
                "avatar": hashlib.md5(uid.encode()).hexdigest() if int(uid) % 3 else None,
                "discriminator": discs[i] or "0",
                "public_flags": 0,
                "flags": 0,
                "banner": None,
                "accent_color": None,
                "global_name": globals_[i],
                "avatar_decoration_data": None,
                "banner_color": None,
                "clan": None,
                "primary_guild": None,
            }
            if bots[i]:
                user["bot"] = True
            self.users[uid] = user
            if left[i] is not None:
                continue
            member = {
                "avatar": None,
                "banner": None,
                "communication_disabled_until": None,
                "flags": 0,
                "joined_at": joined[i],
                "nick": nicks[i],
                "pending": False,
                "premium_since": premium[i],
                "roles": (roles[i] or "").split(),
                "unusual_dm_activity_until": None,
                "user": user,
                "mute": False,
                "deaf": False,
            }
            listed.setdefault(gids[i], []).append((int(uid), dumps(member)))
        for gid, items in listed.items():
            items.sort(key=lambda x: x[0])
            self.members[gid] = (np.asarray([x[0] for x in items], dtype=np.int64), [x[1] for x in items])

    def _load_threads(self, t: pd.DataFrame) -> None:
        self.threads: dict[str, dict] = {}
        rows = zip(
            opt_str(t["thread_id"]),
            opt_str(t["guild_id"]),
            opt_str(t["parent_id"]),
            opt_str(t["owner_id"]),
            opt_str(t["name"]),
            iso(t["created_at"]),
            opt_int(t["message_count"]),
            as_bool(t["archived"]),
            iso(t["archive_at"]),
            opt_int(t["auto_archive_minutes"]),
            strict=True,
        )
        for tid, gid, parent, owner, name, created, count, archived, archive_at, minutes in rows:
            self.threads[tid] = {
                "id": tid,
                "type": 11,
                "last_message_id": None,
                "flags": 0,
                "guild_id": gid,
                "name": name,
                "parent_id": parent,
                "rate_limit_per_user": 0,
                "bitrate": 64000,
                "user_limit": 0,
                "rtc_region": None,
                "owner_id": owner,
                "thread_metadata": {
                    "archived": archived,
                    "archive_timestamp": archive_at,
                    "auto_archive_duration": minutes,
                    "locked": False,
                    "create_timestamp": created,
                },
                "message_count": count,
                "member_count": 0,
                "total_message_sent": count,
            }
        # each channel's archived threads, oldest archive first: a page is a bisect, not a scan of every thread
        # (one scan and sort a page made L's 275,000 threads land at ~200 a second)
        self.archived: dict[str, tuple[list[dt.datetime], list[dict]]] = {}
        listed: dict[str, list[tuple[dt.datetime, str, dict]]] = {}
        for thread in self.threads.values():
            meta = thread["thread_metadata"]
            if meta["archived"]:
                listed.setdefault(thread["parent_id"], []).append(
                    (_when(meta["archive_timestamp"]), thread["id"], thread)
                )
        for cid, items in listed.items():
            items.sort(key=lambda x: (x[0], x[1]))
            self.archived[cid] = ([x[0] for x in items], [x[2] for x in items])

    def _load_messages(self, m: pd.DataFrame) -> None:
        self.m_id = opt_str(m["message_id"])
        self.m_channel = opt_str(m["channel_id"])
        self.m_author = opt_str(m["author_id"])
        self.m_type = opt_int(m["type"])
        self.m_content = [v or "" for v in opt_str(m["content"])]
        self.m_created = iso(m["created_at"])
        self.m_edited = iso(m["edited_at"])
        self.m_ref = opt_str(m["referenced_message_id"])
        self.m_pinned = as_bool(m["pinned"])
        self.m_reactions = opt_str(m["reactions"])
        self.m_row = {mid: i for i, mid in enumerate(self.m_id)}
        ids = np.asarray([int(x) for x in self.m_id], dtype=np.int64)
        channels = np.asarray(self.m_channel, dtype=object)
        self.by_channel: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        order = np.lexsort((ids, channels))
        if len(order):
            sorted_ch = channels[order]
            cuts = np.flatnonzero(sorted_ch[1:] != sorted_ch[:-1]) + 1
            for part in np.split(order, cuts):
                self.by_channel[str(channels[part[0]])] = (ids[part], part)
        for tid, thread in self.threads.items():
            found = self.by_channel.get(tid)
            if found is not None and len(found[0]):
                thread["last_message_id"] = str(int(found[0][-1]))
                thread["member_count"] = min(50, len({self.m_author[int(r)] for r in found[1]}))
        for cid, channel in self.channels.items():
            found = self.by_channel.get(cid)
            channel["last_message_id"] = (
                str(int(found[0][-1])) if found is not None and len(found[0]) else None
            )
        self.position = {}
        for tid in self.threads:
            found = self.by_channel.get(tid)
            if found is not None:
                for k, r in enumerate(found[1]):
                    self.position[int(r)] = k + 1

    # ------------------------------------------------------------------ serializers
    def _message(self, i: int, nested: bool = False) -> dict:
        author = self.users.get(self.m_author[i]) or {"id": self.m_author[i], "username": "Deleted User"}
        mid = self.m_id[i]
        thread = self.threads.get(mid)
        msg: dict = {
            "type": self.m_type[i],
            "content": self.m_content[i],
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "timestamp": self.m_created[i],
            "edited_timestamp": self.m_edited[i],
            "flags": HAS_THREAD if thread is not None else 0,
            "components": [],
            "id": mid,
            "channel_id": self.m_channel[i],
            "author": author,
            "pinned": self.m_pinned[i],
            "mention_everyone": False,
            "tts": False,
        }
        if self.m_reactions[i]:
            msg["reactions"] = [
                {
                    "emoji": {"id": None, "name": emoji},
                    "count": count,
                    "count_details": {"burst": 0, "normal": count},
                    "burst_colors": [],
                    "me_burst": False,
                    "burst_me": False,
                    "me": False,
                    "burst_count": 0,
                }
                for emoji, count in json.loads(self.m_reactions[i])
            ]
        if i in self.position:
            msg["position"] = self.position[i]
        ref = self.m_ref[i]
        if ref is not None:
            msg["message_reference"] = {
                "type": 0,
                "channel_id": self.m_channel[i],
                "message_id": ref,
                "guild_id": self._guild_of(self.m_channel[i]),
            }
            r = self.m_row.get(ref)
            if not nested:
                msg["referenced_message"] = self._message(r, nested=True) if r is not None else None
                if r is not None:
                    msg["mentions"] = [self.users.get(self.m_author[r]) or {"id": self.m_author[r]}]
        if thread is not None and not nested:
            msg["thread"] = thread
        return msg

    def _guild_of(self, channel_id: str) -> str | None:
        c = self.channels.get(channel_id) or self.threads.get(channel_id)
        return c["guild_id"] if c else None

    def _channel_json(self, c: dict) -> dict:
        out = {
            "id": c["id"],
            "type": c["type"],
            "last_message_id": c.get("last_message_id"),
            "flags": 0,
            "guild_id": c["guild_id"],
            "name": c["name"],
            "parent_id": c["parent_id"],
            "rate_limit_per_user": 0,
            "topic": c["topic"],
            "position": c["position"],
            "permission_overwrites": [],
            "nsfw": False,
        }
        if c["type"] == 4:
            for key in ("last_message_id", "rate_limit_per_user", "topic", "nsfw"):
                out.pop(key)
        if c["type"] == 2:
            out.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None})
            out.pop("topic")
        if c["private"]:
            g = self.guilds.get(c["guild_id"], {})
            out["permission_overwrites"] = [
                {"id": c["guild_id"], "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
                {"id": g.get("staff"), "type": 0, "allow": str(VIEW_CHANNEL), "deny": "0"},
            ]
        return out

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: Request) -> Response:
        if (request.headers.get("Authorization") or "") != f"Bot {self.bot_token}":
            return json_response(401, UNAUTHORIZED)
        m = _PATH.match(request.path)
        path = m.group(1) if m else ""
        route, major = self._route(path)
        headers: list[tuple[str, str]] = []
        if self.buckets is not None:
            bucket = hashlib.sha1(route.encode()).hexdigest()[:16]
            scope, ok, remaining, reset = self.buckets.hit(f"{route}:{major}")
            if not ok:
                return self.rate_limited(reset, scope, bucket)
            headers = [
                ("X-RateLimit-Limit", str(ROUTE_LIMIT)),
                ("X-RateLimit-Remaining", str(remaining)),
                ("X-RateLimit-Reset", f"{time.time() + reset:.3f}"),
                ("X-RateLimit-Reset-After", f"{reset:.3f}"),
                ("X-RateLimit-Bucket", bucket),
            ]
        response = self._dispatch(path, request)
        response.headers.extend(headers)
        return response

    @staticmethod
    def _route(path: str) -> tuple[str, str]:
        """The route template and its top-level resource id, as Discord buckets requests."""
        parts = path.strip("/").split("/")
        major = parts[1] if len(parts) > 1 and parts[0] in ("guilds", "channels") else ""
        template = "/".join(p if not p.isdigit() else "{id}" for p in parts)
        return template, major

    def _dispatch(self, path: str, request: Request) -> Response:
        if request.method != "GET":
            return json_response(405, {"message": "405: Method Not Allowed", "code": 0})
        if m := _MEMBERS.match(path):
            return self.list_members(m.group(1), request)
        if m := _CHANNELS.match(path):
            gid = m.group(1)
            if gid not in self.guilds:
                return json_response(404, UNKNOWN_GUILD)
            chans = [self._channel_json(self.channels[c]) for c in self.guild_channels.get(gid, [])]
            return json_response(200, chans)
        if m := _ACTIVE.match(path):
            gid = m.group(1)
            if gid not in self.guilds:
                return json_response(404, UNKNOWN_GUILD)
            active = [
                t
                for t in self.threads.values()
                if t["guild_id"] == gid and not t["thread_metadata"]["archived"]
            ]
            active.sort(key=lambda t: int(t["id"]), reverse=True)
            return json_response(200, {"threads": active, "members": []})
        if m := _ARCHIVED.match(path):
            return self.archived_threads(m.group(1), request)
        if m := _MESSAGES.match(path):
            return self.messages(m.group(1), request)
        return json_response(404, NOT_FOUND)

    def _limit(self, request: Request, default: int, high: int) -> int | Response:
        value = request.arg("limit")
        if value is None:
            return default
        if not re.fullmatch(r"-?\d+", value):
            return _form_error("limit", "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
        n = int(value)
        if n < 1:
            return _form_error("limit", "NUMBER_TYPE_MIN", "int value should be greater than or equal to 1.")
        if n > high:
            return _form_error(
                "limit", "NUMBER_TYPE_MAX", f"int value should be less than or equal to {high}."
            )
        return n

    def list_members(self, gid: str, request: Request) -> Response:
        if gid not in self.guilds:
            return json_response(404, UNKNOWN_GUILD)
        limit = self._limit(request, 1, 1000)
        if isinstance(limit, Response):
            return limit
        after = _int(request.arg("after")) or 0
        ids, encoded = self.members.get(gid, (np.zeros(0, dtype=np.int64), []))
        start = int(np.searchsorted(ids, after, side="right"))
        return Response(200, b"[" + b",".join(encoded[start : start + limit]) + b"]")

    def _readable(self, cid: str) -> Response | dict:
        channel = self.channels.get(cid) or self.threads.get(cid)
        if channel is None:
            return json_response(404, UNKNOWN_CHANNEL)
        parent = self.channels.get(channel.get("parent_id") or "") if channel["type"] == 11 else None
        if channel.get("private") or (parent is not None and parent.get("private")):
            return json_response(403, MISSING_ACCESS)
        return channel

    def archived_threads(self, cid: str, request: Request) -> Response:
        channel = self._readable(cid)
        if isinstance(channel, Response):
            return channel
        if channel["type"] not in (0, 5):
            return json_response(400, WRONG_TYPE)
        limit = self._limit(request, 50, 100)
        if isinstance(limit, Response):
            return limit
        before = _when(request.arg("before"))
        if request.arg("before") and before is None:
            return _form_error("before", "DATE_TIME_TYPE_PARSE", "Could not parse ISO8601 timestamp.")
        times, threads = self.archived.get(cid, ([], []))
        end = len(threads) if before is None else bisect.bisect_left(times, before)
        page = threads[max(0, end - limit) : end][::-1]  # newest archived first
        body = {"threads": page, "members": [], "has_more": end > limit}
        return json_response(200, body)

    def messages(self, cid: str, request: Request) -> Response:
        channel = self._readable(cid)
        if isinstance(channel, Response):
            return channel
        if channel["type"] == 4:
            return json_response(400, WRONG_TYPE)
        limit = self._limit(request, 50, 100)
        if isinstance(limit, Response):
            return limit
        ids, rows = self.by_channel.get(cid, (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
        before, after, around = (_int(request.arg(k)) for k in ("before", "after", "around"))
        if before is not None:
            end = int(np.searchsorted(ids, before, side="left"))
            picked = rows[max(0, end - limit) : end]
        elif after is not None:
            start = int(np.searchsorted(ids, after, side="right"))
            picked = rows[start : start + limit]
        elif around is not None:
            mid = int(np.searchsorted(ids, around, side="left"))
            half = limit // 2
            picked = rows[max(0, mid - half) : max(0, mid - half) + limit]
        else:
            picked = rows[max(0, len(rows) - limit) :]
        body = b"[" + self._cache.join(picked[::-1]) + b"]"
        return Response(200, body)

    # ------------------------------------------------------------------ platform protocol
    def rate_limited(self, retry_after: float, scope: str = "user", bucket: str | None = None) -> Response:
        retry_after = round(max(retry_after, 0.001), 3)
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": scope == "global",
        }
        headers = [("Retry-After", str(max(1, math.ceil(retry_after)))), ("X-RateLimit-Scope", scope)]
        if scope == "global":
            headers.append(("X-RateLimit-Global", "true"))
        else:
            headers += [
                ("X-RateLimit-Limit", str(ROUTE_LIMIT)),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", f"{time.time() + retry_after:.3f}"),
                ("X-RateLimit-Reset-After", f"{retry_after:.3f}"),
                ("X-RateLimit-Bucket", bucket or "0f6ad3c4e1b2a798"),
            ]
        return json_response(429, body, headers)

    def fault_response(self, status: int, retry_after: float) -> Response:
        if status == 429:
            return self.rate_limited(retry_after)
        if status == 500:
            return json_response(500, {"message": "500: Internal Server Error", "code": 0})
        return html_error(status)

    def reset(self) -> None:
        if self.buckets is not None:
            self.buckets.reset()

    def warm(self) -> None:
        self._cache.warm()


PLATFORM = PlatformSpec(
    name="discord",
    credentials={"bot_token": "sandbox-discord-bot-token"},
    build=lambda tables, creds, rate_limits, rate_scale: DiscordPlatform(
        tables, bot_token=creds["bot_token"], rate_limits=rate_limits, rate_scale=rate_scale
    ),
)
