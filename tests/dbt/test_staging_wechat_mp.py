"""Staging of the WeChat Official Account (`staging.wechat_mp`), built on the sandbox world the real connector
landed (tests/dbt/sandbox_raw.py) and scored against that world: the followers the API lists (those following at
the end of the window, not the ones who left) with their profiles, the datacube's daily rows exactly, no clear
contact data, and the same rows on DuckDB and Postgres."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from dbt_helpers import DbtRun
from sandbox_raw import build_duckdb, build_postgres, copy_of
from test_dbt_build import fetch, normalize, table_rows

SELECT = ["--select", "staging.wechat_mp"]
SOURCE = "wechat_mp"
MODELS = (
    "stg_wechat_mp__followers",
    "stg_wechat_mp__user_summary",
    "stg_wechat_mp__user_cumulate",
    "stg_wechat_mp__article_summary",
)
UNIT_TESTS = ("test_wechat_followers_subscribe_and_epoch",)
METRICS = (
    "int_page_read_user",
    "int_page_read_count",
    "ori_page_read_user",
    "ori_page_read_count",
    "share_user",
    "share_count",
    "add_to_fav_user",
    "add_to_fav_count",
)


@dataclass
class Built:
    path: Path
    run: DbtRun

    def connect(self):
        import duckdb

        con = duckdb.connect(str(self.path), read_only=True)
        con.execute("set TimeZone = 'UTC'")
        return con


@pytest.fixture(scope="module")
def duck(sandbox_raw_data, tmp_path_factory) -> Built:
    work = tmp_path_factory.mktemp("stg-wechat-mp-duckdb")
    path = copy_of(sandbox_raw_data.duckdb, work / "wechat_mp.duckdb")
    run = build_duckdb(path, SELECT, work)
    assert run.returncode == 0, run.stdout[-5000:]
    return Built(path, run)


@pytest.fixture(scope="module")
def pg(sandbox_pg, tmp_path_factory):
    work = tmp_path_factory.mktemp("stg-wechat-mp-postgres")
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


def day(value) -> str:
    return pd.Timestamp(value).date().isoformat()


# --- DuckDB ------------------------------------------------------------------------------------------------------


def test_build_runs_every_model_test_and_unit_test(duck):
    assert not duck.run.failures(), duck.run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert duck.run.status_of(name) in ("success", "pass"), f"{name}: {duck.run.status_of(name)}"
    warned = [r["unique_id"] for r in duck.run.results if r["status"] == "warn"]
    assert not warned, warned


def test_followers_are_who_follows_at_the_window_end(duck, sandbox_raw_data):
    world = sandbox_raw_data.world
    followers = world["wechat_mp_followers"]
    # following: subscribed, and not unsubscribed since (or subscribed again)
    following = followers[followers["unsubscribe_time"].isna() | followers["resubscribe_time"].notna()]
    assert 0 < len(following) < len(followers)  # the world has unfollowers: the API does not list them
    got = frame(duck.connect(), "select * from staging.stg_wechat_mp__followers").set_index("openid")
    assert sorted(got.index) == sorted(following["openid"])
    for f in following.itertuples(index=False):
        row = got.loc[f.openid]
        assert row["follower_key"] == f"{SOURCE}:{f.openid}"
        assert row["unionid"] == f.unionid
        assert (row["is_subscribed"], row["is_listed"], row["has_profile"]) == ("true", "true", "true")
        last_follow = f.resubscribe_time if pd.notna(f.resubscribe_time) else f.first_subscribe_time
        assert row["subscribed_at"] == ts(last_follow)
        assert row["subscribe_scene"] == f.subscribe_scene
        assert row["qr_scene_str"] == (f.qr_scene_str if isinstance(f.qr_scene_str, str) else None)
        assert row["user_language"] == f.language
        assert (row["tag_ids"], row["tag_count"]) == (None, "0")  # the sandbox tags nobody


def test_user_summary_is_the_datacube(duck, sandbox_raw_data):
    summary = sandbox_raw_data.world["wechat_mp_user_summary"]
    got = fetch(
        duck.connect(),
        """select user_summary_key, ref_date, user_source, new_user, cancel_user, net_user
           from staging.stg_wechat_mp__user_summary""",
    )
    expected = [
        (
            f"{SOURCE}:{day(r.ref_date)}:{r.user_source}",
            day(r.ref_date),
            r.user_source,
            r.new_user,
            r.cancel_user,
        )
        for r in summary.itertuples(index=False)
    ]
    assert sorted((k, d.isoformat(), s, n, c) for k, d, s, n, c, _ in got) == sorted(expected)
    assert all(net == n - c for _, _, _, n, c, net in got)
    assert sum(n for _, _, _, n, _, _ in got) > 0 and sum(c for _, _, _, _, c, _ in got) > 0


def test_user_cumulate_is_the_datacube(duck, sandbox_raw_data):
    cumulate = sandbox_raw_data.world["wechat_mp_user_cumulate"]
    got = fetch(duck.connect(), "select ref_date, cumulate_user from staging.stg_wechat_mp__user_cumulate")
    assert sorted((d.isoformat(), n) for d, n in got) == sorted(
        (day(r.ref_date), r.cumulate_user) for r in cumulate.itertuples(index=False)
    )


def test_article_summary_is_the_datacube(duck, sandbox_raw_data):
    articles = sandbox_raw_data.world["wechat_mp_articles"]
    got = frame(duck.connect(), "select * from staging.stg_wechat_mp__article_summary")
    assert len(got) == len(articles)
    by_key = got.set_index("article_summary_key")
    for a in articles.itertuples(index=False):
        row = by_key.loc[f"{SOURCE}:{day(a.ref_date)}:{a.msgid}"]
        assert (row["ref_date"], row["msgid"], row["title"]) == (day(a.ref_date), a.msgid, a.title)
        appmsgid, index = a.msgid.split("_")
        assert (row["appmsgid"], row["article_index"]) == (appmsgid, index)
        assert tuple(row[m] for m in METRICS) == tuple(str(getattr(a, m)) for m in METRICS)


def test_no_clear_contact_data(duck, sandbox_raw_data):
    con = duck.connect()
    phones = sandbox_raw_data.world["persons"]["phone_e164"].dropna()
    numbers = {p.removeprefix("+86") for p in phones} | {p.lstrip("+") for p in phones}
    columns = fetch(
        con,
        """select table_name, column_name from information_schema.columns
           where table_schema = 'staging' and table_name like 'stg_wechat_mp__%' and data_type = 'VARCHAR'""",
    )
    assert len(columns) >= 10
    for table, column in columns:
        for (value,) in fetch(
            con, f'select distinct "{column}" from staging.{table} where "{column}" is not null'
        ):
            assert "@" not in value, f"{table}.{column}: {value}"
            assert not set(re.findall(r"\d{7,}", value)) & numbers, f"{table}.{column}: {value}"
    names = {c for _, c in columns}
    assert not names & {"nickname", "headimgurl", "remark"}


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
    db, _ = pg
    duck_rows = table_rows(duck.connect(), f"staging.{model}")
    pg_rows = table_rows(db.connect(), f"staging_work.{model}")
    assert duck_rows, f"{model} is empty"
    assert duck_rows == pg_rows
