"""Discord (a bot token, API v10): a guild's members, channels, threads and messages.

    - name: discord_cn
      type: discord
      base_url: https://discord.com                # sandbox: sandbox:discord
      credentials: {bot_token: env:DISCORD_BOT_TOKEN}
      options: {guild_id: "1171841561396516294"}   # channel_ids: [...] to read only those channels

The bot needs the GUILD_MEMBERS privileged intent for the member list and View Channel + Read Message History in
the channels it reads.

Quirks handled here, as Discord really behaves:
- `Authorization: Bot <token>` and a `DiscordBot (url, version)` User-Agent on every request.
- Ids are string snowflakes (`(ms since 2015-01-01) << 22 | ...`), so they sort by time. Members come oldest id
  first, paged by `after=<highest user id seen>` (1,000 a page; the record's key is `user.id`).
- Messages come newest first, paged by `before=<smallest id seen>`, which Discord excludes from the page (asking
  `before=id-1`, as for Discourse, would skip a message whose snowflake is exactly id-1: two messages in the same
  millisecond from one worker). 100 a page. One walk per channel, each stopping at its first page that is short
  (fewer than asked: the channel's oldest) or reaches messages older than cursor - lookback (the cursor is
  `timestamp`, ISO 8601 with `+00:00`); edits to older messages (`edited_timestamp`) are not seen again.
- Channels to read: `channel_ids`, else every text and announcement channel of the guild except those hidden from
  @everyone (a `permission_overwrites` entry for the role whose id is the guild's that denies VIEW_CHANNEL): the
  bot usually lacks their role and would get 403 Missing Access (code 50001). Threads are channels too: messages
  are also read from the channels' active threads and from their archived public threads archived since the
  cursor - lookback (an archived thread takes no new messages).
- Threads: the guild's active threads, and each channel's archived public threads by `archive_timestamp`
  descending (`before=<archive_timestamp>`, `has_more`); the cursor is `thread_metadata.archive_timestamp`.
- Rate limits are per route and guild/channel, plus 50 requests/s per bot; over them, 429 with
  `{"retry_after": 64.57, "global": false}` (the body's float; the Retry-After header is rounded up): the client
  waits `retry_after`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ingestion.runtime.auth import HeaderAuth
from ingestion.runtime.http import HttpClient, Page
from ingestion.runtime.paginate import dig, records_of
from ingestion.runtime.spec import AfterId, SinglePage, SourceType, Stream
from pulse.schema import Field, ListOf, Map, Str

API = "api/v10"
USER_AGENT = "DiscordBot (https://github.com/community-pulse/community-pulse, 0.1)"
VIEW_CHANNEL = 1 << 10
TEXT_TYPES = (0, 5)  # GUILD_TEXT, GUILD_ANNOUNCEMENT
SNOWFLAKE = r"\d{15,21}"


def _ts(value: Any) -> dt.datetime | None:
    from ingestion.runner import parse_ts  # the runner imports the registry, which imports this module

    return parse_ts(value)


def _hidden(channel: dict, guild_id: str) -> bool:
    """Whether @everyone (the role whose id is the guild's) is denied VIEW_CHANNEL in this channel."""
    for o in channel.get("permission_overwrites") or []:
        if str(o.get("id")) == guild_id and int(o.get("deny") or 0) & VIEW_CHANNEL:
            return True
    return False


def _channels(client: HttpClient, source: dict) -> list[str]:
    """The channel ids to read: the configured ones, else the guild's visible text and announcement channels."""
    options = source["options"]
    if options.get("channel_ids"):
        return list(options["channel_ids"])
    guild = options["guild_id"]
    page = client.get(f"{API}/guilds/{guild}/channels")
    listed = page.data if isinstance(page.data, list) else []
    chosen = [c for c in listed if c.get("type") in TEXT_TYPES and not _hidden(c, guild)]
    chosen.sort(key=lambda c: (c.get("position") or 0, int(c["id"])))
    return [str(c["id"]) for c in chosen]


def _archived(
    client: HttpClient, channel_id: str, since: dt.datetime, params: dict[str, Any]
) -> Iterator[tuple[Page, list[dict]]]:
    """A channel's archived public threads, most recently archived first, down to those archived before `since`
    (which are not passed on)."""
    before = None
    while True:
        query = {"limit": 100, **({"before": before} if before else {})}
        page = client.get(f"{API}/channels/{channel_id}/threads/archived/public", query)
        threads = page.data.get("threads") or [] if isinstance(page.data, dict) else []
        fresh = [
            t
            for t in threads
            if (ts := _ts(dig(t, "thread_metadata.archive_timestamp"))) is None or ts >= since
        ]
        yield page, fresh
        if len(fresh) < len(threads) or not threads or not page.data.get("has_more"):
            return
        before = dig(threads[-1], "thread_metadata.archive_timestamp")


def guild_threads(
    client: HttpClient, source: dict, stream: Stream, params: dict[str, Any], since: dt.datetime
) -> Iterator[tuple[Page, list[Any]]]:
    """Active threads of the guild (all of them, every run), then each channel's archived public threads."""
    page = client.get(stream.path)
    yield page, records_of(page, stream)
    for channel_id in _channels(client, source):
        yield from _archived(client, channel_id, since, params)


def _thread_ids(client: HttpClient, source: dict, channels: list[str], since: dt.datetime) -> list[str]:
    """Threads of these channels that may hold messages newer than `since`: active ones and those archived since."""
    wanted = set(channels)
    page = client.get(f"{API}/guilds/{source['options']['guild_id']}/threads/active")
    active = page.data.get("threads") or [] if isinstance(page.data, dict) else []
    ids = [str(t["id"]) for t in active if str(t.get("parent_id")) in wanted]
    for channel_id in channels:
        for _, threads in _archived(client, channel_id, since, {}):
            ids += [str(t["id"]) for t in threads]
    return list(dict.fromkeys(ids))


def channel_messages(
    client: HttpClient, source: dict, stream: Stream, params: dict[str, Any], since: dt.datetime
) -> Iterator[tuple[Page, list[Any]]]:
    """Every chosen channel's and thread's messages, newest first, each down to `since`. `before=` excludes the
    boundary, so the next page asks for the smallest id seen itself. Messages older than `since` are not passed
    on (the runner would otherwise stop the walk of every other channel)."""
    channels = _channels(client, source)
    limit = params.get("limit", stream.page_size)
    for channel_id in channels + _thread_ids(client, source, channels, since):
        path = f"{API}/channels/{channel_id}/messages"
        before = None
        while True:
            query = {"limit": limit, **({"before": before} if before is not None else {})}
            page = client.get(path, query)
            messages = page.data if isinstance(page.data, list) else []
            fresh = [m for m in messages if (ts := _ts(m.get("timestamp"))) is None or ts >= since]
            yield page, fresh
            ids = [int(m["id"]) for m in messages if str(m.get("id", "")).isdigit()]
            # a short page is the channel's oldest: asking again would cost a request per thread for an empty
            # page (L: 591,000 requests for 9.3 M messages, about half of them empty; Discord allows 50 a second)
            short = len(messages) < int(limit)
            if short or len(fresh) < len(messages) or not ids or (before is not None and min(ids) >= before):
                break
            before = min(ids)


STREAMS = {
    "members": Stream(
        name="members",
        path=f"{API}/guilds/{{guild_id}}/members",
        records="",
        primary_key="user.id",
        paginator=AfterId(param="after", id_field="user.id"),
        page_size_param="limit",
        page_size=1000,
        max_page_size=1000,
    ),
    "channels": Stream(
        name="channels",
        path=f"{API}/guilds/{{guild_id}}/channels",
        records="",
        primary_key="id",
        paginator=SinglePage(),
    ),
    "threads": Stream(
        name="threads",
        path=f"{API}/guilds/{{guild_id}}/threads/active",
        records="threads",
        primary_key="id",
        cursor_field="thread_metadata.archive_timestamp",
        # No runner-level stop: active threads come whole every run (theirs is the creation time, often older than
        # the cursor); the hook stops each channel's archived list at cursor - lookback itself.
        cursor_mode=None,
        fetch=guild_threads,
    ),
    "messages": Stream(
        name="messages",
        path=f"{API}/channels",  # /{channel_id}/messages for every chosen channel and thread
        records="",
        primary_key="id",
        page_size_param="limit",
        page_size=100,
        max_page_size=100,
        cursor_field="timestamp",
        cursor_mode="stop",
        fetch=channel_messages,
    ),
}

OPTIONS = Map(
    {
        "guild_id": Field(
            Str(
                pattern=SNOWFLAKE,
                hint="a guild (server) id: a snowflake like 1171841561396516294",
                env_ok=False,
            ),
            required=True,
            doc="the guild (server) to read",
        ),
        "channel_ids": Field(
            ListOf(Str(pattern=SNOWFLAKE, hint="a channel id: a snowflake", env_ok=False)),
            doc="channels to read messages and threads from; default: every text and announcement channel the "
            "bot can see",
        ),
    }
)


def auth(credentials: dict[str, str]) -> HeaderAuth:
    return HeaderAuth({"Authorization": f"Bot {credentials['bot_token']}", "User-Agent": USER_AGENT})


SOURCE_TYPE = SourceType(
    name="discord",
    streams=STREAMS,
    credentials=("bot_token",),
    auth=auth,
    requests_per_second=5.0,  # one route bucket's pace; the global limit is 50/s
    options=OPTIONS,
)
