"""Discourse's `topic_posts` and `group_members` streams against the real sandbox server: every post of every public
topic and every group membership lands and loads exactly once, also with injected faults; a re-run of
`topic_posts` lands only the topics bumped within the lookback."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ingestion.load import load_landing
from ingestion.runner import ingest_source
from pulse.config import Config
from pulse.sandbox.platforms.discourse import AUTO_GROUPS, CUSTOM_GROUP
from pulse.sandbox.tables import World
from pulse.testing.tiny_world import CREDENTIALS, make_tiny_world, running_server
from pulse.warehouse import DuckDBWarehouse

STREAMS = ["topic_posts", "group_members"]
FAULTS = (
    "429=0.03,500=0.02,503=0.01,slow=0.01,truncate=0.02,truncate_close=0.01,reset=0.01,"
    "seed=11,slow_seconds=1.5,retry_after=0.01..0.05"
)


def source(url: str, **extra) -> dict:
    return {
        "name": "forum",
        "type": "discourse",
        "base_url": f"{url}/discourse",
        "credentials": dict(CREDENTIALS["discourse"]),
        "streams": STREAMS,
        "start_date": dt.date(2024, 1, 1),
        "lookback": dt.timedelta(days=2),
        "page_size": 50,  # group members 50 a page: several pages for the big groups
        "timeout_seconds": 1.0,
        "max_retries": 10,
        "requests_per_second": 1000.0,
        **extra,
    }


@pytest.fixture(scope="module")
def world():
    # 70 topics: page 2 of /latest.json, pinned topics, a private message, a 45-post topic (three chunks).
    return make_tiny_world(seed=3, users=260, topics=70)


def public_posts(world):
    topics = world["discourse_topics"]
    public = topics.loc[topics["archetype"] != "private_message", "topic_id"]
    posts = world["discourse_posts"]
    return posts[posts["topic_id"].isin(public)]


def memberships(world) -> dict[str, bool]:
    """group_user -> owner, from the users table by Discourse's rules: human users (id > 0) only, trust level
    groups nested, the custom group is staff and trust level 4 with the admins its owners."""
    u = world["discourse_users"]
    u = u[u["user_id"] > 0]
    staff = u["admin"] | u["moderator"]
    masks = {
        AUTO_GROUPS["admins"]: u["admin"],
        AUTO_GROUPS["moderators"]: u["moderator"],
        AUTO_GROUPS["staff"]: staff,
        **{AUTO_GROUPS[f"trust_level_{n}"]: u["trust_level"] >= n for n in range(5)},
        CUSTOM_GROUP[1]: staff | (u["trust_level"] >= 4),
    }
    out = {}
    for gid, mask in masks.items():
        for uid, admin in zip(u.loc[mask, "user_id"], u.loc[mask, "admin"], strict=True):
            out[f"{gid}:{uid}"] = bool(admin) and gid == CUSTOM_GROUP[1]
    return out


def load(tmp_path, landing, streams=STREAMS) -> dict[str, list[dict]]:
    """Load the landing into a fresh DuckDB warehouse; each stream's raw records, with their `_pk`s."""
    data = {
        "warehouse": {
            "type": "duckdb",
            "path": str(tmp_path / "wh" / "pulse.duckdb"),
            "memory_limit": "1GB",
            "threads": 1,
            "postgres": {},
        }
    }
    wh = DuckDBWarehouse(Config(data=data, file=tmp_path / "p.yml", root=tmp_path))
    report = load_landing(wh, landing, [])
    assert report.quarantined == 0
    out = {}
    with wh.writer() as con:
        for stream in streams:
            rows = con.execute(f"select _pk, _record from raw.discourse__{stream}").fetchall()
            out[stream] = [{"_pk": pk, **json.loads(record)} for pk, record in rows]
    return out


def pks(rows: list[dict]) -> list[str]:
    return sorted(r["_pk"] for r in rows)


@pytest.fixture(scope="module")
def landed(world, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("discourse_streams")
    with running_server(world, rate_limits=False) as server:
        results = ingest_source(source(server.url), tmp / "landing", tmp / "state")
    return results, load(tmp, tmp / "landing")


def test_every_post_of_every_public_topic_lands_once(world, landed):
    results, tables = landed
    expected = sorted(str(i) for i in public_posts(world)["post_id"])
    assert pks(tables["topic_posts"]) == expected
    assert results[0].records == len(expected)  # each post sent once: no duplicates for the runner to drop


def test_topic_posts_carry_the_topic_view(world, landed):
    _, tables = landed
    posts = public_posts(world).set_index("post_id")
    accepted = set(world["discourse_topics"]["accepted_answer_post_id"].dropna().astype(int))
    for r in tables["topic_posts"]:
        row = posts.loc[r["id"]]
        assert (r["topic_id"], r["post_number"]) == (row["topic_id"], row["post_number"])
        expected_reply = None if row.isna()["reply_to_post_number"] else row["reply_to_post_number"]
        assert r["reply_to_post_number"] == expected_reply
        assert r["accepted_answer"] is (r["id"] in accepted)
        assert r["raw"] == row["raw"]  # asked for with include_raw
        assert (r["deleted_at"] is not None) == (not row.isna()["deleted_at"])
    assert any(r["accepted_answer"] for r in tables["topic_posts"])
    assert any(r["reply_to_post_number"] for r in tables["topic_posts"])


def test_every_group_membership_lands_once(world, landed):
    results, tables = landed
    expected = memberships(world)
    assert pks(tables["group_members"]) == sorted(expected)
    assert results[1].records == len(expected)
    users = world["discourse_users"].set_index("user_id")
    names = {gid: name for name, gid in AUTO_GROUPS.items()} | {CUSTOM_GROUP[1]: CUSTOM_GROUP[0]}
    for r in tables["group_members"]:
        assert r["group_user"] == f"{r['group']['id']}:{r['id']}"
        assert r["group"]["name"] == names[r["group"]["id"]]
        assert r["group"]["automatic"] is (r["group"]["id"] != CUSTOM_GROUP[1])
        assert r["owner"] is expected[r["group_user"]]
        assert r["username"] == users.loc[r["id"], "username"]


def test_with_faults_everything_still_lands_once(tmp_path, world):
    with running_server(world, rate_limits=False, faults=FAULTS) as server:
        ingest_source(source(server.url), tmp_path / "landing", tmp_path / "state")
        stats = server.stats_snapshot()
    assert sum(stats["faults"].values()) >= 3, stats  # the faults really happened, and were retried through
    tables = load(tmp_path, tmp_path / "landing")
    assert pks(tables["topic_posts"]) == sorted(str(i) for i in public_posts(world)["post_id"])
    assert pks(tables["group_members"]) == sorted(memberships(world))


def test_incremental_rerun_lands_only_the_lookback(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    with running_server(world, rate_limits=False) as server:
        first = ingest_source(source(server.url), landing, state)
        second = ingest_source(source(server.url), landing, state)
    posts = public_posts(world)
    newest = posts["created_at"].max()  # the cursor: the newest post seen
    topics = world["discourse_topics"]
    bumped = topics.loc[topics["bumped_at"] >= newest - dt.timedelta(days=2), "topic_id"]
    in_lookback = posts["topic_id"].isin(bumped).sum()
    assert first[0].records == len(posts)
    assert 0 < second[0].records == in_lookback < first[0].records
    assert second[0].pages < first[0].pages / 5
    assert second[0].cursor == first[0].cursor
    assert second[1].records == first[1].records == len(memberships(world))  # no cursor: whole every run
    tables = load(tmp_path, landing)  # the re-fetched versions are identical: no new raw rows
    assert len(tables["topic_posts"]) == len(posts)
    assert len(tables["group_members"]) == len(memberships(world))


def test_owners_filling_the_first_page_do_not_end_the_group(tmp_path, world):
    """Seven admins own the custom group; with 5 members a page its first page lists owners only, all already
    sent from `owners`: the walk must go on to the other members."""
    users = world["discourse_users"].copy()
    users.loc[users.index[:7], "admin"] = True
    bigger = World(tables={**world.tables, "discourse_users": users}, meta=world.meta)
    with running_server(bigger, rate_limits=False) as server:
        s = source(server.url, streams=["group_members"], page_size=5)
        (result,) = ingest_source(s, tmp_path / "landing", tmp_path / "state")
    tables = load(tmp_path, tmp_path / "landing", ["group_members"])
    expected = memberships(bigger)
    assert sum(expected.values()) == 7
    assert pks(tables["group_members"]) == sorted(expected) and result.records == len(expected)
    assert {r["group_user"] for r in tables["group_members"] if r["owner"]} == {
        k for k, owner in expected.items() if owner
    }
