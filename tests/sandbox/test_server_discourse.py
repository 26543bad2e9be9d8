"""The sandbox's Discourse: every endpoint paginated end to end against the tiny world, plus the quirks."""

from __future__ import annotations

import json
import re
import time

import pandas as pd
import pytest
import requests

from pulse.sandbox.ratelimit import SlidingWindowLimiter
from pulse.testing.paths import SAMPLES
from pulse.testing.tiny_world import (
    CREDENTIALS,
    DISCOURSE_KEY,
    DISCOURSE_USER,
    make_tiny_world,
    running_server,
)

ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
AUTH = {"Api-Key": DISCOURSE_KEY, "Api-Username": DISCOURSE_USER}


@pytest.fixture(scope="module")
def world():
    return make_tiny_world()


@pytest.fixture(scope="module")
def server(world):
    with running_server(world, rate_limits=False) as s:
        yield s


@pytest.fixture(scope="module")
def http():
    with requests.Session() as s:
        s.headers.update(AUTH)
        yield s


def get(http, server, path, **params):
    r = http.get(f"{server.url}/discourse{path}", params=params, timeout=10)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.json()


def public_post_ids(world) -> set[int]:
    topics = world["discourse_topics"]
    pm = set(topics.loc[topics["archetype"] == "private_message", "topic_id"])
    posts = world["discourse_posts"]
    return set(posts.loc[~posts["topic_id"].isin(pm), "post_id"].tolist())


def test_categories(http, server, world):
    cats = get(http, server, "/categories.json")["category_list"]["categories"]
    assert [c["id"] for c in cats] == world["discourse_categories"]["category_id"].tolist()
    assert cats[2]["name"] == "产品反馈"
    topics = world["discourse_topics"]
    assert cats[0]["topic_count"] == int((topics["category_id"] == 1).sum())


def test_latest_pages_through_every_listed_topic_once(http, server, world):
    topics = world["discourse_topics"]
    listed = topics[topics["archetype"] != "private_message"]
    seen, pages, page = [], [], 0
    while True:
        body = get(http, server, "/latest.json", page=page)
        tl = body["topic_list"]
        pages.append(tl["topics"])
        seen += [t["id"] for t in tl["topics"]]
        user_ids = {u["id"] for u in body["users"]}
        assert all(p["user_id"] in user_ids for t in tl["topics"] for p in t["posters"])
        if "more_topics_url" not in tl:
            break
        assert tl["more_topics_url"] == f"/discourse/latest.json?page={page + 1}"
        page += 1
    assert len(seen) == len(set(seen)) == len(listed)
    assert set(seen) == set(listed["topic_id"])
    assert [len(p) for p in pages] == [30, len(listed) - 30]
    # Pinned topics lead page 0, out of date order; the rest are bumped_at desc.
    pinned = set(listed.loc[listed["pinned"], "topic_id"])
    assert {t["id"] for t in pages[0][: len(pinned)]} == pinned
    rest = [t for t in pages[0][len(pinned) :] + pages[1]]
    bumped = [t["bumped_at"] for t in rest]
    assert bumped == sorted(bumped, reverse=True)
    assert all(ISO_MS_Z.match(t["created_at"]) for t in rest)
    # A topic with no last post time is sent with null, not dropped.
    assert any(t["last_posted_at"] is None for p in pages for t in p)
    # Past the end: an empty list, no more_topics_url.
    past = get(http, server, "/latest.json", page=page + 1)["topic_list"]
    assert past["topics"] == [] and "more_topics_url" not in past


def test_latest_order_created_ascending(http, server, world):
    ids, page = [], 0
    while True:
        tl = get(http, server, "/latest.json", order="created", ascending="true", page=page)["topic_list"]
        ids += [t["id"] for t in tl["topics"]]
        if "more_topics_url" not in tl:
            break
        assert "order=created" in tl["more_topics_url"] and "ascending=true" in tl["more_topics_url"]
        page += 1
    topics = world["discourse_topics"]
    listed = topics[topics["archetype"] != "private_message"].sort_values(["created_at", "topic_id"])
    assert ids == listed["topic_id"].tolist()


def test_posts_before_includes_the_boundary_post(http, server, world):
    expected = sorted(public_post_ids(world), reverse=True)
    first = get(http, server, "/posts.json")["latest_posts"]
    assert [p["id"] for p in first] == expected[:50]
    boundary = first[-1]["id"]
    second = get(http, server, "/posts.json", before=boundary)["latest_posts"]
    assert second[0]["id"] == boundary  # the real quirk: `before` is inclusive
    assert [p["id"] for p in second] == expected[49:99]


def test_posts_paginate_to_the_end(http, server, world):
    expected = public_post_ids(world)
    seen: list[int] = []
    before = None
    while True:
        params = {} if before is None else {"before": before}
        posts = get(http, server, "/posts.json", **params)["latest_posts"]
        ids = [p["id"] for p in posts]
        assert ids == sorted(ids, reverse=True)
        seen += ids
        if not posts or (before is not None and ids == [before]):
            break
        before = ids[-1]
    duplicates = len(seen) - len(set(seen))
    boundaries = -(-len(expected) // 49) - 1  # each page after the first repeats one post
    assert set(seen) == expected
    assert duplicates in (boundaries, boundaries + 1)


def test_posts_fields_follow_the_recording(http, server, world):
    posts = get(http, server, "/posts.json")["latest_posts"]
    p = posts[0]
    row = world["discourse_posts"].set_index("post_id").loc[p["id"]]
    assert p["raw"] == row["raw"]
    assert p["cooked"].startswith("<p>") and "&lt;b&gt;hello&lt;/b&gt; &amp; 你好" in p["cooked"]
    assert p["topic_id"] == row["topic_id"] and p["post_number"] == row["post_number"]
    assert p["user_id"] == row["user_id"] and p["username"] == f"user_{row['user_id']:03d}"
    assert ISO_MS_Z.match(p["created_at"]) and ISO_MS_Z.match(p["updated_at"])
    likes = [a for a in p["actions_summary"] if a["id"] == 2]
    assert (likes[0]["count"] if likes else 0) == row["like_count"]
    assert isinstance(p["staff"], bool) and isinstance(p["admin"], bool) and isinstance(p["moderator"], bool)
    # Deleted posts stay, with deleted_at set (the admin view).
    all_posts = []
    before = None
    while True:
        page = get(http, server, "/posts.json", **({} if before is None else {"before": before}))[
            "latest_posts"
        ]
        all_posts += page
        if len(page) <= 1:
            break
        before = page[-1]["id"]
    deleted = {p["id"] for p in all_posts if p["deleted_at"]}
    wp = world["discourse_posts"]
    assert deleted and deleted <= set(wp.loc[wp["deleted_at"].notna(), "post_id"])
    if (SAMPLES / "discourse" / "posts_latest.json").exists():
        sample = json.loads((SAMPLES / "discourse" / "posts_latest.json").read_text())["latest_posts"][0]
        assert set(sample) <= set(p), sorted(set(sample) - set(p))
        for key in ("id", "topic_id", "post_number", "user_id", "version"):
            assert type(p[key]) is type(sample[key])


def test_topic_first_chunk_and_the_rest(http, server, world):
    posts = world["discourse_posts"]
    mine = posts[posts["topic_id"] == 1004].sort_values("post_number")
    assert len(mine) > 40
    body = get(http, server, "/t/1004.json")
    stream = body["post_stream"]["stream"]
    assert stream == mine["post_id"].tolist()
    first = [p["id"] for p in body["post_stream"]["posts"]]
    assert first == stream[:20]
    rest: list[int] = []
    for i in range(20, len(stream), 20):
        chunk = stream[i : i + 20]
        r = http.get(
            f"{server.url}/discourse/t/1004/posts.json", params=[("post_ids[]", x) for x in chunk], timeout=10
        )
        assert r.status_code == 200
        assert r.json()["id"] == 1004
        rest += [p["id"] for p in r.json()["post_stream"]["posts"]]
    assert first + rest == stream
    # Also under the slug form of the path.
    assert get(http, server, "/t/some-slug/1004.json")["id"] == 1004


def test_every_topic_gives_every_post_by_id(http, server, world):
    """All of a topic's posts in one request, whatever the chunk; ids of other topics, or of none, are not served."""
    posts = world["discourse_posts"]
    for tid in world["discourse_topics"]["topic_id"]:
        stream = get(http, server, f"/t/{tid}.json")["post_stream"]["stream"]
        assert stream == posts[posts["topic_id"] == tid].sort_values("post_number")["post_id"].tolist()
        stranger = int(posts.loc[posts["topic_id"] != tid, "post_id"].iloc[0])
        asked = [("post_ids[]", x) for x in [stranger, 99999, *reversed(stream)]]
        r = http.get(f"{server.url}/discourse/t/{tid}/posts.json", params=asked, timeout=10)
        assert [p["id"] for p in r.json()["post_stream"]["posts"]] == stream, tid


def test_topic_views_send_raw_only_with_include_raw(http, server, world):
    raw = world["discourse_posts"].set_index("post_id")["raw"]
    plain = get(http, server, "/t/1004.json")["post_stream"]["posts"]
    assert all("raw" not in p for p in plain)
    for value in ("true", "false"):  # Ruby's !!params[:include_raw]: any value means yes
        posts = get(http, server, "/t/1004.json", include_raw=value)["post_stream"]["posts"]
        assert [p["raw"] for p in posts] == [raw[p["id"]] for p in posts]
    ids = [p["id"] for p in plain[:3]]
    by_id = get(http, server, "/t/1004/posts.json", **{"post_ids[]": ids})["post_stream"]["posts"]
    assert [p["id"] for p in by_id] == ids and all("raw" not in p for p in by_id)
    by_id = get(http, server, "/t/1004/posts.json", include_raw="1", **{"post_ids[]": ids})["post_stream"]
    assert [p["raw"] for p in by_id["posts"]] == [raw[i] for i in ids]
    # /posts.json always sends raw, as the recording shows.
    assert all("raw" in p for p in get(http, server, "/posts.json")["latest_posts"])


def test_topic_accepted_answer(http, server, world):
    topics = world["discourse_topics"]
    solved = topics[topics["has_accepted_answer"]].iloc[0]
    body = get(http, server, f"/t/{solved['topic_id']}.json")
    assert body["has_accepted_answer"] is True
    posts = world["discourse_posts"].set_index("post_id")
    assert (
        body["accepted_answer"]["post_number"] == posts.loc[solved["accepted_answer_post_id"], "post_number"]
    )
    accepted = [p for p in body["post_stream"]["posts"] if p["accepted_answer"]]
    assert [p["id"] for p in accepted] == [solved["accepted_answer_post_id"]]


def test_topic_not_found(http, server):
    r = http.get(f"{server.url}/discourse/t/999999.json", timeout=10)
    assert r.status_code == 404
    assert r.json() == {
        "errors": ["The requested URL or resource could not be found."],
        "error_type": "not_found",
    }


def group_members_of(world) -> dict[str, set[int]]:
    """Discourse's automatic groups (and the sandbox's one custom group) from the users table."""
    u = world["discourse_users"]
    u = u[u["user_id"] > 0]
    staff = u["admin"] | u["moderator"]
    masks = {
        "admins": u["admin"],
        "moderators": u["moderator"],
        "staff": staff,
        **{f"trust_level_{n}": u["trust_level"] >= n for n in range(5)},
        "community_team": staff | (u["trust_level"] >= 4),
    }
    return {name: set(u.loc[mask, "user_id"].astype(int)) for name, mask in masks.items()}


def test_groups_list_the_automatic_groups_by_name(http, server, world):
    body = get(http, server, "/groups.json")
    groups = body["groups"]
    expected = group_members_of(world)
    assert [g["name"] for g in groups] == sorted(expected)  # `everyone` (id 0) is never listed
    assert body["total_rows_groups"] == len(groups) == 9
    assert body["load_more_groups"] == "/discourse/groups?page=1"
    ids = {g["name"]: g["id"] for g in groups}
    assert [ids[f"trust_level_{n}"] for n in range(5)] == [10, 11, 12, 13, 14]
    assert (ids["admins"], ids["moderators"], ids["staff"]) == (1, 2, 3)
    for g in groups:
        assert g["user_count"] == len(expected[g["name"]])
        assert g["automatic"] is (g["name"] != "community_team")
        assert ("display_name" in g) is g["automatic"]
        assert g["can_see_members"] is True
    # Past the end: no groups, and still a next page.
    past = get(http, server, "/groups.json", page=1)
    assert past["groups"] == [] and past["total_rows_groups"] == 9
    assert past["load_more_groups"] == "/discourse/groups?page=2"
    by_count = get(http, server, "/groups.json", order="user_count")["groups"]
    assert [g["user_count"] for g in by_count] == sorted((g["user_count"] for g in groups), reverse=True)


def test_group_members_page_by_offset_owners_first(http, server, world):
    expected = group_members_of(world)
    users = world["discourse_users"].set_index("user_id")
    for name, ids in expected.items():
        seen, offset = [], 0
        while True:
            body = get(http, server, f"/groups/{name}/members.json", limit=40, offset=offset)
            assert body["meta"] == {"total": len(ids), "limit": 40, "offset": offset}
            if not body["members"]:
                break
            seen += body["members"]
            offset += len(body["members"])
        assert [m["id"] for m in seen] == list(dict.fromkeys(m["id"] for m in seen))  # each member once
        assert {m["id"] for m in seen} == ids, name
        owners = {m["id"] for m in body["owners"]}
        assert owners == (set(users.index[users["admin"]]) if name == "community_team" else set())
        # Owners first, then username descending (the default direction).
        rest = [m["username"] for m in seen if m["id"] not in owners]
        assert [m["id"] for m in seen[: len(owners)]] == sorted(
            owners, key=lambda i: users.loc[i, "username"]
        )[::-1]
        assert rest == sorted(rest, reverse=True)
    member = get(http, server, "/groups/trust_level_0/members.json", limit=1)["members"][0]
    row = users.loc[member["id"]]
    assert (member["username"], member["name"]) == (row["username"], row["name"])
    assert ISO_MS_Z.match(member["added_at"]) and ISO_MS_Z.match(member["last_seen_at"])


def test_group_members_defaults_order_and_bad_parameters(http, server):
    body = get(http, server, "/groups/trust_level_0/members.json")
    assert body["meta"] == {"total": 130, "limit": 50, "offset": 0} and len(body["members"]) == 50
    ascending = get(http, server, "/groups/trust_level_0/members.json", asc="true", limit=1000)["members"]
    names = [m["username"] for m in ascending]
    assert names == sorted(names) and len(names) == 130
    assert get(http, server, "/groups/TRUST_LEVEL_0/members.json", limit=0)["members"] == []
    for params in ({"limit": 1001}, {"limit": -1}, {"offset": -5}):
        r = http.get(f"{server.url}/discourse/groups/trust_level_0/members.json", params=params, timeout=10)
        assert r.status_code == 400 and r.json()["error_type"] == "invalid_parameters", params
    r = http.get(f"{server.url}/discourse/groups/no_such_group/members.json", timeout=10)
    assert r.status_code == 404 and r.json()["error_type"] == "not_found"


def test_groups_hold_human_users_only(world):
    """System users (ids <= 0: system, discobot) are in no group's members and counts."""
    users = world["discourse_users"].copy()
    users.loc[users["user_id"] == 1, "user_id"] = -1  # the tiny world's admin becomes `system`
    robots = type(world)(tables={**world.tables, "discourse_users": users}, meta=world.meta)
    with running_server(robots, rate_limits=False) as s, requests.Session() as http:
        http.headers.update(AUTH)
        groups = {g["name"]: g for g in get(http, s, "/groups.json")["groups"]}
        assert groups["admins"]["user_count"] == 0
        assert get(http, s, "/groups/admins/members.json")["members"] == []
        everyone = get(http, s, "/groups/trust_level_0/members.json", limit=1000)
        assert everyone["meta"]["total"] == len(users) - 1
        assert -1 not in {m["id"] for m in everyone["members"]}


def test_users_page_through_everyone(http, server, world):
    users = world["discourse_users"]
    seen, page = [], 1
    while True:
        batch = get(
            http,
            server,
            "/admin/users/list/active.json",
            page=page,
            show_emails="true",
            order="created",
            asc="true",
        )
        if not batch:
            break
        assert len(batch) <= 100
        seen += batch
        page += 1
    assert page == 3  # 130 users: 100 + 30, then an empty page
    ids = [u["id"] for u in seen]
    assert len(ids) == len(set(ids)) == len(users)
    created = [u["created_at"] for u in seen]
    assert created == sorted(created)
    emails = {
        uid: (None if pd.isna(e) else e) for uid, e in zip(users["user_id"], users["email"], strict=True)
    }
    assert all(u["email"] == emails[u["id"]] for u in seen)  # as typed: mixed case, stray spaces
    assert any(u["email"] is None for u in seen)
    assert any(u["active"] is False for u in seen)


def test_users_page_zero_is_page_one_and_emails_need_show_emails(http, server):
    p0 = get(http, server, "/admin/users/list/active.json", page=0, order="created", asc="true")
    p1 = get(http, server, "/admin/users/list/active.json", page=1, order="created", asc="true")
    assert [u["id"] for u in p0] == [u["id"] for u in p1]
    assert all("email" not in u for u in p0)
    # Default order of the `active` list: last seen, newest first.
    default = get(http, server, "/admin/users/list/active.json")
    seen = [u["last_seen_at"] for u in default if u["last_seen_at"]]
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Api-Key": "wrong", "Api-Username": DISCOURSE_USER},
        {"Api-Key": DISCOURSE_KEY, "Api-Username": "nobody"},
    ],
)
@pytest.mark.parametrize("path", ["/latest.json", "/groups.json", "/groups/admins/members.json"])
def test_auth_failures_are_403(server, headers, path):
    r = requests.get(f"{server.url}/discourse{path}", headers=headers, timeout=10)
    assert r.status_code == 403
    assert r.json() == {
        "errors": ["You are not permitted to view the requested resource."],
        "error_type": "invalid_access",
    }


def test_rate_limit_then_recovery(world):
    # 60 requests per (60 s / 30) = 2 s window.
    with running_server(world, rate_scale=30) as s, requests.Session() as http:
        http.headers.update(AUTH)
        statuses = [http.get(f"{s.url}/discourse/categories.json", timeout=10) for _ in range(65)]
        limited = [r for r in statuses if r.status_code == 429]
        assert limited, [r.status_code for r in statuses]
        assert sum(r.status_code == 200 for r in statuses) >= 60
        r = limited[0]
        wait = int(r.headers["Retry-After"])
        assert 1 <= wait <= 2
        body = r.json()
        assert body["error_type"] == "rate_limit" and body["extras"]["wait_seconds"] == wait
        assert body["errors"][0].startswith("You’ve performed this action too many times.")
        time.sleep(wait + 0.05)
        assert http.get(f"{s.url}/discourse/categories.json", timeout=10).status_code == 200
        # A bad key is refused before it is counted.
        assert requests.get(f"{s.url}/discourse/categories.json", timeout=10).status_code == 403


def test_sliding_window_limiter_with_a_fake_clock():
    now = [0.0]
    lim = SlidingWindowLimiter(3, 10.0, clock=lambda: now[0])
    assert [lim.hit("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    now[0] = 4.0
    assert lim.hit("k") == pytest.approx(6.0)  # until the first hit leaves the window
    assert lim.hit("other") == 0.0
    now[0] = 10.0
    assert lim.hit("k") == 0.0


def test_sandbox_credentials_default_when_not_given(world):
    from pulse.sandbox.server import DEFAULT_CREDENTIALS

    with running_server(world, credentials={"shopify": CREDENTIALS["shopify"]}, rate_limits=False) as s:
        d = DEFAULT_CREDENTIALS["discourse"]
        r = requests.get(
            f"{s.url}/discourse/categories.json",
            headers={"Api-Key": d["api_key"], "Api-Username": d["api_username"]},
            timeout=10,
        )
        assert r.status_code == 200


def test_world_read_back_from_parquet_serves_the_same(tmp_path, world):
    """World.read gives Int64/NaN/str dtypes where the hand-made world has others; the answers must not change."""
    world.write(tmp_path)
    again = type(world).read(tmp_path)
    paths = (
        "/posts.json",
        "/latest.json",
        "/t/1004.json",
        "/categories.json",
        "/admin/users/list/active.json?show_emails=true&order=created&asc=true",
        "/groups.json",
        "/groups/community_team/members.json?limit=1000",
    )
    with running_server(world, rate_limits=False) as a, running_server(again, rate_limits=False) as b:
        for path in paths:
            ra = requests.get(f"{a.url}/discourse{path}", headers=AUTH, timeout=10).json()
            rb = requests.get(f"{b.url}/discourse{path}", headers=AUTH, timeout=10).json()
            assert ra == rb, path


def test_a_world_without_discourse_is_served(world, http):
    """A world holding only another platform's tables (the scale bench serves one platform at a time): Discourse
    answers with empty lists instead of failing to start."""
    from pulse.sandbox.tables import World

    others = World(
        tables={n: t for n, t in world.tables.items() if not n.startswith("discourse")}, meta=world.meta
    )
    with running_server(others, rate_limits=False) as server:
        assert get(http, server, "/latest.json")["topic_list"]["topics"] == []
        assert get(http, server, "/posts.json")["latest_posts"] == []
