"""Every platform the sandbox serves, as the source configurations that ingest all of it.

The bench (`bench/ingest.py`) lands the whole world through these: one source per platform account, exactly as a
user's `pulse.yml` would declare them after validation (dates as dates, options cleaned by the source type's own
schema). Ids that only the generated world knows (Discord guild ids, subreddit names) are read from it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ingestion.registry import SOURCE_TYPES
from pulse.sandbox.filedrops import DROP_OPTIONS
from pulse.sandbox.server import DEFAULT_CREDENTIALS
from pulse.sandbox.tables import World

# source type -> (its path prefix on the sandbox server, its key in the sandbox's credentials)
PLATFORMS: dict[str, tuple[str, str]] = {
    "discourse": ("discourse", "discourse"),
    "shopify": ("shopify", "shopify"),
    "reddit": ("reddit", "reddit"),
    "discord": ("discord", "discord"),
    "wecom_groups": ("wecom", "wecom"),
    "wechat_mp": ("wechat_mp", "wechat_mp"),
    "woocommerce": ("woocommerce", "woocommerce"),
    "youzan": ("youzan", "youzan"),
}


def _source(
    name: str, kind: str, base_url: str, credentials: dict, options: Any, **runtime
) -> dict[str, Any]:
    stype = SOURCE_TYPES[kind]
    cleaned = stype.options.clean(options, f"{name}.options", {}) if stype.options is not None else options
    # Discourse's topic_posts reads every post a second time, one request per topic, for topic-view fields:
    # `posts` already lands each post once, so the bench measures that path (as the demo config does).
    streams = [s for s in stype.streams_for(cleaned) if (kind, s) != ("discourse", "topic_posts")]
    return {
        "name": name,
        "type": kind,
        "base_url": base_url,
        "credentials": dict(credentials),
        "streams": streams,
        "options": cleaned,
        "start_date": dt.date(2000, 1, 1),
        "lookback": None,
        "page_size": None,
        "timeout_seconds": 60.0,
        "max_retries": 3,
        "requests_per_second": 1e6,
        **runtime,
    }


# The world's tables `sandbox_sources` reads: `World.read(path, names=SOURCE_TABLES)` is enough.
SOURCE_TABLES = ("discord_guilds", "reddit_submissions")


def sandbox_sources(world: World, url: str, drops: Path | None = None, **runtime) -> list[dict[str, Any]]:
    """One source per platform account the world has (two Discord guilds), plus the file drops in `drops`. Their
    `start_date` reaches back before any record, except WeChat's datacube streams (one request per day window):
    theirs is the world's first day, as a user would set it to the day the account started."""
    first_day = dt.date.fromisoformat(world.meta["window_start_local"])
    out = []
    for kind, (prefix, creds) in PLATFORMS.items():
        base = f"{url}/{prefix}"
        if kind == "discord":
            for i, gid in enumerate(world["discord_guilds"]["guild_id"].astype(str)):
                out.append(
                    _source(
                        f"discord{i + 1}",
                        kind,
                        base,
                        DEFAULT_CREDENTIALS[creds],
                        {"guild_id": gid},
                        **runtime,
                    )
                )
            continue
        options = None
        if kind == "reddit":
            options = {"subreddits": sorted(world["reddit_submissions"]["subreddit"].astype(str).unique())}
        extra = {"start_date": first_day} if kind == "wechat_mp" else {}
        out.append(_source(kind, kind, base, DEFAULT_CREDENTIALS[creds], options, **{**extra, **runtime}))
    if drops is not None:
        out.append(_source("drops", "files", drops.resolve().as_uri(), {}, DROP_OPTIONS, **runtime))
    return out
