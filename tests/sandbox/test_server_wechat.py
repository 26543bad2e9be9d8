"""The sandbox's WeCom and WeChat Official Account: the world they serve (people, groups with joins and leaves,
follows, datacube figures), every endpoint's shape and pagination, tokens, and errors as HTTP 200 + errcode."""

from __future__ import annotations

import datetime as dt
import json
import time

import numpy as np
import pandas as pd
import pytest
import requests

from pulse.sandbox.ratelimit import SlidingWindowLimiter
from pulse.sandbox.server import make_server
from pulse.sandbox.world import campaign_exposure, generate_world
from pulse.sandbox.worlds import wechat
from pulse.testing.paths import SAMPLES

CREDS = {
    "wecom": {"corp_id": "ww0123456789abcdef", "corp_secret": "wecom-test-secret"},
    "wechat_mp": {"app_id": "wx0123456789abcdef", "app_secret": "mp-test-secret"},
}
TODAY = dt.date(2026, 1, 6)  # what the sandbox's Official Account takes for today; the world ends 2026-01-04
WECOM_SAMPLES = SAMPLES / "wechat"


@pytest.fixture(scope="module")
def world():
    return generate_world(21, 500, 4)


@pytest.fixture(scope="module")
def server(world):
    with make_server(world, rate_limits=False, credentials=CREDS) as s:
        yield s


@pytest.fixture
def wecom(server):
    platform = server.platforms["/wecom"]
    platform.reset()
    yield platform
    platform.reset()
    platform.quota = platform.token_max_uses = platform.as_of = None
    platform.inband = {}
    platform.token_ttl = 7200.0
    platform.follow_page_size = 500


@pytest.fixture
def mp(server):
    platform = server.platforms["/wechat_mp"]
    platform.reset()
    platform.today = TODAY
    yield platform
    platform.reset()
    platform.quota = platform.token_max_uses = platform.as_of = platform.today = None
    platform.inband = {}
    platform.page_size = 10_000


def wecom_token(server) -> str:
    r = requests.get(
        f"{server.url}/wecom/cgi-bin/gettoken",
        params={"corpid": CREDS["wecom"]["corp_id"], "corpsecret": CREDS["wecom"]["corp_secret"]},
        timeout=5,
    )
    assert r.status_code == 200 and r.json()["errcode"] == 0
    return r.json()["access_token"]


def mp_token(server) -> str:
    r = requests.get(
        f"{server.url}/wechat_mp/cgi-bin/token",
        params={
            "grant_type": "client_credential",
            "appid": CREDS["wechat_mp"]["app_id"],
            "secret": CREDS["wechat_mp"]["app_secret"],
        },
        timeout=5,
    )
    assert r.status_code == 200 and "errcode" not in r.json()
    return r.json()["access_token"]


def wc(server, path, token=None, body=None, **params) -> dict:
    url = f"{server.url}/wecom/cgi-bin/externalcontact/{path}"
    params["access_token"] = token or wecom_token(server)
    r = (
        requests.post(url, params=params, json=body, timeout=5)
        if body is not None
        else requests.get(url, params=params, timeout=5)
    )
    assert r.status_code == 200, r.text[:200]  # WeCom answers errors as HTTP 200 too
    return r.json()


def wx(server, path, token=None, body=None, **params) -> dict:
    url = f"{server.url}/wechat_mp/{path}"
    params["access_token"] = token or mp_token(server)
    r = (
        requests.post(url, params=params, json=body, timeout=5)
        if body is not None
        else requests.get(url, params=params, timeout=5)
    )
    assert r.status_code == 200, r.text[:200]
    return r.json()


def all_groups(server, token, limit=2) -> list[str]:
    ids, cursor, pages = [], "", 0
    while True:
        page = wc(server, "groupchat/list", token, {"status_filter": 0, "cursor": cursor, "limit": limit})
        assert page["errcode"] == 0 and len(page["group_chat_list"]) <= limit
        ids += [g["chat_id"] for g in page["group_chat_list"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            return ids


def _utc(ts: pd.Timestamp) -> dt.datetime:
    return ts.to_pydatetime()


# --------------------------------------------------------------------------------------------------- the world


def test_world_tables_are_deterministic_and_fast():
    a, b = generate_world(4, 300, 3), generate_world(4, 300, 3)
    for name in wechat.TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
        assert len(a[name]) > 0, name
    c = generate_world(5, 300, 3)
    assert not a["wechat_mp_followers"]["openid"].equals(c["wechat_mp_followers"]["openid"])
    big = generate_world(8, 5000, 12)
    started = time.perf_counter()
    wechat.extend(big, 8)
    seconds = time.perf_counter() - started
    print(f"wechat world extension at 5,000 members x 12 weeks: {seconds:.3f}s")
    assert seconds < 1.0


def test_world_people_ids_and_truth(world):
    persons = world["persons"].set_index("person_id")
    truth = world["truth_accounts"]
    for platform, frame, col in (
        ("wecom_external", world["wecom_external_contacts"], "external_userid"),
        ("wechat_mp", world["wechat_mp_followers"], "openid"),
        ("wecom_staff", world["wecom_staff"], "userid"),
    ):
        assert frame[col].is_unique
        t = truth[truth["platform"] == platform].set_index("account_id")["person_id"]
        assert set(frame[col]) <= set(t.index), platform
    # the unionid is the person's: it links followers, contacts and group members to each other
    mp = world["wechat_mp_followers"]
    pid = truth[truth["platform"] == "wechat_mp"].set_index("account_id")["person_id"]
    assert (
        persons.loc[pid.loc[mp["openid"]].to_numpy(), "wechat_unionid"].to_numpy() == mp["unionid"].to_numpy()
    ).all()
    ext = truth[truth["platform"] == "wecom_external"].set_index("account_id")["person_id"]
    members = world["wecom_group_members"]
    externals = members[members["type"] == 2]
    assert set(externals["userid"]) <= set(ext.index)
    assert externals["unionid"].notna().all() and members.loc[members["type"] == 1, "unionid"].isna().all()
    assert (
        persons.loc[ext.loc[externals["userid"]].to_numpy(), "wechat_unionid"].to_numpy()
        == externals["unionid"].to_numpy()
    ).all()
    # staff and bots: staff are type 1 members and never contacts or followers by unionid; no bot anywhere
    staff_pids = set(truth.loc[truth["platform"] == "wecom_staff", "person_id"])
    assert staff_pids <= set(persons.index[persons["persona"] == "staff"])
    bots = set(persons.index[persons["persona"] == "bot"])
    assert not bots & set(truth.loc[truth["platform"].isin(["wecom_external", "wechat_mp"]), "person_id"])
    contacts = world["wecom_external_contacts"]
    assert (contacts["type"] == 2).any() and contacts.loc[contacts["type"] == 2, "unionid"].isna().all()
    assert (
        contacts["name"].str.contains("[\u4e00-\u9fff]").any()
        and contacts["name"].str.contains("[A-Za-z]").any()
    )
    assert set(world["wecom_follow_users"]["external_userid"]) == set(contacts["external_userid"])


def test_world_joins_and_leaves_over_time(world):
    members = world["wecom_group_members"]
    groups = world["wecom_group_chats"]
    start = pd.Timestamp(world.meta["window_start_utc"][:19])
    assert not members.duplicated(["chat_id", "userid", "join_time"]).any()
    assert (members["join_time"] >= members["chat_id"].map(groups.set_index("chat_id")["create_time"])).all()
    left = members["left_at"].notna()
    assert left.any() and (members.loc[left, "left_at"] > members.loc[left, "join_time"]).all()
    assert (members["join_time"] >= start).sum() > 20 and (members.loc[left, "left_at"] >= start).any()
    # staff never leave; the owner is a member of every group
    assert members.loc[members["type"] == 1, "left_at"].isna().all()
    owners = members.merge(groups, on="chat_id")
    assert (owners["userid"] == owners["owner"]).groupby(owners["chat_id"]).any().all()
    # invitors only for invitations (scenes 1 and 2), never for QR-code joins
    assert members.loc[members["join_scene"] == 3, "invitor"].isna().all()
    # joins bunch in the evening (Asia/Shanghai)
    hour = (members["join_time"] + pd.Timedelta(hours=8)).dt.hour
    assert hour.between(18, 23).mean() > hour.between(2, 7).mean() * 2
    # the holdout of a campaign never joins its group; rejoiners come back with a new join_time
    exposure = campaign_exposure(world)
    truth = world["truth_accounts"]
    ext = truth[truth["platform"] == "wecom_external"].set_index("account_id")["person_id"]
    for c in world["campaigns"].itertuples(index=False):
        g = groups[groups["name"] == f"{c.name}福利群"]
        if g.empty:
            continue
        joined = set(ext.reindex(members.loc[members["chat_id"] == g["chat_id"].iloc[0], "userid"]).dropna())
        held = exposure[(exposure["campaign_id"] == c.campaign_id) & ~exposure["exposed"]]["person_id"]
        assert not joined & set(held)


def test_world_follows_and_datacube_agree(world):
    f = world["wechat_mp_followers"]
    summary, cumulate = world["wechat_mp_user_summary"], world["wechat_mp_user_cumulate"]
    assert f["openid"].str.len().eq(28).all() and f["openid"].str.startswith("o").all()
    assert (f["unsubscribe_time"].notna()).any() and f["resubscribe_time"].notna().sum() >= 0
    c = cumulate.set_index("ref_date")["cumulate_user"]
    net = summary.groupby("ref_date")[["new_user", "cancel_user"]].sum()
    change = (net["new_user"] - net["cancel_user"]).reindex(c.index, fill_value=0)
    assert (c.diff().dropna() == change.iloc[1:]).all()  # cumulate moves by new - cancelled, day by day
    end = pd.Timestamp(world.meta["window_end_utc"][:19])
    following = f["first_subscribe_time"].lt(end) & (
        f["unsubscribe_time"].isna() | f["resubscribe_time"].notna()
    )
    assert c.iloc[-1] == following.sum()
    assert set(summary["user_source"]) <= {0, 1, 17, 30, 51, 57, 100, 161}
    assert not summary.duplicated(["ref_date", "user_source"]).any()
    days = summary.groupby("ref_date").size()
    assert len(days) == len(cumulate) == 28
    arts = world["wechat_mp_articles"]
    assert not arts.duplicated(["ref_date", "msgid"]).any()
    assert arts["msgid"].str.fullmatch(r"\d{10}_[1-3]").all()
    assert (arts["int_page_read_count"] >= arts["int_page_read_user"]).all()


def test_campaign_lift_shows_in_follows():
    w = generate_world(3, 3000, 8)
    camps = w["campaigns"]
    summary = w["wechat_mp_user_summary"]
    daily = summary.groupby("ref_date")["new_user"].sum()
    days = pd.to_datetime(pd.Series(daily.index.astype(str)))
    inside = np.zeros(len(days), dtype=bool)
    for c in camps[camps["community"] == "brand_cn"].itertuples(index=False):
        lo, hi = (
            (c.start_at + pd.Timedelta(hours=8)).normalize(),
            (c.end_at + pd.Timedelta(hours=8)).normalize(),
        )
        inside |= ((days >= lo) & (days < hi)).to_numpy()
    assert daily.to_numpy()[inside].mean() > 1.2 * daily.to_numpy()[~inside].mean()
    qr = w["wechat_mp_followers"]["qr_scene_str"].dropna()
    assert qr.isin(camps["utm_campaign"]).any()  # campaign QR codes carry the campaign


# --------------------------------------------------------------------------------------------------- tokens


def test_wecom_token_is_reused_until_it_expires(server, wecom):
    a, b = wecom_token(server), wecom_token(server)
    assert a == b and wecom.gate.issued == 1
    bad = requests.get(
        f"{server.url}/wecom/cgi-bin/gettoken",
        params={"corpid": CREDS["wecom"]["corp_id"], "corpsecret": "x"},
        timeout=5,
    ).json()
    assert bad["errcode"] == 40001 and "access_token" not in bad
    assert (
        requests.get(
            f"{server.url}/wecom/cgi-bin/gettoken", params={"corpid": "nope", "corpsecret": "x"}, timeout=5
        ).json()["errcode"]
        == 40013
    )
    assert wc(server, "get_follow_user_list", "not-a-token")["errcode"] == 40014
    missing = requests.get(
        f"{server.url}/wecom/cgi-bin/externalcontact/get_follow_user_list", timeout=5
    ).json()
    assert missing["errcode"] == 41001 and "hint:" in missing["errmsg"]
    wecom.token_max_uses = 2
    t = wecom_token(server)
    assert wc(server, "get_follow_user_list", t)["errcode"] == 0
    assert wc(server, "get_follow_user_list", t)["errcode"] == 0
    assert wc(server, "get_follow_user_list", t)["errcode"] == 42001
    assert wecom_token(server) != t  # an expired token is replaced


def test_mp_token_is_new_every_time_and_the_old_one_lapses(server, mp):
    a = mp_token(server)
    b = mp_token(server)
    assert a != b
    assert "errcode" not in wx(
        server, "cgi-bin/user/get", a
    )  # the superseded token still works for 5 minutes
    mp.gate.overlap = 0.0
    try:
        assert wx(server, "cgi-bin/user/get", a)["errcode"] == 40001
        assert "errcode" not in wx(server, "cgi-bin/user/get", b)
    finally:
        mp.gate.overlap = 300.0
    base = f"{server.url}/wechat_mp/cgi-bin/token"
    wrong = {"grant_type": "client_credential", "appid": CREDS["wechat_mp"]["app_id"], "secret": "nope"}
    assert requests.get(base, params=wrong, timeout=5).json()["errcode"] == 40125
    assert requests.get(base, params={**wrong, "appid": "wxnope"}, timeout=5).json()["errcode"] == 40013
    mp.token_ttl = 0.2
    t = mp_token(server)
    time.sleep(0.3)
    assert wx(server, "cgi-bin/user/get", t)["errcode"] == 42001


# --------------------------------------------------------------------------------------------------- WeCom


def test_group_list_pages_by_cursor_and_details_show_current_members(server, wecom, world):
    token = wecom_token(server)
    ids = all_groups(server, token, limit=2)
    groups = world["wecom_group_chats"]
    assert ids == groups.sort_values("create_time", kind="stable")["chat_id"].tolist()
    assert wc(server, "groupchat/list", token, {"limit": 1001})["errcode"] == 40058
    assert wc(server, "groupchat/list", token, {"limit": 5, "cursor": "bogus"})["errcode"] == 40058
    assert wc(server, "groupchat/list", token, {"limit": 5, "status_filter": 1})["group_chat_list"] == []
    members = world["wecom_group_members"]
    current = members[members["left_at"].isna()]
    for chat_id in ids:
        g = wc(server, "groupchat/get", token, {"chat_id": chat_id, "need_name": 1})["group_chat"]
        row = groups.set_index("chat_id").loc[chat_id]
        assert g["owner"] == row["owner"] and g["create_time"] == int(row["create_time"].timestamp())
        want = current[current["chat_id"] == chat_id]
        assert {(m["userid"], m["join_time"]) for m in g["member_list"]} == {
            (u, int(t.timestamp())) for u, t in zip(want["userid"], want["join_time"], strict=True)
        }
        for m in g["member_list"]:
            assert ("unionid" in m) == (m["type"] == 2) and "name" in m
            assert ("invitor" not in m) or m["join_scene"] in (1, 2)
        assert {a["userid"] for a in g["admin_list"]} <= {m["userid"] for m in g["member_list"]}
    plain = wc(server, "groupchat/get", token, {"chat_id": ids[0]})["group_chat"]
    assert all("name" not in m for m in plain["member_list"])  # names only with need_name=1
    assert wc(server, "groupchat/get", token, {"chat_id": "wrNope"})["errcode"] == 40050


def test_as_of_serves_the_past_members_left_later_are_back(server, wecom, world):
    token = wecom_token(server)
    members = world["wecom_group_members"]
    leaver = members[members["left_at"].notna()].iloc[0]
    wecom.as_of = _utc(leaver["left_at"] - pd.Timedelta(seconds=1))
    before = wc(server, "groupchat/get", token, {"chat_id": leaver["chat_id"]})["group_chat"]
    wecom.as_of = _utc(leaver["left_at"])
    after = wc(server, "groupchat/get", token, {"chat_id": leaver["chat_id"]})["group_chat"]
    key = (leaver["userid"], int(leaver["join_time"].timestamp()))
    assert key in {(m["userid"], m["join_time"]) for m in before["member_list"]}
    assert key not in {(m["userid"], m["join_time"]) for m in after["member_list"]}
    assert before["member_version"] != after["member_version"]
    wecom.as_of = _utc(world["wecom_group_chats"]["create_time"].min() - pd.Timedelta(days=1))
    assert wc(server, "groupchat/list", token, {"limit": 100})["group_chat_list"] == []


def test_external_contacts_list_get_and_84061(server, wecom, world):
    token = wecom_token(server)
    staff = wc(server, "get_follow_user_list", token)["follow_user"]
    assert staff == world["wecom_staff"]["userid"].tolist()
    follows = world["wecom_follow_users"]
    seen = set()
    for userid in staff:
        page = wc(server, "list", token, userid=userid)
        want = set(follows.loc[follows["userid"] == userid, "external_userid"])
        got = set(page.get("external_userid", []))
        assert got == want and (page["errcode"] == 0 if want else page["errcode"] == 84061)
        seen |= got
    assert seen == set(world["wecom_external_contacts"]["external_userid"])
    assert wc(server, "list", token, userid="nobody")["errcode"] == 60111
    wecom.as_of = _utc(follows["createtime"].min() - pd.Timedelta(days=1))
    assert wc(server, "list", token, userid=staff[0])["errcode"] == 84061  # nobody added yet
    wecom.as_of = None
    two = follows["external_userid"].value_counts()
    ext = two.index[0]
    full = wc(server, "get", token, external_userid=ext)
    assert full["external_contact"]["external_userid"] == ext and len(full["follow_user"]) == two.iloc[0]
    assert "next_cursor" not in full
    wecom.follow_page_size = 1
    first = wc(server, "get", token, external_userid=ext)
    assert len(first["follow_user"]) == 1 and first["next_cursor"]
    rest = wc(server, "get", token, external_userid=ext, cursor=first["next_cursor"])
    assert first["follow_user"] + rest["follow_user"] == full["follow_user"]
    assert wc(server, "get", token, external_userid="wmNope")["errcode"] == 40096
    c = world["wecom_external_contacts"].set_index("external_userid").loc[ext]
    assert ("unionid" in full["external_contact"]) == isinstance(c["unionid"], str)


def test_wecom_shapes_match_the_recorded_samples(server, wecom, world):
    if not WECOM_SAMPLES.exists():
        pytest.skip("real API samples not present")
    token = wecom_token(server)
    sample = json.loads((WECOM_SAMPLES / "wecom_externalcontact_groupchat_get.json").read_text())[
        "group_chat"
    ]
    chat_id = world["wecom_group_chats"]["chat_id"].iloc[0]
    ours = wc(server, "groupchat/get", token, {"chat_id": chat_id})["group_chat"]
    assert set(sample) <= set(ours)
    for m in ours["member_list"]:
        same_type = [s for s in sample["member_list"] if s["type"] == m["type"]][0]
        assert set(same_type) <= set(m) | {"invitor"}
    sample = json.loads((WECOM_SAMPLES / "wecom_externalcontact_get.json").read_text())
    ext = world["wecom_external_contacts"]["external_userid"].iloc[0]
    got = wc(server, "get", token, external_userid=ext)
    assert {"errcode", "errmsg", "external_contact", "follow_user"} <= set(got)
    wanted = {"external_userid", "name", "type", "gender", "avatar"}
    assert wanted <= set(sample["external_contact"]) and wanted <= set(got["external_contact"])
    assert {"userid", "remark", "description", "createtime"} <= set(got["follow_user"][0])


# --------------------------------------------------------------------------------------------------- Official Account


def test_user_get_pages_and_the_empty_last_page(server, mp, world):
    token = mp_token(server)
    mp.page_size = 7
    f = world["wechat_mp_followers"]
    following = f[f["unsubscribe_time"].isna() | f["resubscribe_time"].notna()]["openid"].tolist()
    got, after, pages = [], None, []
    while True:
        page = wx(server, "cgi-bin/user/get", token, **({"next_openid": after} if after else {}))
        pages.append(page)
        assert page["total"] == len(following) and "next_openid" in page
        if page["count"] == 0:
            assert "data" not in page and page["next_openid"] == ""
            break
        got += page["data"]["openid"]
        assert page["next_openid"] == page["data"]["openid"][-1]
        after = page["next_openid"]
    assert got == following  # in the order they followed, each once
    assert len(pages) == -(-len(following) // 7) + 1
    assert wx(server, "cgi-bin/user/get", token, next_openid="oNope")["errcode"] == 40003


def test_batchget_gives_unionids_and_subscribe_times(server, mp, world):
    token = mp_token(server)
    f = world["wechat_mp_followers"].set_index("openid")
    ids = f.index[:3].tolist()
    info = wx(server, "cgi-bin/user/info/batchget", token, {"user_list": [{"openid": o} for o in ids]})
    for u in info["user_info_list"]:
        row = f.loc[u["openid"]]
        if u["subscribe"] == 1:
            latest = (
                row["resubscribe_time"] if pd.notna(row["resubscribe_time"]) else row["first_subscribe_time"]
            )
            assert u["unionid"] == row["unionid"] and u["subscribe_time"] == int(latest.timestamp())
        else:
            assert set(u) == {"subscribe", "openid"}
    too_many = {"user_list": [{"openid": ids[0]}] * 101}
    assert wx(server, "cgi-bin/user/info/batchget", token, too_many)["errcode"] == 40032
    assert (
        wx(server, "cgi-bin/user/info/batchget", token, {"user_list": [{"openid": "oNope"}]})["errcode"]
        == 40003
    )
    r = requests.get(
        f"{server.url}/wechat_mp/cgi-bin/user/info/batchget", params={"access_token": token}, timeout=5
    )
    assert r.json()["errcode"] == 43002


def test_datacube_windows_and_yesterday(server, mp, world):
    token = mp_token(server)
    start = dt.date.fromisoformat(world.meta["window_start_local"])

    def cube(name, begin, end):
        return wx(server, f"datacube/{name}", token, {"begin_date": str(begin), "end_date": str(end)})

    week = cube("getusersummary", start, start + dt.timedelta(days=6))["list"]
    s = world["wechat_mp_user_summary"]
    assert len(week) == (s["ref_date"] <= start + dt.timedelta(days=6)).sum()
    assert set(week[0]) == {"ref_date", "user_source", "new_user", "cancel_user"}
    assert cube("getusersummary", start, start + dt.timedelta(days=7))["errcode"] == 61501  # 8 days
    assert cube("getusercumulate", start, start - dt.timedelta(days=1))["errcode"] == 61501
    assert cube("getarticlesummary", start, start + dt.timedelta(days=1))["errcode"] == 61501  # 1 day only
    assert cube("getusercumulate", TODAY, TODAY)["errcode"] == 61501  # data only up to yesterday
    assert cube("getusercumulate", "2025-13-01", "2025-13-02")["errcode"] == 61500
    yesterday = TODAY - dt.timedelta(days=1)
    assert "list" in cube("getusercumulate", yesterday, yesterday)
    old = start - dt.timedelta(days=30)
    assert cube("getusercumulate", old, old + dt.timedelta(days=6)) == {"list": []}
    if WECOM_SAMPLES.exists():
        for name in ("getarticlesummary", "getusercumulate", "getusersummary"):
            sample = json.loads((WECOM_SAMPLES / f"datacube_{name}.json").read_text())["list"][0]
            day = dt.date.fromisoformat(world["wechat_mp_articles"]["ref_date"].iloc[0].isoformat())
            ours = cube(name, day, day)["list"]
            assert ours and set(ours[0]) == set(sample), name


# --------------------------------------------------------------------------------------------------- in-band errors


def test_quota_then_a_new_day(server, mp, wecom):
    token = mp_token(server)
    mp.quota = 2
    assert "errcode" not in wx(server, "cgi-bin/user/get", token)
    assert "errcode" not in wx(server, "cgi-bin/user/get", token)
    spent = wx(server, "cgi-bin/user/get", token)
    assert spent["errcode"] == 45009 and "rid:" in spent["errmsg"]
    mp.reset_quota()
    assert "errcode" not in wx(server, "cgi-bin/user/get", token)
    wecom.quota = 0
    assert wc(server, "get_follow_user_list")["errcode"] == 45009


def test_injected_errors_are_errcodes_in_200s(server, mp, wecom):
    r = requests.post(f"{server.url}/_sandbox/faults", json={"429": 1.0, "prefix": "/wecom"}, timeout=5)
    assert r.status_code == 200
    try:
        r = requests.get(f"{server.url}/wecom/cgi-bin/externalcontact/get_follow_user_list", timeout=5)
        assert r.status_code == 200 and r.json()["errcode"] == 45033
        requests.post(f"{server.url}/_sandbox/faults", json={"500": 1.0, "prefix": "/wechat_mp"}, timeout=5)
        r = requests.get(f"{server.url}/wechat_mp/cgi-bin/user/get", timeout=5)
        assert r.status_code == 200 and r.json()["errcode"] == -1
        requests.post(f"{server.url}/_sandbox/faults", json={"429": 1.0, "prefix": "/wechat_mp"}, timeout=5)
        assert requests.get(f"{server.url}/wechat_mp/cgi-bin/user/get", timeout=5).json()["errcode"] == 45011
        requests.post(f"{server.url}/_sandbox/faults", json={"503": 1.0, "prefix": "/wecom"}, timeout=5)
        r = requests.get(f"{server.url}/wecom/cgi-bin/gettoken", timeout=5)
        assert r.status_code == 503 and "<html" in r.text
    finally:
        requests.post(f"{server.url}/_sandbox/faults", json={}, timeout=5)
    # the platform's own in-band faults: an invalid token is really revoked
    token = wecom_token(server)
    wecom.inband = {40014: 1.0}
    assert wc(server, "get_follow_user_list", token)["errcode"] == 40014
    wecom.inband = {}
    assert wc(server, "get_follow_user_list", token)["errcode"] == 40014
    assert wc(server, "get_follow_user_list", wecom_token(server))["errcode"] == 0
    mp.inband = {45011: 1.0}
    before = mp.gate.counts.get(45011, 0)
    assert wx(server, "cgi-bin/user/get")["errcode"] == 45011
    assert mp.gate.counts[45011] == before + 1  # answered errcodes are counted, for tests


def test_rate_limits_answer_with_errcodes(world):
    with make_server(world, rate_limits=True, rate_scale=1.0, credentials=CREDS) as s:
        assert s.platforms["/wecom"].gate.limiter.max_requests == 10_000
        s.platforms["/wecom"].gate.limiter = SlidingWindowLimiter(3, 60.0)
        s.platforms["/wechat_mp"].gate.limiter = SlidingWindowLimiter(3, 60.0)
        token = wecom_token(s)
        codes = [wc(s, "get_follow_user_list", token)["errcode"] for _ in range(5)]
        assert codes == [0, 0, 0, 45033, 45033]
        token = mp_token(s)
        codes = [wx(s, "cgi-bin/user/get", token).get("errcode", 0) for _ in range(4)]
        assert codes == [0, 0, 0, 45011]
