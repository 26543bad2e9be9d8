"""WeCom customer groups and contacts: the recorded samples through the stream declarations, then the connector
against the sandbox: every group, member and contact lands and loads exactly once (also through faults, errcodes
in 200s and expiring tokens), leaves derived from snapshots match the world, the quota stops cleanly, and no
secret or token reaches a landing file."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ingestion.landing import committed_batches
from ingestion.load import load_landing
from ingestion.runner import ingest_source
from ingestion.runtime.errors import (
    QuotaExhaustedError,
    RetryableError,
    SourceRequestError,
    TokenExpiredError,
)
from ingestion.runtime.http import Page, redact
from ingestion.runtime.paginate import dig, records_of
from ingestion.wecom_groups import (
    GROUP_LIST,
    OPTIONS,
    SOURCE_TYPE,
    fetch_external_contacts,
    fetch_group_details,
)
from pulse.config import Config, load_config
from pulse.sandbox.ratelimit import SlidingWindowLimiter
from pulse.sandbox.server import make_server
from pulse.sandbox.world import generate_world
from pulse.schema import ConfigError
from pulse.testing.paths import REPO, SAMPLES
from pulse.warehouse import DuckDBWarehouse

CREDS = {"corp_id": "ww9f8e7d6c5b4a3921", "corp_secret": "wecom-Secret-9c1f-do-not-leak"}
STREAMS = ["group_chats", "group_chat_details", "external_contacts"]
FAULTS = (
    "429=0.03,500=0.02,503=0.01,slow=0.01,truncate=0.01,truncate_close=0.01,reset=0.01,"
    "seed=5,slow_seconds=0.8,retry_after=0.01..0.05"
)
WECHAT = SAMPLES / "wechat"


def sample(name: str):
    if not WECHAT.exists():
        pytest.skip("real API samples not present")
    return json.loads((WECHAT / name).read_text())


class FakeClient:
    """Answers each path with a recorded body, as the HTTP client would after its checks."""

    def __init__(self, bodies: dict[str, object]):
        self.bodies, self.calls = bodies, []

    def request(self, method, path, params=None, json_body=None, **kw):
        self.calls.append((method, path, params, json_body))
        data = self.bodies[path]
        SOURCE_TYPE.check_body(data)
        return Page(200, {}, json.dumps(data).encode(), data, path)


# --------------------------------------------------------------------------------------------------- contracts


def test_samples_parse_through_the_declarations():
    listing = sample("wecom_externalcontact_groupchat_list.json")
    page = Page(200, {}, b"", listing, "x")
    assert [r["chat_id"] for r in records_of(page, GROUP_LIST)] == [
        "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA",
        "wrOgQhDgAAcwMTB7YmDkbeBsAAAA",
    ]
    assert dig(listing, GROUP_LIST.paginator.next_path) == "tJzlB9tdqfh-g7i_J-ehOz_TWcd7dSKa39_AqCIeMFw"
    detail = sample("wecom_externalcontact_groupchat_get.json")
    last = {**listing, "next_cursor": ""}
    client = FakeClient({GROUP_LIST.path: last, SOURCE_TYPE.streams["group_chat_details"].path: detail})
    stream = SOURCE_TYPE.streams["group_chat_details"]
    got = [r for _, recs in fetch_group_details(client, {}, stream, {}, None) for r in recs]
    assert len(got) == 2 and all(dig(r, stream.primary_key) == "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA" for r in got)
    members = got[0]["member_list"]
    assert [m["type"] for m in members] == [1, 1, 2]
    assert [("unionid" in m) for m in members] == [False, False, True]  # only externals carry a unionid
    assert {c[3]["chat_id"] for c in client.calls if c[1] == stream.path} == {
        "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA",
        "wrOgQhDgAAcwMTB7YmDkbeBsAAAA",
    }
    assert all(c[3]["need_name"] == 1 for c in client.calls if c[1] == stream.path)


def test_contact_samples_land_one_record_per_contact():
    ids = sample("wecom_externalcontact_list.json")
    contact = sample("wecom_externalcontact_get.json")
    stream = SOURCE_TYPE.streams["external_contacts"]
    client = FakeClient({"cgi-bin/externalcontact/list": ids, stream.path: contact})
    src = {"options": {"staff_userids": ["rocky", "tommy"]}}
    got = [r for _, recs in fetch_external_contacts(client, src, stream, {}, None) for r in recs]
    assert len(got) == 2  # two ids listed (the recorded get answers the same contact for both)
    assert dig(got[0], stream.primary_key) == "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w"
    assert [f["userid"] for f in got[0]["follow_user"]] == ["rocky", "tommy"]
    assert got[0]["external_contact"]["unionid"] == "ozynqsulJFCZ2z1aYeS8h-nuasdfR1"
    gets = [c for c in client.calls if c[1] == stream.path]
    assert len(gets) == 2  # the second staff member lists the same contacts: each is fetched once


def test_errcodes_map_to_runtime_errors():
    check = SOURCE_TYPE.check_body
    check({"errcode": 0, "errmsg": "ok"})
    check({"errcode": 84061, "errmsg": "not external contact"})  # an answer: "no contacts"
    check({"list": []})
    for code in (40014, 42001, 40001):
        with pytest.raises(TokenExpiredError):
            check({"errcode": code, "errmsg": "whatever the words"})
    for code in (45033, -1):
        with pytest.raises(RetryableError):
            check({"errcode": code, "errmsg": "x"})
    with pytest.raises(QuotaExhaustedError):
        check({"errcode": 45009, "errmsg": "api freq out of limit"})
    with pytest.raises(SourceRequestError, match=r"errcode 40058 \(invalid Request Parameter\)"):
        check({"errcode": 40058, "errmsg": "invalid Request Parameter"})
    # matched on the code only: the same words under another code are not a token error
    with pytest.raises(SourceRequestError):
        check({"errcode": 60011, "errmsg": "access_token expired"})


def test_options_are_validated():
    assert OPTIONS.clean({}, "sources[0].options", {}) == {"staff_userids": []}
    assert OPTIONS.clean({"staff_userids": ["ZhangSan", "li.si"]}, "o", {})["staff_userids"] == [
        "ZhangSan",
        "li.si",
    ]
    with pytest.raises(ConfigError, match="staff_userids"):
        OPTIONS.clean({"staff_userids": ["not a userid!"]}, "o", {})
    with pytest.raises(ConfigError, match="unknown key"):
        OPTIONS.clean({"chat_ids": []}, "o", {})


# --------------------------------------------------------------------------------------------------- sandbox


@pytest.fixture(scope="module")
def world():
    return generate_world(13, 320, 4)


def running(world, **kw):
    kw.setdefault("rate_limits", False)
    return make_server(world, credentials={"wecom": CREDS}, **kw)


def source(url: str, **extra) -> dict:
    return {
        "name": "corp",
        "type": "wecom_groups",
        "base_url": f"{url}/wecom",
        "credentials": dict(CREDS),
        "streams": list(STREAMS),
        "start_date": dt.date(2024, 1, 1),
        "lookback": None,
        "page_size": None,
        "timeout_seconds": 1.0,
        "max_retries": 10,
        "requests_per_second": 1000.0,
        "options": {"staff_userids": []},
        **extra,
    }


def warehouse(tmp_path: Path) -> DuckDBWarehouse:
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


def rows(con, stream: str) -> list[tuple[str, dict, object]]:
    found = con.execute(
        f"select _pk, _record, _extracted_at from raw.wecom_groups__{stream} order by _extracted_at, _batch_id"
    ).fetchall()
    return [(pk, json.loads(rec), at) for pk, rec, at in found]


def members_at(world, moment: pd.Timestamp | None) -> dict[str, set]:
    m = world["wecom_group_members"]
    if moment is not None:
        m = m[(m["join_time"] <= moment) & (m["left_at"].isna() | (m["left_at"] > moment))]
    else:
        m = m[m["left_at"].isna()]
    out: dict[str, set] = {}
    for chat, user, t in zip(m["chat_id"], m["userid"], m["join_time"], strict=True):
        out.setdefault(chat, set()).add((user, int(t.timestamp())))
    return out


def check_everything_landed_once(con, world) -> None:
    groups = set(world["wecom_group_chats"]["chat_id"])
    listed = rows(con, "group_chats")
    assert sorted(pk for pk, _, _ in listed) == sorted(groups)
    details = rows(con, "group_chat_details")
    assert sorted(pk for pk, _, _ in details) == sorted(groups)
    want = members_at(world, None)
    for pk, rec, _ in details:
        assert {(m["userid"], m["join_time"]) for m in rec["member_list"]} == want.get(pk, set()), pk
    contacts = rows(con, "external_contacts")
    assert sorted(pk for pk, _, _ in contacts) == sorted(world["wecom_external_contacts"]["external_userid"])
    follows = world["wecom_follow_users"].groupby("external_userid")["userid"].apply(sorted)
    for pk, rec, _ in contacts:
        assert sorted(f["userid"] for f in rec["follow_user"]) == follows[pk], pk


@pytest.mark.parametrize("faults", [None, FAULTS])
def test_every_group_member_and_contact_lands_exactly_once(tmp_path, world, faults):
    with running(world, faults=faults) as server:
        platform = server.platforms["/wecom"]
        if faults:  # and WeCom's own: revoked and expired tokens, mid-run
            platform.inband = {40014: 0.01, 42001: 0.01}
            platform.token_max_uses = 25
        s = source(server.url, timeout_seconds=0.6 if faults else 1.0)
        results = ingest_source(s, tmp_path / "landing", tmp_path / "state")
        injected = dict(server.injector.injected)
        answered, issued = dict(platform.gate.counts), platform.gate.issued
    assert [r.stream for r in results] == STREAMS and not any(r.error for r in results)
    wh = warehouse(tmp_path)
    report = load_landing(wh, tmp_path / "landing", [])
    assert report.quarantined == 0
    with wh.writer() as con:
        check_everything_landed_once(con, world)
    if faults:
        assert injected and issued > 2, (injected, issued)  # faults happened; tokens were refreshed
        assert answered.get(45033) and answered.get(-1) and (answered.get(40014) or answered.get(42001)), (
            answered
        )


def test_snapshots_over_time_give_joins_and_leaves(tmp_path, world):
    """Land the groups twice a week apart (the sandbox serves the past with `as_of`): comparing the two versions
    of each group finds exactly the world's joins and leaves between them; an unchanged re-run adds no rows."""
    end = pd.Timestamp(world.meta["window_end_utc"][:19])
    t1 = end - pd.Timedelta(days=9)
    landing, state = tmp_path / "landing", tmp_path / "state"
    s = source("", streams=["group_chat_details"])
    wh = warehouse(tmp_path)
    with running(world) as server:
        s["base_url"] = f"{server.url}/wecom"
        platform = server.platforms["/wecom"]
        platform.as_of = t1.to_pydatetime()
        (first,) = ingest_source(s, landing, state)
        platform.as_of = end.to_pydatetime()
        ingest_source(s, landing, state)
        load_landing(wh, landing, [])
        (third,) = ingest_source(s, landing, state)  # nothing changed since: lands again, loads nothing new
    assert third.records == len(world["wecom_group_chats"])
    assert load_landing(wh, landing, []).records == 0
    with wh.writer() as con:
        versions: dict[str, list[set]] = {}
        for pk, rec, _ in rows(con, "group_chat_details"):
            versions.setdefault(pk, []).append({(m["userid"], m["join_time"]) for m in rec["member_list"]})
    before, after = members_at(world, t1), members_at(world, end)
    assert first.records == len(before)  # groups created later are not there yet
    joins, leaves = set(), set()
    for chat, vs in versions.items():
        old = vs[0] if chat in before else set()
        new = vs[-1]
        joins |= {(chat, *m) for m in new - old}
        leaves |= {(chat, *m) for m in old - new}
    m = world["wecom_group_members"]
    left = m[(m["left_at"] > t1) & (m["left_at"] <= end) & (m["join_time"] <= t1)]
    assert leaves == {
        (c, u, int(t.timestamp()))
        for c, u, t in zip(left["chat_id"], left["userid"], left["join_time"], strict=True)
    }
    assert leaves, "the world has leaves in the last nine days"
    came = m[(m["join_time"] > t1) & (m["left_at"].isna() | (m["left_at"] > end))]
    assert joins == {
        (c, u, int(t.timestamp()))
        for c, u, t in zip(came["chat_id"], came["userid"], came["join_time"], strict=True)
    }
    for chat in after:  # the latest version of each group is the world's current membership
        assert versions[chat][-1] == after[chat]


def test_quota_stops_cleanly_and_the_next_run_completes(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    with running(world) as server:
        platform = server.platforms["/wecom"]
        platform.quota = 4  # the group list and three groups
        s = source(server.url, streams=["group_chat_details", "external_contacts"])
        results = ingest_source(s, landing, state)
        assert len(results) == 1  # a spent quota is the corp's: the next stream is not tried
        (stopped,) = results
        assert stopped.error and "45009" in stopped.error and stopped.records == 3
        assert stopped.batch_id in {b.batch_id for b in committed_batches(landing)}
        platform.quota = None  # another day, a bigger quota
        done = ingest_source(s, landing, state)
    assert [r.error for r in done] == [None, None]
    wh = warehouse(tmp_path)
    load_landing(wh, landing, [])
    with wh.writer() as con:
        details = rows(con, "group_chat_details")
        assert sorted(pk for pk, _, _ in details) == sorted(world["wecom_group_chats"]["chat_id"])


def test_rate_limit_errcodes_are_waited_out(tmp_path, world):
    with running(world, rate_limits=True) as server:
        server.platforms["/wecom"].gate.limiter = SlidingWindowLimiter(40, 0.2)
        results = ingest_source(source(server.url), tmp_path / "landing", tmp_path / "state")
        answered = dict(server.platforms["/wecom"].gate.counts)
    assert answered.get(45033, 0) > 0
    wh = warehouse(tmp_path)
    load_landing(wh, tmp_path / "landing", [])
    with wh.writer() as con:
        check_everything_landed_once(con, world)
    assert not any(r.error for r in results)


def test_follow_user_pages_merge_and_staff_option(tmp_path, world):
    follows = world["wecom_follow_users"]
    userid = follows["userid"].value_counts().index[0]
    with running(world) as server:
        server.platforms["/wecom"].follow_page_size = 1
        s = source(server.url, streams=["external_contacts"], options={"staff_userids": [userid]})
        (res,) = ingest_source(s, tmp_path / "landing", tmp_path / "state")
    mine = follows[follows["userid"] == userid]
    assert res.records == mine["external_userid"].nunique()
    (batch,) = committed_batches(tmp_path / "landing")
    with gzip.open(batch.records_file) as f:
        records = [json.loads(line) for line in f]
    every = follows.groupby("external_userid")["userid"].apply(sorted)
    for r in records:  # each contact is one record with every follower, though WeCom paged them one by one
        assert "next_cursor" not in r
        assert (
            sorted(f["userid"] for f in r["follow_user"]) == every[r["external_contact"]["external_userid"]]
        )
    assert any(len(r["follow_user"]) > 1 for r in records)


def test_no_secret_or_token_in_landing_state_logs_or_errors(tmp_path, world, caplog):
    caplog.set_level(logging.DEBUG)
    assert (
        redact("/cgi-bin/gettoken?corpid=ww1&corpsecret=s3cr3t")
        == "/cgi-bin/gettoken?corpid=***&corpsecret=***"
    )
    landing, state = tmp_path / "landing", tmp_path / "state"
    with running(world, faults="500=0.03,503=0.02,seed=3") as server:  # retries log their (redacted) paths
        platform = server.platforms["/wecom"]
        platform.token_max_uses = 10  # several tokens get issued
        ingest_source(source(server.url), landing, state)
        tokens = list(platform.gate.tokens)
        server.set_faults(None)
        bad = source(server.url, name="corp2")
        bad["credentials"]["corp_secret"] = "wrong-Secret-777"
        with pytest.raises(SourceRequestError) as err:
            ingest_source(bad, tmp_path / "l2", tmp_path / "s2")
    assert len(tokens) > 3 and "retry" in caplog.text and "gettoken" in caplog.text
    assert "40001" in str(err.value) and "wrong-Secret-777" not in str(err.value)
    assert not committed_batches(tmp_path / "l2")
    text = "\n".join(
        gzip.open(p).read().decode() if p.suffix == ".gz" else p.read_bytes().decode("utf-8", "replace")
        for p in [*landing.rglob("*"), *state.rglob("*")]
        if p.is_file()
    )
    assert "access_token=***" in text  # paths are recorded, redacted
    for secret in (CREDS["corp_secret"], CREDS["corp_id"], *tokens):
        assert secret not in text and secret not in caplog.text


def test_a_config_source_validates_options_and_streams(tmp_path):
    data = yaml.safe_load((REPO / "pulse.example.yml").read_text())
    data["sources"].append(
        {
            "name": "corp",
            "type": "wecom_groups",
            "base_url": "sandbox:wecom",
            "start_date": "2025-01-01",
            "credentials": {"corp_id": "env:WECOM_CORP_ID", "corp_secret": "env:WECOM_CORP_SECRET"},
            "options": {"staff_userids": ["aming"]},
        }
    )
    path = tmp_path / "pulse.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    env = {k: "x" for k in re.findall(r"env:([A-Z_]+)", path.read_text())}
    s = load_config(path, env).source("corp")
    assert s["streams"] == STREAMS and s["options"] == {"staff_userids": ["aming"]}
    data["sources"][-1]["options"] = {"staff": ["aming"]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ConfigError, match="options.staff"):
        load_config(path, env)
