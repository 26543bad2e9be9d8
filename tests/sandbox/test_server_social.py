"""Reddit and Discord in the sandbox: the world extension (pulse.sandbox.worlds.social) and the two API emulators,
driven request by request (fake clocks for the rate limits)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import numpy as np
import pandas as pd
import pytest
from requests.structures import CaseInsensitiveDict

from pulse.sandbox.platforms import Request
from pulse.sandbox.platforms.discord import DiscordPlatform, _Buckets
from pulse.sandbox.platforms.reddit import LISTING_CAP, RedditPlatform, _Window
from pulse.sandbox.tables import World
from pulse.sandbox.world import generate_world
from pulse.sandbox.worlds import social

CLIENT, SECRET, BOT = "cid", "csecret", "bot-token"
DISCORD_EPOCH_MS = 1_420_070_400_000


@pytest.fixture(scope="module")
def world():
    return generate_world(7, 500, 4)


@pytest.fixture(scope="module")
def reddit(world):
    return RedditPlatform(world.tables, CLIENT, SECRET, rate_limits=False)


@pytest.fixture(scope="module")
def discord(world):
    return DiscordPlatform(world.tables, BOT, rate_limits=False)


def call(platform, path, query=None, headers=None, method="GET", body=b""):
    q = {k: [str(v)] for k, v in (query or {}).items()}
    req = Request(method, path, q, CaseInsensitiveDict(headers or {}), "127.0.0.1", f"/{platform.name}", body)
    resp = platform.handle(req)
    data = json.loads(resp.body) if resp.content_type.startswith("application/json") else resp.body
    return resp.status, data, CaseInsensitiveDict(dict(resp.headers))


def basic(user=CLIENT, password=SECRET):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def token(platform) -> dict:
    status, data, _ = call(
        platform,
        "/api/v1/access_token",
        headers={"Authorization": basic()},
        method="POST",
        body=b"grant_type=client_credentials",
    )
    assert status == 200, data
    return {"Authorization": f"bearer {data['access_token']}", "User-Agent": "test:pulse:1.0 (by tests)"}


BOT_AUTH = {"Authorization": f"Bot {BOT}"}


# --------------------------------------------------------------------------------------------------- world


def test_social_tables_are_deterministic_and_fast(world):
    again = generate_world(7, 500, 4)
    for name in social.TABLES:
        pd.testing.assert_frame_equal(world[name], again[name], check_exact=True, obj=name)
    other = generate_world(8, 500, 4)
    assert not world["discord_messages"]["content"].equals(other["discord_messages"]["content"])
    big = generate_world(1, 5000, 12)
    core = {k: v for k, v in big.tables.items() if k not in social.TABLES}
    meta = {k: big.meta[k] for k in ("seed", "window_start_utc", "window_end_utc")}
    started = time.perf_counter()
    out = social.extend(World(core, meta), 1)
    assert time.perf_counter() - started < 1.0
    assert len(out["discord_messages"]) > 10_000 and len(out["reddit_comments"]) > LISTING_CAP


def test_ids_are_realistic_and_follow_time(world):
    msgs = world["discord_messages"]
    ids = msgs["message_id"].astype(object).map(int).to_numpy()
    ms = msgs["created_at"].to_numpy().astype("datetime64[ms]").astype(np.int64)
    assert ((ids >> 22) + DISCORD_EPOCH_MS == ms).all()  # snowflakes encode the creation time
    assert len(set(ids)) == len(ids)
    users = world["discord_members"]["user_id"].astype(object).map(int)
    joined = world["discord_members"]["joined_at"].to_numpy().astype("datetime64[ms]").astype(np.int64)
    assert ((users.to_numpy() >> 22) + DISCORD_EPOCH_MS < joined).all()  # accounts exist before they join
    subs = world["reddit_submissions"].sort_values("created_at")
    nums = subs["submission_id"].astype(object).map(lambda s: int(s, 36)).to_numpy()
    assert (np.diff(nums) > 0).all()
    com = world["reddit_comments"]
    assert com["parent_id"].astype(object).str.match(r"^t[13]_[0-9a-z]+$").all()
    start, end = pd.Timestamp(world.meta["window_start_utc"]), pd.Timestamp(world.meta["window_end_utc"])
    for name in ("reddit_submissions", "reddit_comments", "discord_messages"):
        assert world[name]["created_at"].between(start, end, inclusive="left").all(), name


def test_accounts_map_to_people_with_forum_names_sometimes(world):
    acc = world["truth_accounts"]
    persons = world["persons"].set_index("person_id")
    for platform in ("reddit", "discord"):
        rows = acc[acc["platform"] == platform]
        assert len(rows) and rows["person_id"].isin(persons.index).all()
        assert not rows["account_id"].duplicated().any()
    forum = acc[acc["platform"] == "discourse"].merge(
        world["discourse_users"].assign(account_id=lambda d: d["user_id"].astype(str)), on="account_id"
    )
    by_person = dict(zip(forum["person_id"], forum["username"].astype(object), strict=True))
    members = world["discord_members"]
    dc = acc[acc["platform"] == "discord"].merge(
        members.drop_duplicates("user_id"), left_on="account_id", right_on="user_id"
    )
    same = [
        by_person.get(p) == u for p, u in zip(dc["person_id"], dc["username"].astype(object), strict=True)
    ]
    assert 0.1 < np.mean(same) < 0.9  # some keep their forum name, many do not
    rd = acc[acc["platform"] == "reddit"]
    assert persons.loc[rd["person_id"], "home_community"].eq("brand_global").mean() > 0.7
    assert members["bot"].sum() == 4 and "AutoModerator" in set(world["reddit_comments"]["author"])
    assert world["reddit_users"]["username"].astype(object).str.fullmatch(r"[A-Za-z0-9_-]{3,20}").all()
    assert members["username"].astype(object).str.fullmatch(r"[a-z0-9_.\-]{2,32}").all()


def test_language_staff_and_heavy_tail(world):
    msgs = world["discord_messages"]
    guilds = world["discord_guilds"].set_index("guild_id")
    cn = msgs["guild_id"] == guilds.index[guilds["community"] == "brand_cn"][0]
    people_text = msgs[msgs["type"] == 0]["content"].astype(object)
    has_han = people_text.str.contains(r"[\u4e00-\u9fff]")
    assert has_han[cn[msgs["type"] == 0]].mean() > 0.8 and has_han[~cn[msgs["type"] == 0]].mean() < 0.05
    per_author = msgs.groupby("author_id").size().sort_values(ascending=False)
    assert per_author.iloc[: max(1, len(per_author) // 10)].sum() > 0.4 * len(msgs)  # a few write most
    assert (msgs["type"] == 7).any() and (msgs["type"] == 19).any() and msgs["reactions"].notna().any()
    threads = world["discord_threads"]
    assert set(threads["thread_id"]) <= set(msgs["message_id"])  # a thread's id is its starter's
    assert msgs["channel_id"].isin(threads["thread_id"]).any()
    assert (world["reddit_comments"]["state"] != "active").any()
    assert (world["reddit_comments"]["distinguished"] == "moderator").any()


def test_campaigns_lift_activity(world):
    """Exposed people write more during their campaigns than the held-out ones (per person and hour)."""
    big = generate_world(2, 3000, 8)
    msgs = big["discord_messages"]
    acc = big["truth_accounts"]
    person = msgs.merge(acc[acc["platform"] == "discord"], left_on="author_id", right_on="account_id")
    from pulse.sandbox.world import campaign_exposure

    exp = campaign_exposure(big)
    ratios = []
    for c in big["campaigns"].itertuples():
        e = exp[exp["campaign_id"] == c.campaign_id].set_index("person_id")["exposed"]
        inside = person[(person["created_at"] >= c.start_at) & (person["created_at"] < c.end_at)]
        outside = person[(person["created_at"] < c.start_at) | (person["created_at"] >= c.end_at)]
        ins = inside["person_id"].map(e).dropna()
        outs = outside["person_id"].map(e).dropna()
        if ins.sum() > 20 and (~ins.astype(bool)).sum() > 0 and outs.any():
            # share of exposed people's messages is higher inside the campaign than outside it
            ratios.append(ins.mean() / outs.mean())
    assert ratios and np.mean(ratios) > 1.0


# --------------------------------------------------------------------------------------------------- reddit


def test_reddit_token_flow(reddit):
    status, data, _ = call(
        reddit, "/api/v1/access_token", headers={"Authorization": basic(password="x")}, method="POST"
    )
    assert (status, data) == (401, {"message": "Unauthorized", "error": 401})
    status, data, _ = call(
        reddit,
        "/api/v1/access_token",
        headers={"Authorization": basic()},
        method="POST",
        body=b"grant_type=password",
    )
    assert (status, data) == (200, {"error": "unsupported_grant_type"})  # an error in a 200
    h = token(reddit)
    status, data, _ = call(reddit, "/r/LumoTea/new", headers=h)
    assert status == 200 and data["kind"] == "Listing"
    status, data, headers = call(
        reddit, "/r/LumoTea/new", headers={"Authorization": "bearer nope", "User-Agent": "x"}
    )
    assert status == 401 and data["error"] == 401 and "invalid_token" in headers["www-authenticate"]
    status, _, _ = call(reddit, "/r/LumoTea/new", headers={**h, "User-Agent": "python-requests/2.32"})
    assert status == 429  # Reddit throttles generic user agents


def test_reddit_listing_shapes(reddit, world):
    h = token(reddit)
    status, data, _ = call(reddit, "/r/lumotea/comments.json", {"limit": 500, "raw_json": 1}, h)
    children = data["data"]["children"]
    n = int((world["reddit_comments"]["subreddit"] == "LumoTea").sum())
    assert len(children) == min(n, 100)  # limit caps at 100 whatever is asked
    assert all(c["kind"] == "t1" and c["data"]["replies"] == "" for c in children)
    created = [c["data"]["created_utc"] for c in children]
    assert created == sorted(created, reverse=True) and isinstance(created[0], float)
    for c in children:
        d = c["data"]
        assert d["name"] == f"t1_{d['id']}" and d["link_id"].startswith("t3_") and d["subreddit"] == "LumoTea"
        assert d["edited"] is False or isinstance(d["edited"], float)
        if d["author"] == "[deleted]":
            assert d["body"] in ("[deleted]", "[removed]") and "author_fullname" not in d
        else:
            assert d["author_fullname"].startswith("t2_")
    status, data, _ = call(reddit, "/r/LumoTeaDeals/new", {"limit": 5, "raw_json": 1}, h)
    subs = [c["data"] for c in data["data"]["children"]]
    assert all(s["name"].startswith("t3_") and s["link_flair_text"] == "Deal" for s in subs)
    assert call(reddit, "/r/NoSuchSub/new", {}, h)[:2] == (404, {"message": "Not Found", "error": 404})


def test_reddit_raw_json_and_deleted_items(world):
    t = world["reddit_comments"].iloc[:3].copy()
    t["body"] = ["Tips & <tricks>", "gone", "hidden"]
    t["state"] = ["active", "deleted", "removed"]
    t["subreddit"] = t["subreddit"].iloc[0]
    t["edited_at"] = [t["created_at"].iloc[0] + pd.Timedelta(seconds=90), pd.NaT, pd.NaT]
    tables = {**world.tables, "reddit_comments": t}
    platform = RedditPlatform(tables, CLIENT, SECRET, rate_limits=False)
    h = token(platform)
    sub = t["subreddit"].iloc[0]
    legacy = [c["data"] for c in call(platform, f"/r/{sub}/comments", {}, h)[1]["data"]["children"]]
    raw = [c["data"] for c in call(platform, f"/r/{sub}/comments", {"raw_json": 1}, h)[1]["data"]["children"]]
    by_id = {d["id"]: d for d in raw}
    first = by_id[t["comment_id"].iloc[0]]
    assert first["body"] == "Tips & <tricks>" and isinstance(first["edited"], float)
    assert first["edited"] - first["created_utc"] == 90.0
    assert {d["id"]: d for d in legacy}[first["id"]]["body"] == "Tips &amp; &lt;tricks&gt;"
    assert (by_id[t["comment_id"].iloc[1]]["author"], by_id[t["comment_id"].iloc[1]]["body"]) == (
        "[deleted]",
        "[deleted]",
    )
    assert by_id[t["comment_id"].iloc[2]]["body"] == "[removed]"


def _many_comments(world, n: int) -> pd.DataFrame:
    base = world["reddit_comments"].iloc[0]
    start = pd.Timestamp("2025-12-01")
    return pd.DataFrame(
        {
            "comment_id": pd.Series([np.base_repr(36**6 + i, 36).lower() for i in range(n)], dtype="str"),
            "submission_id": pd.Series([base["submission_id"]] * n, dtype="str"),
            "parent_id": pd.Series([f"t3_{base['submission_id']}"] * n, dtype="str"),
            "subreddit": pd.Series(["LumoTea"] * n, dtype="str"),
            "author": pd.Series(["someone"] * n, dtype="str"),
            "body": pd.Series([f"comment {i}" for i in range(n)], dtype="str"),
            "created_at": (start + pd.to_timedelta(np.arange(n) * 60, unit="s")).astype("datetime64[us]"),
            "edited_at": pd.Series([pd.NaT] * n, dtype="datetime64[us]"),
            "score": np.ones(n, dtype=np.int32),
            "stickied": np.zeros(n, dtype=bool),
            "distinguished": pd.Series([None] * n, dtype="str"),
            "state": pd.Series(["active"] * n, dtype="str"),
        }
    )


def test_reddit_listing_stops_at_1000_items(world):
    platform = RedditPlatform(
        {**world.tables, "reddit_comments": _many_comments(world, 1234)}, CLIENT, SECRET, False
    )
    h = token(platform)
    names, after, pages = [], None, 0
    while True:
        q = {"limit": 100, **({"after": after} if after else {})}
        data = call(platform, "/r/LumoTea/comments", q, h)[1]["data"]
        names += [c["data"]["name"] for c in data["children"]]
        pages += 1
        after = data["after"]
        if after is None:
            break
    assert len(names) == LISTING_CAP == len(set(names)) and pages == 10
    assert names[-1] == f"t1_{np.base_repr(36**6 + 1234 - LISTING_CAP, 36).lower()}"  # the 1,000th newest
    # `before` pages back towards newer items; an unknown fullname gives an empty listing
    data = call(platform, "/r/LumoTea/comments", {"limit": 3, "before": names[10]}, h)[1]["data"]
    assert [c["data"]["name"] for c in data["children"]] == names[7:10]
    assert call(platform, "/r/LumoTea/comments", {"after": "t1_zzzzzzz"}, h)[1]["data"]["children"] == []


def test_reddit_rate_limit_window_and_headers(world):
    platform = RedditPlatform(world.tables, CLIENT, SECRET, rate_limits=True, rate_scale=10)
    now = [1000.0]
    platform.window = _Window(60.0, 600, clock=lambda: now[0])
    h = token(platform)
    status, _, headers = call(platform, "/r/LumoTea/new", {}, h)
    assert (
        status == 200 and headers["x-ratelimit-remaining"] == "599.0" and headers["x-ratelimit-used"] == "1"
    )
    assert headers["x-ratelimit-reset"] == "20"  # seconds to the end of the (aligned) window
    for _ in range(599):
        call(platform, "/r/LumoTea/new", {}, h)
    status, data, headers = call(platform, "/r/LumoTea/new", {}, h)
    assert (status, data) == (429, {"message": "Too Many Requests", "error": 429})
    assert headers["x-ratelimit-remaining"] == "0.0" and "Retry-After" not in headers
    now[0] = 1020.0
    assert call(platform, "/r/LumoTea/new", {}, h)[0] == 200
    status, data, headers = (
        platform.fault_response(429, 0.3).status,
        None,
        dict(platform.fault_response(429, 0.3).headers),
    )
    assert status == 429 and headers["x-ratelimit-reset"] == "1"


# --------------------------------------------------------------------------------------------------- discord


def _guild(world, community="brand_cn") -> str:
    g = world["discord_guilds"]
    return str(g.loc[g["community"] == community, "guild_id"].iloc[0])


def test_discord_auth_and_errors(discord, world):
    gid = _guild(world)
    assert call(discord, f"/api/v10/guilds/{gid}/channels")[:2] == (
        401,
        {"message": "401: Unauthorized", "code": 0},
    )
    assert call(discord, "/api/v10/guilds/123456789012345678/channels", headers=BOT_AUTH)[1]["code"] == 10004
    assert (
        call(discord, "/api/v10/channels/123456789012345678/messages", headers=BOT_AUTH)[1]["code"] == 10003
    )
    status, data, _ = call(discord, f"/api/v10/guilds/{gid}/members", {"limit": 1001}, BOT_AUTH)
    assert status == 400 and data["code"] == 50035 and "limit" in data["errors"]
    channels = call(discord, f"/api/v9/guilds/{gid}/channels", headers=BOT_AUTH)[1]
    private = [c for c in channels if c["permission_overwrites"]]
    assert len(private) == 1
    deny = private[0]["permission_overwrites"][0]
    assert deny["id"] == gid and int(deny["deny"]) & 1024
    assert call(discord, f"/api/v10/channels/{private[0]['id']}/messages", headers=BOT_AUTH)[:2] == (
        403,
        {"message": "Missing Access", "code": 50001},
    )


def test_discord_members_page_by_after_and_hide_who_left(discord, world):
    gid = _guild(world)
    ids, after = [], 0
    while True:
        page = call(discord, f"/api/v10/guilds/{gid}/members", {"limit": 40, "after": after}, BOT_AUTH)[1]
        if not page:
            break
        ids += [int(m["user"]["id"]) for m in page]
        after = max(int(m["user"]["id"]) for m in page)
    members = world["discord_members"]
    here = members[(members["guild_id"] == gid) & members["left_at"].isna()]
    assert ids == sorted(int(u) for u in here["user_id"])
    assert (
        len(call(discord, f"/api/v10/guilds/{gid}/members", headers=BOT_AUTH)[1]) == 1
    )  # limit defaults to 1
    page = call(discord, f"/api/v10/guilds/{gid}/members", {"limit": 1000}, BOT_AUTH)[1]
    bots = [m["user"] for m in page if m["user"].get("bot")]
    assert len(bots) == 2 and all(b["discriminator"] != "0" for b in bots)
    assert all(isinstance(m["user"]["id"], str) and m["joined_at"].endswith("+00:00") for m in page)


def test_discord_messages_before_is_exclusive_and_newest_first(discord, world):
    gid = _guild(world, "brand_global")
    channels = call(discord, f"/api/v10/guilds/{gid}/channels", headers=BOT_AUTH)[1]
    general = next(c for c in channels if c["name"] == "general")
    msgs = world["discord_messages"]
    expected = sorted(
        (int(m) for m in msgs.loc[msgs["channel_id"] == general["id"], "message_id"]), reverse=True
    )
    got, before = [], None
    while True:
        q = {"limit": 37, **({"before": before} if before else {})}
        page = call(discord, f"/api/v10/channels/{general['id']}/messages", q, BOT_AUTH)[1]
        if not page:
            break
        got += [int(m["id"]) for m in page]
        before = page[-1]["id"]
    assert got == expected  # no repeats: the boundary message is not on the next page
    assert general["last_message_id"] == str(expected[0])
    page = call(
        discord, f"/api/v10/channels/{general['id']}/messages", {"after": expected[-1], "limit": 3}, BOT_AUTH
    )[1]
    assert [int(m["id"]) for m in page] == expected[-4:-1]
    one = call(discord, f"/api/v10/channels/{general['id']}/messages", {"limit": 100}, BOT_AUTH)[1]
    replies = [m for m in one if m["type"] == 19]
    assert replies and all(
        m["referenced_message"]["id"] == m["message_reference"]["message_id"] for m in replies
    )
    reacted = [m for m in one + [r["referenced_message"] for r in replies] if "reactions" in m]
    for m in reacted:
        assert all(r["emoji"]["id"] is None and r["count"] >= 1 for r in m["reactions"])
    assert "guild_id" not in one[0] and one[0]["timestamp"].endswith("+00:00")


def test_discord_threads(discord, world):
    gid = _guild(world)
    threads = world["discord_threads"]
    mine = threads[threads["guild_id"] == gid]
    active = call(discord, f"/api/v10/guilds/{gid}/threads/active", headers=BOT_AUTH)[1]
    assert {t["id"] for t in active["threads"]} == set(mine.loc[~mine["archived"], "thread_id"])
    parent = mine.loc[mine["archived"], "parent_id"].value_counts().index[0]
    expected = mine[mine["archived"] & (mine["parent_id"] == parent)].sort_values(
        "archive_at", ascending=False
    )
    got, before = [], None
    while True:
        q = {"limit": 2, **({"before": before} if before else {})}
        page = call(discord, f"/api/v10/channels/{parent}/threads/archived/public", q, BOT_AUTH)[1]
        got += [t["id"] for t in page["threads"]]
        if not page["has_more"]:
            break
        before = page["threads"][-1]["thread_metadata"]["archive_timestamp"]
    assert got == list(expected["thread_id"])
    tid = got[0]
    starter = call(discord, f"/api/v10/channels/{parent}/messages", {"around": tid, "limit": 1}, BOT_AUTH)[1][
        0
    ]
    assert starter["id"] == tid and starter["thread"]["id"] == tid and starter["flags"] & 32
    inside = call(discord, f"/api/v10/channels/{tid}/messages", {"limit": 100}, BOT_AUTH)[1]
    assert len(inside) == int(expected.iloc[0]["message_count"]) and all(
        m["channel_id"] == tid for m in inside
    )


def test_discord_rate_limits(world):
    platform = DiscordPlatform(world.tables, BOT, rate_limits=True)
    now = [500.0]
    platform.buckets = _Buckets(1.0, clock=lambda: now[0])
    gid = _guild(world)
    for i in range(5):
        status, _, headers = call(platform, f"/api/v10/guilds/{gid}/channels", headers=BOT_AUTH)
        assert status == 200 and headers["X-RateLimit-Remaining"] == str(4 - i)
    assert float(headers["X-RateLimit-Reset"]) > time.time() > 1e9  # an epoch timestamp
    now[0] = 500.25
    status, data, headers = call(platform, f"/api/v10/guilds/{gid}/channels", headers=BOT_AUTH)
    assert status == 429 and data == {
        "message": "You are being rate limited.",
        "retry_after": 0.75,
        "global": False,
    }
    assert headers["Retry-After"] == "1" and headers["X-RateLimit-Scope"] == "user"
    assert headers["X-RateLimit-Reset-After"] == "0.750" and headers["X-RateLimit-Bucket"]
    other = _guild(world, "brand_global")  # another guild: another bucket
    assert call(platform, f"/api/v10/guilds/{other}/channels", headers=BOT_AUTH)[0] == 200
    for _ in range(43):
        call(platform, f"/api/v10/guilds/{other}/members", headers=BOT_AUTH)
    status, data, headers = call(platform, f"/api/v10/guilds/{other}/threads/active", headers=BOT_AUTH)
    assert status == 429 and data["global"] is True and headers["X-RateLimit-Global"] == "true"
    now[0] = 501.5
    assert call(platform, f"/api/v10/guilds/{gid}/channels", headers=BOT_AUTH)[0] == 200
    fault = platform.fault_response(429, 0.05)
    assert fault.status == 429 and json.loads(fault.body)["retry_after"] == 0.05


def test_world_timestamps_are_naive_utc(world):
    for name in social.TABLES:
        for col, dtype in world[name].dtypes.items():
            if "datetime" in str(dtype):
                assert str(dtype) == "datetime64[us]", (name, col)
    assert dt.datetime.fromisoformat(world.meta["window_end_utc"]) > dt.datetime(2025, 1, 1)
