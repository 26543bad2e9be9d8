"""Staging of WeCom customer groups and external contacts (`staging.wecom_groups`), built on the sandbox world the
real connector landed (tests/dbt/sandbox_raw.py) and scored against that world: one row per group, membership
spell, contact and follow the API exposes, the world's values and flags, remark mobiles only as salted hashes, and
the same rows on DuckDB and Postgres.

The sandbox lands one snapshot, so every member there is current. To score the leave rule against the world, the
DuckDB copy also gets a second source, `replay`: the group details as the API would have answered at three moments
(the world's memberships at each), one stored version per moment, as the loader stores changes."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from dbt_helpers import DbtRun
from dbt_raw_fixtures import SALT, contact_hash
from sandbox_raw import build_duckdb, build_postgres, copy_of
from test_dbt_build import fetch, normalize, table_rows

SELECT = ["--select", "staging.wecom_groups"]
SOURCE = "wecom_groups"
REPLAY = "replay"
MODELS = (
    "stg_wecom_groups__group_chats",
    "stg_wecom_groups__group_members",
    "stg_wecom_groups__external_contacts",
    "stg_wecom_groups__contact_followers",
)
UNIT_TESTS = (
    "test_group_members_leave_when_a_later_version_lacks_them",
    "test_contact_followers_tags_and_remark_mobile_hashes",
)
# moments at which the replay source "extracted" the group details (naive UTC); the last is the window end
REPLAY_MOMENTS = (dt.datetime(2025, 6, 1), dt.datetime(2025, 10, 1))


@dataclass
class Built:
    path: Path
    run: DbtRun

    def connect(self):
        import duckdb

        con = duckdb.connect(str(self.path), read_only=True)
        con.execute("set TimeZone = 'UTC'")
        return con


def _epoch(ts) -> int:
    return int(pd.Timestamp(ts).tz_localize("UTC").timestamp())


def _details_at(world, moment: pd.Timestamp) -> dict[str, dict]:
    """Each group's details as groupchat/get answers them at `moment` (pulse.sandbox.platforms.wecom)."""
    groups, members = world["wecom_group_chats"], world["wecom_group_members"]
    present = members[(members["join_time"] <= moment) & ~(members["left_at"] <= moment)]
    out = {}
    for g in groups[groups["create_time"] <= moment].itertuples(index=False):
        rows = present[present["chat_id"] == g.chat_id]
        member_list = []
        for m in rows.itertuples(index=False):
            entry = {"userid": m.userid, "type": int(m.type), "join_time": _epoch(m.join_time)}
            if int(m.type) == 2 and isinstance(m.unionid, str):
                entry["unionid"] = m.unionid
            entry["join_scene"] = int(m.join_scene)
            if isinstance(m.invitor, str):
                entry["invitor"] = {"userid": m.invitor}
            member_list.append(entry)
        admins = [a for a in str(g.admin_userids or "").split(",") if a and a in set(rows["userid"])]
        out[g.chat_id] = {
            "chat_id": g.chat_id,
            "name": g.name,
            "owner": g.owner,
            "create_time": _epoch(g.create_time),
            "notice": g.notice,
            "member_list": member_list,
            "admin_list": [{"userid": a} for a in admins],
        }
    return out


def _replay_moments(world) -> list[pd.Timestamp]:
    return [pd.Timestamp(m) for m in REPLAY_MOMENTS] + [pd.Timestamp(world.meta["window_end_utc"])]


def _add_replay(path: Path, world) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        last: dict[str, str] = {}
        for moment in _replay_moments(world):
            batch = f"replay-{uuid.uuid4().hex[:8]}"
            for chat_id, record in _details_at(world, moment).items():
                text = json.dumps(record, ensure_ascii=False, sort_keys=True)
                if last.get(chat_id) == text:
                    continue  # unchanged: the loader stores no new version
                last[chat_id] = text
                con.execute(
                    "insert into raw.wecom_groups__group_chat_details values (?, ?, ?, ?, md5(?), cast(? as json))",
                    [batch, REPLAY, moment.tz_localize("UTC").to_pydatetime(), chat_id, text, text],
                )
    finally:
        con.close()


@pytest.fixture(scope="module")
def duck(sandbox_raw_data, tmp_path_factory) -> Built:
    work = tmp_path_factory.mktemp("stg-wecom-duckdb")
    path = copy_of(sandbox_raw_data.duckdb, work / "wecom.duckdb")
    _add_replay(path, sandbox_raw_data.world)
    run = build_duckdb(path, SELECT, work)
    assert run.returncode == 0, run.stdout[-5000:]
    return Built(path, run)


@pytest.fixture(scope="module")
def pg(sandbox_pg, tmp_path_factory):
    work = tmp_path_factory.mktemp("stg-wecom-postgres")
    run = build_postgres(sandbox_pg, SELECT, work)
    assert run.returncode == 0, run.stdout[-5000:]
    return sandbox_pg, run


def frame(con, sql: str) -> pd.DataFrame:
    con.execute(sql)
    columns = [d[0] for d in con.description]
    return pd.DataFrame(
        [tuple(normalize(v) for v in r) for r in con.fetchall()], columns=columns, dtype=object
    )


def ts(value) -> str | None:
    """A world timestamp (naive UTC) as normalize() writes a timestamptz."""
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime().isoformat()


def text(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


# --- DuckDB ------------------------------------------------------------------------------------------------------


def test_build_runs_every_model_test_and_unit_test(duck):
    assert not duck.run.failures(), duck.run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert duck.run.status_of(name) in ("success", "pass"), f"{name}: {duck.run.status_of(name)}"
    warned = [r["unique_id"] for r in duck.run.results if r["status"] == "warn"]
    assert not warned, warned


def test_group_chats_are_the_worlds_groups(duck, sandbox_raw_data):
    world = sandbox_raw_data.world
    got = frame(
        duck.connect(), f"select * from staging.stg_wecom_groups__group_chats where source_name = '{SOURCE}'"
    )
    groups = world["wecom_group_chats"]
    assert len(got) == len(groups)
    current = world["wecom_group_members"][world["wecom_group_members"]["left_at"].isna()]
    by_chat = got.set_index("chat_id")
    for g in groups.itertuples(index=False):
        row = by_chat.loc[g.chat_id]
        assert row["chat_key"] == f"{SOURCE}:{g.chat_id}"
        assert (row["chat_name"], row["owner_userid"], row["chat_status"]) == (g.name, g.owner, str(g.status))
        assert row["created_at"] == ts(g.create_time)
        assert row["notice"] == (g.notice or None)
        members = current[current["chat_id"] == g.chat_id]
        assert row["member_count"] == str(len(members))
        assert row["staff_member_count"] == str(int((members["type"] == 1).sum()))
        assert row["external_member_count"] == str(int((members["type"] == 2).sum()))
        assert row["has_details"] == "true"


def test_group_members_are_the_current_memberships_with_the_worlds_flags(duck, sandbox_raw_data):
    world = sandbox_raw_data.world
    got = frame(
        duck.connect(),
        f"select * from staging.stg_wecom_groups__group_members where source_name = '{SOURCE}'",
    )
    members = world["wecom_group_members"]
    current = members[members["left_at"].isna()]  # the API lists who is in the group: leavers are gone
    assert len(got) == len(current) == got["membership_key"].nunique()
    staff = set(world["wecom_staff"]["userid"])
    groups = world["wecom_group_chats"].set_index("chat_id")
    by_key = got.set_index("membership_key")
    for m in current.itertuples(index=False):
        row = by_key.loc[f"{SOURCE}:{m.chat_id}:{m.userid}:{_epoch(m.join_time)}"]
        assert row["member_type"] == str(m.type)
        assert row["joined_at"] == ts(m.join_time)
        assert row["join_scene"] == str(m.join_scene)
        assert row["invitor_userid"] == text(m.invitor)
        assert row["unionid"] == (text(m.unionid) if m.type == 2 else None)
        assert row["contact_key"] == (f"{SOURCE}:{m.userid}" if m.type == 2 else None)
        assert row["is_staff"] == ("true" if m.userid in staff else "false")
        assert row["is_owner"] == ("true" if m.userid == groups.loc[m.chat_id, "owner"] else "false")
        admins = str(groups.loc[m.chat_id, "admin_userids"] or "").split(",")
        assert row["is_admin"] == ("true" if m.userid in admins else "false")
        assert (row["has_left"], row["left_detected_at"]) == ("false", None)
        assert row["first_seen_at"] == row["last_seen_at"]


def test_leaves_follow_the_versions_of_each_group(duck, sandbox_raw_data):
    """The replay source: spells seen at some moment; left when a later version of the group lacks them."""
    world = sandbox_raw_data.world
    moments = _replay_moments(world)
    seen: dict[tuple, list[pd.Timestamp]] = {}
    stored: dict[str, list[pd.Timestamp]] = {}  # per chat, the moments a (changed) version was stored
    last: dict[str, str] = {}
    for moment in moments:
        for chat_id, record in _details_at(world, moment).items():
            text_ = json.dumps(record, ensure_ascii=False, sort_keys=True)
            if last.get(chat_id) != text_:
                stored.setdefault(chat_id, []).append(moment)
                last[chat_id] = text_
            for m in record["member_list"]:
                seen.setdefault((chat_id, m["userid"], m["join_time"]), []).append(moment)
    got = frame(
        duck.connect(),
        f"select * from staging.stg_wecom_groups__group_members where source_name = '{REPLAY}'",
    )
    assert len(got) == len(seen)
    by_key = got.set_index("membership_key")
    left = 0
    for (chat_id, userid, join_time), at in seen.items():
        row = by_key.loc[f"{REPLAY}:{chat_id}:{userid}:{join_time}"]
        versions = stored[chat_id]
        first_version = max(v for v in versions if v <= at[0])
        assert row["first_seen_at"] == first_version.isoformat()
        after = [v for v in versions if v > at[-1]]
        if after:
            left += 1
            assert (row["has_left"], row["left_detected_at"]) == ("true", after[0].isoformat())
        else:
            assert (row["has_left"], row["left_detected_at"]) == ("false", None)
    # the world's truth: whoever left before the window end and was seen before has left
    members = world["wecom_group_members"]
    truth = members[members["left_at"].notna() & (members["join_time"] <= moments[-2])]
    truth = truth[truth.apply(lambda m: any(m.join_time <= t < m.left_at for t in moments[:-1]), axis=1)]
    assert left == len(truth) > 0


def test_external_contacts_are_the_worlds_contacts(duck, sandbox_raw_data):
    world = sandbox_raw_data.world
    got = frame(duck.connect(), "select * from staging.stg_wecom_groups__external_contacts").set_index(
        "external_userid"
    )
    contacts, follows = world["wecom_external_contacts"], world["wecom_follow_users"]
    assert len(got) == len(contacts)
    for c in contacts.itertuples(index=False):
        row = got.loc[c.external_userid]
        assert row["contact_key"] == f"{SOURCE}:{c.external_userid}"
        assert (row["contact_type"], row["gender"]) == (str(c.type), str(c.gender))
        assert row["unionid"] == text(c.unionid)
        assert row["corp_full_name"] == text(c.corp_name)
        assert row["corp_name"] == (
            c.corp_name.removesuffix("有限公司") if isinstance(c.corp_name, str) else None
        )
        mine = follows[follows["external_userid"] == c.external_userid]
        assert row["follower_count"] == str(len(mine))
        assert row["first_added_at"] == ts(mine["createtime"].min())
        assert (row["is_staff"], row["is_bot"]) == ("false", "false")


def test_contact_followers_keep_tags_and_hash_remark_mobiles(duck, sandbox_raw_data):
    world = sandbox_raw_data.world
    got = frame(duck.connect(), "select * from staging.stg_wecom_groups__contact_followers")
    follows = world["wecom_follow_users"]
    assert len(got) == len(follows)
    accounts = world["truth_accounts"]
    person_of = accounts[accounts["platform"] == "wecom_external"].set_index("account_id")["person_id"]
    phone_of = world["persons"].set_index("person_id")["phone_e164"]
    by_key = got.set_index("contact_follower_key")
    hashed = 0
    for f in follows.itertuples(index=False):
        row = by_key.loc[f"{SOURCE}:{f.external_userid}:{f.userid}"]
        assert row["added_at"] == ts(f.createtime)
        assert (row["add_way"], row["oper_userid"]) == (str(f.add_way), f.oper_userid)
        assert row["is_added_by_contact"] == ("true" if f.oper_userid == f.external_userid else "false")
        assert row["contact_way_state"] == text(f.state)
        assert row["tags"] == text(f.tag)
        if isinstance(f.remark_mobile, str):
            # staff typed the person's phone (national for +86): its hash is the person's E.164 phone's
            expected = contact_hash(phone_of.loc[person_of.loc[f.external_userid]])
            assert row["phone_hash"] == row["phone_hashes"] == expected
            assert row["remark_mobile_count"] == "1"
            hashed += 1
        else:
            assert (row["phone_hash"], row["phone_hashes"], row["remark_mobile_count"]) == (None, None, "0")
    assert hashed > 0


def test_no_clear_contact_data_and_no_salt_in_views(duck, sandbox_raw_data):
    world = sandbox_raw_data.world
    con = duck.connect()
    phones = world["persons"]["phone_e164"].dropna()
    nationals = {p.removeprefix("+86") for p in phones} | {p.lstrip("+") for p in phones}
    nationals |= set(world["wecom_follow_users"]["remark_mobile"].dropna())
    columns = fetch(
        con,
        """select table_name, column_name from information_schema.columns
           where table_schema = 'staging' and table_name like 'stg_wecom_groups__%' and data_type = 'VARCHAR'""",
    )
    assert len(columns) > 20
    for table, column in columns:
        for (value,) in fetch(
            con, f'select distinct "{column}" from staging.{table} where "{column}" is not null'
        ):
            assert "@" not in value, f"{table}.{column}: {value}"
            assert not set(re.findall(r"\d{7,}", value)) & nationals, f"{table}.{column}: {value}"
    kinds = dict(
        fetch(
            con, "select table_name, table_type from information_schema.tables where table_schema = 'staging'"
        )
    )
    assert kinds["stg_wecom_groups__contact_followers"] == "BASE TABLE"
    for (sql,) in fetch(con, "select sql from duckdb_views() where not internal"):
        assert SALT not in sql


# --- Postgres ----------------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_build_passes(pg):
    _, run = pg
    assert not run.failures(), run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert run.status_of(name) in ("success", "pass"), f"{name}: {run.status_of(name)}"


@pytest.mark.postgres
@pytest.mark.parametrize("model", MODELS)
def test_adapters_build_identical_tables(duck, pg, model):
    """Same rows on both adapters, hashes included; DuckDB's replay source is not in Postgres."""
    db, _ = pg
    duck_rows = table_rows(
        duck.connect(), f"(select * from staging.{model} where source_name = '{SOURCE}') as t"
    )
    pg_rows = table_rows(
        db.connect(), f"(select * from staging_work.{model} where source_name = '{SOURCE}') as t"
    )
    assert duck_rows, f"{model} is empty"
    assert duck_rows == pg_rows
