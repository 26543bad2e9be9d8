"""WooCommerce staging (`staging.woocommerce`) built over raw tables the real connector landed from the sandbox, scored
against the world that generated them: one row per record the store serves, money and times as the world holds
them (times from the `*_gmt` fields: UTC), guests keep their billing email hash, staff flagged, no clear contact
data, and Postgres builds the same rows as DuckDB."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from dbt_raw_fixtures import SALT, contact_hash
from sandbox_raw import Builds, build_both, rows
from test_dbt_build import fetch, table_rows

MODELS = (
    "stg_woocommerce__customers",
    "stg_woocommerce__orders",
    "stg_woocommerce__order_lines",
    "stg_woocommerce__order_coupons",
    "stg_woocommerce__refunds",
    "stg_woocommerce__coupons",
)
UNIT_TESTS = ("test_woocommerce_orders_money_guests_and_latest_version",)
SOURCE = "woocommerce"  # the sandbox source's name (pulse.sandbox.sources)


def missing(value) -> bool:
    return value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value))


def people(world, platform: str) -> dict[int, tuple[str | None, str | None]]:
    """Account id -> the person's canonical (email, E.164 phone), from the world's ground truth."""
    truth = world["truth_accounts"]
    truth = truth[truth["platform"] == platform]
    persons = world["persons"].set_index("person_id")
    return {
        int(a): (opt(persons.at[p, "email"]), opt(persons.at[p, "phone_e164"]))
        for a, p in zip(truth["account_id"], truth["person_id"], strict=True)
    }


def opt(value):
    return None if missing(value) else value


def utc(value) -> dt.datetime | None:
    """A world timestamp (naive UTC) as an aware datetime; None for NaT."""
    if missing(value):
        return None
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def builds(request, sandbox_raw_data, tmp_path_factory) -> Builds:
    return build_both(
        request, sandbox_raw_data.duckdb, "staging.woocommerce", tmp_path_factory.mktemp("stg-woo")
    )


@pytest.fixture(scope="module")
def woo_duck(builds):
    return builds.duck_path, builds.duck


@pytest.fixture(scope="module")
def con(woo_duck):
    c = duckdb.connect(str(woo_duck[0]), read_only=True)
    c.execute("set TimeZone = 'UTC'")
    yield c
    c.close()


@pytest.fixture(scope="module")
def world(sandbox_raw_data):
    return sandbox_raw_data.world


# --- DuckDB ------------------------------------------------------------------------------------------------------


def test_build_runs_every_model_test_and_unit_test(woo_duck):
    run = woo_duck[1]
    assert not run.failures(), run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert run.status_of(name) in ("success", "pass"), f"{name}: {run.status_of(name)}"
    tests = [r for r in run.results if r["unique_id"].startswith("test.")]
    assert len(tests) >= 25
    assert all(r["status"] == "pass" for r in tests), [r["unique_id"] for r in tests if r["status"] != "pass"]


def test_row_counts_equal_what_the_store_serves(con, world):
    # customers are listed with role=all (staff too), orders with status=any; nothing is hidden
    expected = {
        "stg_woocommerce__customers": len(world["woo_customers"]),
        "stg_woocommerce__orders": len(world["woo_orders"]),
        "stg_woocommerce__order_lines": len(world["woo_order_lines"]),
        "stg_woocommerce__order_coupons": int(world["woo_orders"]["coupon_code"].notna().sum()),
        "stg_woocommerce__refunds": len(world["woo_refunds"]),
        "stg_woocommerce__coupons": len(world["woo_coupons"]),
    }
    assert min(expected.values()) > 0
    got = {m: fetch(con, f"select source_name, count(*) from staging.{m} group by 1") for m in MODELS}
    assert got == {m: [(SOURCE, n)] for m, n in expected.items()}


def test_orders_equal_the_world(con, world):
    w = world["woo_orders"]
    refunded_orders = set(world["woo_refunds"]["order_id"].tolist())
    accounts, guests = people(world, "woocommerce"), people(world, "woocommerce_order")
    got = {r["order_id"]: r for r in rows(con, "select * from staging.stg_woocommerce__orders")}
    assert set(got) == set(w["order_id"].tolist())
    legacy = 0
    for o in w.itertuples():
        r = got[o.order_id]
        legacy += o.order_id % 7 == 3  # the import plugin's orders: totals as JSON numbers
        assert r["order_key"] == f"{SOURCE}:{o.order_id}"
        assert r["total_price"] == o.total and r["total_discounts"] == o.discount_total
        assert r["total_shipping"] == o.shipping_total and r["total_tax"] == o.total_tax
        assert r["subtotal_price"] == o.total - o.shipping_total - o.total_tax
        guest = int(o.customer_id) == 0
        assert r["is_guest"] is guest
        assert r["customer_id"] == (None if guest else int(o.customer_id))
        assert r["customer_key"] == (None if guest else f"{SOURCE}:{o.customer_id}")
        # the hashes are the person's canonical email and phone (typed with capitals, stray spaces, as E.164)
        email, phone = guests[o.order_id] if guest else accounts[int(o.customer_id)]
        assert r["email_hash"] == contact_hash(email) is not None
        assert r["phone_hash"] == (None if missing(o.billing_phone) else contact_hash(phone))
        assert r["order_status"] == o.status
        assert r["is_cancelled"] is (o.status == "cancelled")
        assert r["is_test"] is False
        status = (
            "refunded"
            if o.status == "refunded"
            else "voided"
            if o.status == "cancelled"
            else "partially_refunded"
            if o.order_id in refunded_orders
            else "paid"
            if o.status in ("processing", "completed")
            else "pending"
        )
        assert r["financial_status"] == status
        assert r["discount_code"] == opt(o.coupon_code)
        assert r["currency"] == o.currency and r["sales_channel"] == o.created_via
        assert r["created_at"] == utc(o.date_created) and r["updated_at"] == utc(o.date_modified)
        assert r["paid_at"] == utc(o.date_paid) and r["completed_at"] == utc(o.date_completed)
    assert legacy > 0  # both shapes of money were read
    assert sum(r["is_guest"] for r in got.values()) > 0


def test_order_lines_coupons_and_refunds_equal_the_world(con, world):
    lines = {r["order_line_id"]: r for r in rows(con, "select * from staging.stg_woocommerce__order_lines")}
    for x in world["woo_order_lines"].itertuples():
        r = lines[x.line_id]
        assert r["order_key"] == f"{SOURCE}:{x.order_id}"
        assert (r["quantity"], r["price"], r["subtotal"], r["total"]) == (
            x.quantity,
            x.price,
            x.subtotal,
            x.total,
        )
        assert r["total_discount"] == x.subtotal - x.total
        assert r["variant_id"] == (None if x.variation_id == 0 else x.variation_id)
        assert r["sku"] == x.sku and r["product_id"] == x.product_id
    coupons = {
        (r["order_id"], r["discount_code"]): r["amount"]
        for r in rows(con, "select * from staging.stg_woocommerce__order_coupons")
    }
    w = world["woo_orders"]
    used = w[w["coupon_code"].notna()]
    assert coupons == dict(
        zip(zip(used["order_id"], used["coupon_code"], strict=True), used["discount_total"], strict=True)
    )
    refunds = {r["refund_id"]: r for r in rows(con, "select * from staging.stg_woocommerce__refunds")}
    for x in world["woo_refunds"].itertuples():
        r = refunds[x.refund_id]
        assert r["amount"] == x.amount > 0 and r["order_key"] == f"{SOURCE}:{x.order_id}"
        assert r["reason"] == (x.reason or None)


def test_customers_and_staff_equal_the_world(con, world):
    got = {r["customer_id"]: r for r in rows(con, "select * from staging.stg_woocommerce__customers")}
    w = world["woo_customers"]
    accounts = people(world, "woocommerce")
    for c in w.itertuples():
        r = got[c.customer_id]
        assert r["is_staff"] is (c.role in ("administrator", "shop_manager")), c
        assert r["is_bot"] is False
        assert r["customer_role"] == c.role
        email, phone = accounts[c.customer_id]
        if c.role != "customer":  # staff sign in with the shop's own address, not their personal one
            email = c.email.strip().lower()
        assert r["email_hash"] == contact_hash(email) is not None
        assert r["phone_hash"] == (None if missing(c.billing_phone) else contact_hash(phone))
        assert r["is_paying_customer"] is bool(c.is_paying_customer)
        assert r["created_at"] == utc(c.date_created) and r["updated_at"] == utc(c.date_modified)
    assert (
        sum(r["is_staff"] for r in got.values())
        == int(w["role"].isin(["administrator", "shop_manager"]).sum())
        > 0
    )
    # a customer who registered ordered under the same email: the hashes join orders to accounts
    orders = rows(
        con, "select customer_key, email_hash from staging.stg_woocommerce__orders where not is_guest"
    )
    accounts = dict(fetch(con, "select customer_key, email_hash from staging.stg_woocommerce__customers"))
    assert orders and all(accounts[o["customer_key"]] == o["email_hash"] for o in orders)


def test_coupons_equal_the_world(con, world):
    got = {r["coupon_id"]: r for r in rows(con, "select * from staging.stg_woocommerce__coupons")}
    for c in world["woo_coupons"].itertuples():
        r = got[c.coupon_id]
        assert (r["discount_code"], r["amount"], r["discount_type"], r["usage_count"]) == (
            c.code,
            c.amount,
            c.discount_type,
            c.usage_count,
        )
        assert r["expires_at"] == utc(c.date_expires) and r["updated_at"] == utc(c.date_modified)


def test_no_clear_contact_data(con, world, woo_duck):
    phones = set()
    for frame, column in (("woo_orders", "billing_phone"), ("woo_customers", "billing_phone")):
        phones |= {re.sub(r"[^0-9]", "", p) for p in world[frame][column].dropna()}
    columns = fetch(
        con,
        f"""select table_name, column_name from information_schema.columns
            where table_schema = 'staging' and table_name in {MODELS} and data_type = 'VARCHAR'""",
    )
    assert len(columns) > 20
    for table, column in columns:
        for (value,) in fetch(
            con, f'select distinct "{column}" from staging.{table} where "{column}" is not null'
        ):
            assert "@" not in value, f"{table}.{column}: {value}"
            digits = re.sub(r"[^0-9]", "", value)  # also a number written with spaces or dashes
            assert not any(p in digits for p in phones), f"{table}.{column}: {value}"
    for (sql,) in fetch(con, "select sql from duckdb_views() where not internal"):
        assert SALT not in sql
    hashed = {m for m in MODELS if "orders" in m or "customers" in m}
    assert {
        t for (t,) in fetch(con, "select table_name from duckdb_tables() where schema_name = 'staging'")
    } >= hashed


def test_money_is_decimal(con):
    types = dict(
        fetch(
            con,
            """select column_name, data_type from information_schema.columns
               where table_schema = 'staging' and table_name = 'stg_woocommerce__orders'""",
        )
    )
    assert types["total_price"] == types["subtotal_price"] == "DECIMAL(12,2)"
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert fetch(con, "select sum(total_price) from staging.stg_woocommerce__orders")[0][0] > Decimal(0)


# --- Postgres ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def woo_pg(builds):
    if builds.pg is None:
        pytest.skip("Postgres unavailable")
    assert builds.pg.returncode == 0, builds.pg.stdout[-5000:]
    return builds.pg_db, builds.pg


@pytest.mark.postgres
def test_postgres_build_passes(woo_pg):
    run = woo_pg[1]
    assert not run.failures(), run.failures()
    for name in (*MODELS, *UNIT_TESTS):
        assert run.status_of(name) in ("success", "pass"), f"{name}: {run.status_of(name)}"


@pytest.mark.postgres
@pytest.mark.parametrize("model", MODELS)
def test_postgres_builds_the_same_rows(woo_pg, con, model):
    duck = table_rows(con, f"staging.{model}")
    pg = table_rows(woo_pg[0].connect(), f"staging_work.{model}")
    assert duck, f"{model} is empty"
    assert len(duck) == len(pg)
    assert duck == pg


@pytest.mark.postgres
def test_postgres_views_hold_no_salt(woo_pg):
    """Staging builds tables (dbt_project.yml): no view definition can keep the salt, these models included."""
    pg = woo_pg[0].connect()
    tables = {t for (t,) in fetch(pg, "select tablename from pg_tables where schemaname = 'staging_work'")}
    assert {"stg_woocommerce__order_lines", "stg_woocommerce__refunds"} <= tables
    views = fetch(pg, "select viewname, definition from pg_views where schemaname like '%work'")
    assert not [v for v, d in views if SALT in d]
