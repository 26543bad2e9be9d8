"""Youzan (有赞) staging (`staging.youzan`) built over raw tables the real connector landed from the sandbox, scored
against the world that generated them: one row per trade, item, customer and points change the shop serves;
Youzan's local Asia/Shanghai times land on the world's UTC instants; "null"/"true" strings and JSON inside strings
are read; the discount (not listed) is derived; mobiles only as hashes; Postgres builds the same rows as DuckDB."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pandas as pd
import pytest
from dbt_raw_fixtures import SALT, contact_hash
from sandbox_raw import Builds, build_both, rows
from test_dbt_build import fetch, table_rows

MODELS = ("stg_youzan__trades", "stg_youzan__trade_items", "stg_youzan__customers", "stg_youzan__points")
UNIT_TESTS = (
    "test_youzan_trades_strings_json_in_strings_and_local_times",
    "test_youzan_customers_null_strings",
)
SOURCE = "youzan"  # the sandbox source's name (pulse.sandbox.sources)


def missing(value) -> bool:
    return value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value))


def phones(world) -> dict[str, str | None]:
    """yz_open_id -> the person's E.164 phone, from the world's ground truth."""
    truth = world["truth_accounts"]
    truth = truth[truth["platform"] == "youzan"]
    persons = world["persons"].set_index("person_id")
    return {
        a: opt(persons.at[p, "phone_e164"])
        for a, p in zip(truth["account_id"], truth["person_id"], strict=True)
    }


def utc(value) -> dt.datetime | None:
    """A world timestamp (naive UTC) as an aware datetime; None for NaT."""
    if missing(value):
        return None
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=dt.UTC)


def opt(value):
    return None if missing(value) else value


@pytest.fixture(scope="module")
def builds(request, sandbox_raw_data, tmp_path_factory) -> Builds:
    return build_both(request, sandbox_raw_data.duckdb, "staging.youzan", tmp_path_factory.mktemp("stg-yz"))


@pytest.fixture(scope="module")
def yz_duck(builds):
    return builds.duck_path, builds.duck


@pytest.fixture(scope="module")
def con(yz_duck):
    c = duckdb.connect(str(yz_duck[0]), read_only=True)
    c.execute("set TimeZone = 'UTC'")
    yield c
    c.close()


@pytest.fixture(scope="module")
def world(sandbox_raw_data):
    return sandbox_raw_data.world


# --- DuckDB ------------------------------------------------------------------------------------------------------


def test_build_runs_every_model_test_and_unit_test(yz_duck):
    run = yz_duck[1]
    assert not run.failures(), run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert run.status_of(name) in ("success", "pass"), f"{name}: {run.status_of(name)}"
    tests = [r for r in run.results if r["unique_id"].startswith("test.")]
    assert len(tests) >= 20
    assert all(r["status"] == "pass" for r in tests), [r["unique_id"] for r in tests if r["status"] != "pass"]


def test_row_counts_equal_what_the_shop_serves(con, world):
    expected = {
        "stg_youzan__trades": len(world["youzan_trades"]),
        "stg_youzan__trade_items": len(world["youzan_trade_items"]),
        "stg_youzan__customers": len(world["youzan_customers"]),
        "stg_youzan__points": len(world["youzan_points"]),
    }
    assert min(expected.values()) > 0
    got = {m: fetch(con, f"select source_name, count(*) from staging.{m} group by 1") for m in MODELS}
    assert got == {m: [(SOURCE, n)] for m, n in expected.items()}


def test_trades_equal_the_world(con, world):
    got = {r["tid"]: r for r in rows(con, "select * from staging.stg_youzan__trades")}
    w = world["youzan_trades"]
    assert set(got) == set(w["tid"])
    items = world["youzan_trade_items"].groupby("tid")["num"].agg(["count", "sum"])
    phone_of = phones(world)
    for t in w.itertuples():
        r = got[t.tid]
        assert r["order_key"] == f"{SOURCE}:{t.tid}" and r["customer_key"] == f"{SOURCE}:{t.yz_open_id}"
        # local Asia/Shanghai text read in that zone lands on the world's UTC instants
        assert r["created_at"] == utc(t.created_at) and r["updated_at"] == utc(t.update_time)
        assert r["paid_at"] == utc(t.pay_time) and r["consigned_at"] == utc(t.consign_time)
        assert r["completed_at"] == utc(t.success_time)
        assert r["total_price"] == t.payment and r["total_fee"] == t.total_fee
        assert r["total_shipping"] == t.post_fee and r["total_discounts"] == t.discount  # derived: not listed
        assert r["subtotal_price"] == t.payment - t.post_fee
        assert r["discount_code"] == opt(t.coupon_code)  # JSON inside the order_extra string
        # the 11-digit mobile hashes as the person's E.164 number (+86...), the same on every platform
        assert r["phone_hash"] == (None if missing(t.buyer_phone) else contact_hash(phone_of[t.yz_open_id]))
        assert r["fans_id"] == opt(t.fans_id) and r["is_member"] is (not missing(t.fans_id))
        assert r["trade_status"] == t.status and r["refund_state"] == t.refund_state
        assert r["is_cancelled"] is (t.status == "TRADE_CLOSE" and missing(t.pay_time))
        status = {2: "refunded", 1: "partially_refunded"}.get(int(t.refund_state)) or (
            "paid" if not missing(t.pay_time) else "voided" if t.status == "TRADE_CLOSE" else "pending"
        )
        assert r["financial_status"] == status
        assert r["is_test"] is False and r["currency"] == "CNY" and r["points_used"] == 0
        assert (r["item_count"], r["quantity"]) == (items.loc[t.tid, "count"], items.loc[t.tid, "sum"])
    values = list(got.values())
    assert any(r["is_cancelled"] for r in values) and any(r["financial_status"] == "refunded" for r in values)
    assert any(r["discount_code"] for r in values) and any(r["phone_hash"] is None for r in values)


def test_trade_items_equal_the_world(con, world):
    got = {r["oid"]: r for r in rows(con, "select * from staging.stg_youzan__trade_items")}
    for x in world["youzan_trade_items"].itertuples():
        r = got[x.oid]
        assert r["order_key"] == f"{SOURCE}:{x.tid}" and r["tid"] == x.tid
        assert (r["item_id"], r["sku_id"], r["sku"]) == (x.item_id, x.sku_id, x.outer_sku_id)
        assert (r["quantity"], r["price"], r["payment"]) == (x.num, x.price, x.payment)
        assert r["total_discount"] == x.price * x.num - x.payment
        assert r["product_title"] == x.title and r["variant_title"] == x.sku_name  # JSON inside a string


def test_customers_equal_the_world(con, world):
    got = {r["yz_open_id"]: r for r in rows(con, "select * from staging.stg_youzan__customers")}
    phone_of = phones(world)
    for c in world["youzan_customers"].itertuples():
        r = got[c.yz_open_id]
        assert r["customer_key"] == f"{SOURCE}:{c.yz_open_id}"
        assert r["phone_hash"] == (None if missing(c.mobile) else contact_hash(phone_of[c.yz_open_id]))
        assert r["wechat_unionid"] == opt(c.union_id)  # "null" -> null
        assert r["is_member"] is bool(c.is_member) and r["member_level"] == opt(c.member_level)
        assert r["points"] == c.points and r["gender"] == c.gender and r["signup_channel"] == c.source
        assert r["created_at"] == utc(c.created_at) and r["updated_at"] == utc(c.updated_at)
        assert r["is_staff"] is False and r["is_bot"] is False
    # the same person's trades and account meet on the hash of the mobile
    trades = fetch(
        con,
        """select count(*) from staging.stg_youzan__trades as t
           join staging.stg_youzan__customers as c on t.customer_key = c.customer_key
           where t.phone_hash is not null and t.phone_hash <> c.phone_hash""",
    )
    assert trades == [(0,)]


def test_points_equal_the_world(con, world):
    got = {r["points_change_id"]: r for r in rows(con, "select * from staging.stg_youzan__points")}
    for p in world["youzan_points"].itertuples():
        r = got[p.log_id]
        assert r["customer_key"] == f"{SOURCE}:{p.yz_open_id}"
        assert (r["amount"], r["balance_after"], r["event_type"]) == (p.amount, p.balance, p.event_type)
        assert r["is_earned"] is (p.amount > 0) and r["reason"] == p.description
        assert r["tid"] == opt(p.tid) and r["created_at"] == utc(p.created_at)
    assert any(r["amount"] < 0 for r in got.values())


def test_no_clear_contact_data(con, world):
    mobiles = set(world["youzan_customers"]["mobile"].dropna()) | set(
        world["youzan_trades"]["buyer_phone"].dropna()
    )
    assert mobiles
    columns = fetch(
        con,
        f"""select table_name, column_name from information_schema.columns
            where table_schema = 'staging' and table_name in {MODELS} and data_type = 'VARCHAR'""",
    )
    assert len(columns) > 15
    for table, column in columns:
        for (value,) in fetch(
            con, f'select distinct "{column}" from staging.{table} where "{column}" is not null'
        ):
            assert "@" not in value, f"{table}.{column}: {value}"
            digits = re.sub(r"[^0-9]", "", value)  # also a number written with spaces or dashes
            assert not any(m in digits for m in mobiles), f"{table}.{column}: {value}"
    for (sql,) in fetch(con, "select sql from duckdb_views() where not internal"):
        assert SALT not in sql
    tables = {
        t for (t,) in fetch(con, "select table_name from duckdb_tables() where schema_name = 'staging'")
    }
    assert {"stg_youzan__trades", "stg_youzan__customers"} <= tables


# --- Postgres ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def yz_pg(builds):
    if builds.pg is None:
        pytest.skip("Postgres unavailable")
    assert builds.pg.returncode == 0, builds.pg.stdout[-5000:]
    return builds.pg_db, builds.pg


@pytest.mark.postgres
def test_postgres_build_passes(yz_pg):
    run = yz_pg[1]
    assert not run.failures(), run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert run.status_of(name) in ("success", "pass"), f"{name}: {run.status_of(name)}"


@pytest.mark.postgres
@pytest.mark.parametrize("model", MODELS)
def test_postgres_builds_the_same_rows(yz_pg, con, model):
    duck = table_rows(con, f"staging.{model}")
    pg = table_rows(yz_pg[0].connect(), f"staging_work.{model}")
    assert duck, f"{model} is empty"
    assert len(duck) == len(pg)
    assert duck == pg


@pytest.mark.postgres
def test_postgres_views_hold_no_salt(yz_pg):
    """Staging builds tables (dbt_project.yml): no view definition can keep the salt, these models included."""
    pg = yz_pg[0].connect()
    tables = {t for (t,) in fetch(pg, "select tablename from pg_tables where schemaname = 'staging_work'")}
    assert {"stg_youzan__trade_items", "stg_youzan__points"} <= tables
    views = fetch(pg, "select viewname, definition from pg_views where schemaname like '%work'")
    assert not [v for v, d in views if SALT in d]
