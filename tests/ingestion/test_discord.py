"""Discord connector against the sandbox: members, channels, threads and messages of both guilds land and load
exactly once (also with faults), re-runs land only the lookback, `before=` paging never skips a message, hidden
channels are skipped, 429s are waited out by the body's precise `retry_after`, and the bot token stays secret.

No recorded Discord responses exist under a usable licence (../shared/real-api-samples/README.md); the shapes
follow the official documentation, and the documented 429 example is checked here."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from requests.structures import CaseInsensitiveDict

from ingestion.discord import SOURCE_TYPE as DISCORD
from ingestion.load import load_landing
from ingestion.runner import ingest_source, parse_ts
from ingestion.runtime.errors import SourceRequestError
from ingestion.runtime.http import _retry_after
from pulse.config import Config
from pulse.sandbox.server import make_server
from pulse.sandbox.tables import World
from pulse.sandbox.world import generate_world
from pulse.warehouse import DuckDBWarehouse

TOKEN = "test-discord-bot-token-7e2b"
STREAMS = ("members", "channels", "threads", "messages")
FAULTS = (
    "429=0.03,500=0.02,503=0.01,slow=0.01,truncate=0.01,truncate_close=0.01,reset=0.01,"
    "seed=9,slow_seconds=0.6,retry_after=0.01..0.05"
)


def test_documented_429_waits_by_the_body():
    """Discord's documented example: the body's float, even without a Retry-After header; the epoch
    X-RateLimit-Reset is never taken for a duration."""
    body = json.dumps(
        {"message": "You are being rate limited.", "retry_after": 64.57, "global": False}
    ).encode()
    headers = CaseInsensitiveDict({"X-RateLimit-Reset": "1470173023.123", "X-RateLimit-Reset-After": "64.57"})
    assert _retry_after(headers, body) == 64.57
    assert _retry_after(CaseInsensitiveDict({"Retry-After": "65"}), body) == 64.57  # the header is rounded up
    assert _retry_after(
        CaseInsensitiveDict({"X-RateLimit-Reset": f"{time.time() + 3:.3f}"})
    ) == pytest.approx(3, 0.1)
    assert _retry_after(headers) == 64.57  # reset-after before the epoch reset


@pytest.fixture(scope="module")
def world():
    return generate_world(13, 350, 4)


def _guild(world: World, community: str) -> str:
    g = world["discord_guilds"]
    return str(g.loc[g["community"] == community, "guild_id"].iloc[0])


def source(url: str, guild: str, name: str = "dc", **extra) -> dict:
    return {
        "name": name,
        "type": "discord",
        "base_url": f"{url}/discord",
        "credentials": {"bot_token": TOKEN},
        "streams": list(STREAMS),
        "options": {"guild_id": guild, "channel_ids": []},
        "start_date": dt.date(2024, 1, 1),
        "lookback": dt.timedelta(days=2),
        "page_size": None,
        "timeout_seconds": 0.5,
        "max_retries": 10,
        "requests_per_second": 1000.0,
        **extra,
    }


def server(world: World, **kw):
    return make_server(world, credentials={"discord": {"bot_token": TOKEN}}, **{"rate_limits": False, **kw})


def _warehouse(tmp_path: Path) -> DuckDBWarehouse:
    data = {
        "warehouse": {
            "type": "duckdb",
            "path": str(tmp_path / "wh" / "pulse.duckdb"),
            "memory_limit": "1GB",
            "threads": 1,
            "postgres": {},
        }
    }
    return DuckDBWarehouse(Config(data=data, file=tmp_path / "p.yml", root=tmp_path))


def _loaded(tmp_path: Path, landing: Path, streams=STREAMS) -> dict[str, list[tuple[str, str]]]:
    wh = _warehouse(tmp_path)
    assert load_landing(wh, landing, []).quarantined == 0
    with wh.writer() as con:
        return {
            s: sorted(con.execute(f"select _source, _pk from raw.discord__{s}").fetchall()) for s in streams
        }


def _expected(world: World, sources: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """What a bot sees of each guild: listed members (not those who left), every channel, every thread, and
    the messages of the channels not hidden from it and of their threads."""
    members, channels = world["discord_members"], world["discord_channels"]
    threads, msgs = world["discord_threads"], world["discord_messages"]
    readable = set(channels.loc[~channels["private"], "channel_id"]) | set(threads["thread_id"])
    out: dict[str, list] = {s: [] for s in STREAMS}
    for name, gid in sources.items():
        here = members[(members["guild_id"] == gid) & members["left_at"].isna()]
        out["members"] += [(name, u) for u in here["user_id"]]
        out["channels"] += [(name, c) for c in channels.loc[channels["guild_id"] == gid, "channel_id"]]
        out["threads"] += [(name, t) for t in threads.loc[threads["guild_id"] == gid, "thread_id"]]
        mine = msgs[(msgs["guild_id"] == gid) & msgs["channel_id"].isin(readable)]
        out["messages"] += [(name, m) for m in mine["message_id"]]
    return {k: sorted(v) for k, v in out.items()}


@pytest.mark.parametrize("faults", [None, FAULTS], ids=["clean", "faults"])
def test_both_guilds_land_and_load_exactly_once(tmp_path, world, faults):
    landing, state = tmp_path / "landing", tmp_path / "state"
    sources = {"dc_cn": _guild(world, "brand_cn"), "dc_en": _guild(world, "brand_global")}
    with server(world, faults=faults) as srv:
        results = []
        for name, gid in sources.items():
            results += ingest_source(source(srv.url, gid, name), landing, state)
        stats = srv.stats_snapshot()
    expected = _expected(world, sources)
    assert _loaded(tmp_path, landing) == expected
    assert sum(r.records for r in results if r.stream == "messages") == len(expected["messages"])
    assert all(r.records > 0 for r in results)
    if faults:
        assert sum(stats["faults"].values()) > 0 and set(stats["by_status"]) - {"200"}, stats
    msgs = world["discord_messages"]
    newest = msgs.loc[msgs["guild_id"] == sources["dc_en"], "created_at"].max()
    assert parse_ts(results[-1].cursor) == newest.tz_localize("UTC")


def test_incremental_run_lands_only_the_lookback(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    gid = _guild(world, "brand_cn")
    with server(world) as srv:
        first = ingest_source(source(srv.url, gid, streams=["messages", "threads"]), landing, state)
        second = ingest_source(source(srv.url, gid, streams=["messages", "threads"]), landing, state)
    expected = _expected(world, {"dc": gid})
    msgs = world["discord_messages"].set_index("message_id").loc[[m for _, m in expected["messages"]]]
    since = msgs["created_at"].max() - dt.timedelta(days=2)
    assert second[0].records == int((msgs["created_at"] >= since).sum()) < first[0].records
    threads = world["discord_threads"]
    threads = threads[threads["guild_id"] == gid]
    t_since = threads["archive_at"].max() - dt.timedelta(days=2)
    assert second[1].records == int((~threads["archived"] | (threads["archive_at"] >= t_since)).sum())
    assert _loaded(tmp_path, landing, ["messages", "threads"]) == {
        k: expected[k] for k in ("messages", "threads")
    }  # the re-fetched versions add no raw rows


def test_before_paging_never_skips_a_message_of_the_same_millisecond(tmp_path, world):
    """Ten messages in one millisecond have consecutive snowflakes; `before=` excludes its boundary, so pages
    of three must ask for the smallest id itself, not id-1."""
    gid = _guild(world, "brand_global")
    channels = world["discord_channels"]
    general = str(
        channels.loc[(channels["guild_id"] == gid) & (channels["name"] == "general"), "channel_id"].iloc[0]
    )
    author = str(world["discord_members"].loc[world["discord_members"]["guild_id"] == gid, "user_id"].iloc[0])
    at = pd.Timestamp(world.meta["window_start_utc"]) + pd.Timedelta(days=3)
    ms = int(at.value // 1_000_000) - 1_420_070_400_000
    ids = [str((ms << 22) + 4096 + i) for i in range(10)]
    n = len(ids)
    msgs = pd.DataFrame(
        {
            "message_id": pd.Series(ids, dtype="str"),
            "channel_id": pd.Series([general] * n, dtype="str"),
            "guild_id": pd.Series([gid] * n, dtype="str"),
            "author_id": pd.Series([author] * n, dtype="str"),
            "type": np.zeros(n, dtype=np.int8),
            "content": pd.Series([f"burst {i}" for i in range(n)], dtype="str"),
            "created_at": pd.Series([at] * n).astype("datetime64[us]"),
            "edited_at": pd.Series([pd.NaT] * n, dtype="datetime64[us]"),
            "referenced_message_id": pd.Series([None] * n, dtype="str"),
            "pinned": np.zeros(n, dtype=bool),
            "reactions": pd.Series([None] * n, dtype="str"),
        }
    )
    empty_threads = world["discord_threads"].iloc[:0]
    burst = World({**world.tables, "discord_messages": msgs, "discord_threads": empty_threads}, world.meta)
    with server(burst) as srv:
        s = source(
            srv.url,
            gid,
            streams=["messages"],
            page_size=3,
            options={"guild_id": gid, "channel_ids": [general]},
        )
        (res,) = ingest_source(s, tmp_path / "landing", tmp_path / "s")
    assert res.records == n and res.pages == 4  # three full pages, then one of one: the oldest, so no more
    assert _loaded(tmp_path, tmp_path / "landing", ["messages"])["messages"] == sorted(("dc", i) for i in ids)


def test_hidden_channels_are_skipped_unless_asked_for(tmp_path, world):
    gid = _guild(world, "brand_cn")
    channels = world["discord_channels"]
    private = str(channels.loc[(channels["guild_id"] == gid) & channels["private"], "channel_id"].iloc[0])
    with server(world) as srv:
        (res,) = ingest_source(source(srv.url, gid, streams=["messages"]), tmp_path / "l1", tmp_path / "s1")
        asked = source(
            srv.url, gid, streams=["messages"], options={"guild_id": gid, "channel_ids": [private]}
        )
        with pytest.raises(SourceRequestError) as err:
            ingest_source(asked, tmp_path / "l2", tmp_path / "s2")
    msgs = world["discord_messages"]
    assert (msgs["channel_id"] == private).any()
    assert res.records == len(_expected(world, {"dc": gid})["messages"])
    assert "403" in str(err.value) and "50001" in str(err.value) and TOKEN not in str(err.value)


def test_rate_limits_are_waited_out_by_the_precise_retry_after(tmp_path, world):
    """Buckets of 5 requests per 0.25 s (rate_scale 4): each 429 says Retry-After: 1 but retry_after <= 0.25 in the
    body; the connector waits the body's value, so the run takes far less than a second per 429."""
    gid = _guild(world, "brand_cn")
    with server(world, rate_limits=True, rate_scale=4) as srv:
        started = time.perf_counter()
        results = ingest_source(source(srv.url, gid, page_size=10), tmp_path / "landing", tmp_path / "s")
        seconds = time.perf_counter() - started
        stats = srv.stats_snapshot()
    n429 = stats["by_status"].get("429", 0)
    assert n429 >= 3, stats
    assert seconds < n429 * 1.0
    expected = _expected(world, {"dc": gid})
    assert [r.records for r in results] == [len(expected[s]) for s in STREAMS]


def test_bot_token_never_reaches_landing_or_errors(tmp_path, world):
    landing = tmp_path / "landing"
    gid = _guild(world, "brand_global")
    with server(world) as srv:
        ingest_source(source(srv.url, gid), landing, tmp_path / "s")
        bad = source(srv.url, gid, name="dc_bad")
        bad["credentials"]["bot_token"] = "wrong-token-31f0"
        with pytest.raises(SourceRequestError) as err:
            ingest_source(bad, landing, tmp_path / "s")
    assert "401" in str(err.value)
    for secret in (TOKEN, "wrong-token-31f0"):
        assert secret not in str(err.value)
        for f in landing.rglob("*"):
            if f.is_file():
                data = gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
                assert secret.encode() not in data, f


def test_options_are_validated():
    from pulse.schema import ConfigError

    ok = DISCORD.options.clean({"guild_id": "1171841561396516294"}, "o", {})
    assert ok == {"guild_id": "1171841561396516294", "channel_ids": []}
    for bad in ({}, {"guild_id": "lumo"}, {"guild_id": "1171841561396516294", "channel_ids": ["general"]}):
        with pytest.raises(ConfigError):
            DISCORD.options.clean(bad, "sources[0].options", {})


def test_a_short_page_ends_its_walk(tmp_path, world):
    """Discord returns fewer messages than asked only at a channel's oldest: the walk stops there instead of
    asking once more for an empty page (at L that second request was made for every one of 400,000 threads, and
    Discord allows 50 requests a second)."""
    landing, state = tmp_path / "landing", tmp_path / "state"
    with server(world) as srv:
        ingest_source(source(srv.url, _guild(world, "brand_cn"), streams=["messages"]), landing, state)
    (meta,) = landing.glob("dc/messages/*/_batch.json")
    walks: dict[str, list[int]] = {}
    for page in json.loads(meta.read_text())["pages"]:
        if "/messages" in page["path"]:
            walks.setdefault(page["path"].split("/channels/")[1].split("/")[0], []).append(page["records"])
    assert len(walks) > 10 and any(len(pages) > 1 for pages in walks.values())
    for channel, pages in walks.items():
        assert all(n == 100 for n in pages[:-1]) and pages[-1] < 100, (channel, pages)
