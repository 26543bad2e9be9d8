"""Suite metadata, the pandas pre-checks and the derived check frames, without importing Great Expectations."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from expectations import SUITES, tables_needed
from expectations.checks import (
    derived_frames,
    member_reconciliation,
    raw_order_revenue,
    revenue_reconciliation,
    row_count_drift,
)
from expectations.suites import ALL_ACTIVE, is_raw_table, prepare_frame

REPO = Path(__file__).resolve().parents[2]


def test_tables_needed_and_no_gx_import_at_module_level():
    assert tables_needed()[0] == "marts.community_health_weekly"
    assert set(tables_needed()) == {
        "marts.community_health_weekly",
        "marts.member_points_balance",
        "marts.dim_members",
        "marts.member_tier_history",
        "marts.member_rfm",
        "marts.member_clv",
        "marts.campaign_performance",
    }
    assert SUITES["marts.community_health_weekly"].required
    assert not SUITES["marts.member_points_balance"].required
    assert is_raw_table("raw.discourse__posts") and not is_raw_table("raw._batches")
    assert not is_raw_table("marts.dim_members")
    probe = (
        "import sys, expectations.gate, expectations.suites, expectations.checks; "
        "print('great_expectations' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_prepare_frame_adds_the_all_members_of_the_week_and_platform():
    df = pd.DataFrame(
        {
            "week_start": ["2026-11-09"] * 4 + ["2026-11-16"] * 2,
            "community": ["all", "brand_cn", "all", "brand_cn", "brand_cn", "brand_global"],
            "platform": ["all", "all", "discord", "discord", "all", "all"],
            "active_members": [100, 60, 30, 20, 70, 20],
            "revenue": ["1.50", "2.00", None, None, "-1", None],
        }
    )
    out = prepare_frame("marts.community_health_weekly", df)
    assert list(out[ALL_ACTIVE].iloc[:4]) == [100.0, 100.0, 30.0, 30.0]
    assert out[ALL_ACTIVE].iloc[4:].isna().all()  # no 'all' row that week
    assert ALL_ACTIVE not in df.columns  # the caller's frame is untouched


def test_prepare_frame_checks_raw_records_against_their_contract():
    records = [
        {"id": 1, "topic_id": 2, "created_at": "2026-09-07T04:08:05+08", "post_number": "3"},
        {"id": "x", "created_at": "not a time", "post_number": 1.5},  # no topic_id, bad id, bad time
        "not json",
    ]
    df = pd.DataFrame(
        {
            "_batch_id": "b",
            "_source": "forum",
            "_extracted_at": [
                pd.Timestamp("2026-11-23T00:00:00Z"),
                None,
                pd.Timestamp("1970-01-01", tz="UTC"),
            ],
            "_pk": ["1", "2", "3"],
            "_hash": ["a", "b", "c"],
            "_record": [r if isinstance(r, str) else json.dumps(r) for r in records],
        }
    )
    out = prepare_frame("raw.discourse__posts", df)
    assert list(out["record.topic_id"]) == ["2", None, None]
    assert list(out["record.id is int"]) == [True, False, None]
    assert list(out["record.post_number is int"]) == [True, False, None]
    epoch = out["record.created_at (epoch s)"]
    assert epoch.iloc[0] == dt.datetime(2026, 9, 6, 20, 8, 5, tzinfo=dt.UTC).timestamp()
    assert epoch.iloc[1:].isna().all()
    assert out["_extracted_at (epoch s)"].iloc[2] == 0.0
    assert (
        "record.id" not in prepare_frame("raw.discourse__categories", df).columns
    )  # no contract: no columns


def raw_orders(records: list[tuple[str, str, dict]]) -> pd.DataFrame:
    """(pk, batch, record) rows of a raw orders table."""
    return pd.DataFrame(
        {
            "_batch_id": [b for _, b, _ in records],
            "_source": "shop",
            "_extracted_at": pd.Timestamp("2026-11-23T00:00:00Z"),
            "_pk": [pk for pk, _, _ in records],
            "_hash": [str(i) for i in range(len(records))],
            "_record": [json.dumps(r) for _, _, r in records],
        }
    )


def in_warehouse(raw: dict[str, pd.DataFrame]) -> dict:
    """The net revenue of raw orders frames, computed by the gate's SQL on a DuckDB holding them as raw tables."""
    con = duckdb.connect()
    try:
        con.execute("create schema raw")
        for table, frame in raw.items():
            con.execute(f"""create table {table} (_batch_id varchar, _source varchar, _extracted_at timestamptz,
                            _pk varchar, _hash varchar, _record json)""")
            con.register("frame", frame)
            con.execute(f"insert into {table} select * from frame")
            con.unregister("frame")
        return raw_order_revenue(lambda sql: con.execute(sql).df(), str, tables(con))
    finally:
        con.close()


def test_revenue_reconciles_mart_against_the_raw_orders():
    def order(pk, total, updated, **extra):
        return {"id": int(pk), "currency": "CNY", "total_price": total, "financial_status": "paid",
                "updated_at": updated, **extra}  # fmt: skip

    refund = {"transactions": [{"kind": "refund", "status": "success", "amount": "20.00"},
                               {"kind": "refund", "status": "failure", "amount": "99.00"}]}  # fmt: skip
    shop = raw_orders(
        [
            ("1", "b1", order("1", "100.00", "2026-10-01T00:00:00Z")),
            ("1", "b2", order("1", "100.00", "2026-10-02T00:00:00Z", refunds=[refund])),  # latest: 80
            ("2", "b1", order("2", "50.00", "2026-10-01T00:00:00Z", cancelled_at="2026-10-01T01:00:00Z")),
            ("3", "b1", order("3", "40.00", "2026-10-01T00:00:00Z", test=True)),
            ("4", "b1", order("4", "30.00", "2026-10-01T00:00:00Z", financial_status="pending")),
            ("5", "b1", order("5", "10.00", "2026-10-01T00:00:00Z", refunds=[refund])),  # over-refunded: 0
            ("6", "b1", order("6", "25.50", "2026-10-01T00:00:00Z", financial_status="partially_refunded")),
        ]
    )
    woo = raw_orders(
        [
            ("7", "b1", {"id": 7, "currency": "USD", "total": "12.00", "status": "completed"}),
            ("8", "b1", {"id": 8, "currency": "USD", "total": "9.00", "status": "pending"}),
            ("9", "b1", {"id": 9, "currency": "USD", "total": 8.5, "status": "refunded", "refunds": [{"total": "-8.50"}]}),
        ]
    )  # fmt: skip
    mart = pd.DataFrame(
        {
            "platform": ["shopify", "shopify", "woocommerce", "all"],
            "revenue": [100.0, 5.5, 12.0, 999.0],
            "revenue_currency": ["CNY", "CNY", "USD", "mixed"],
        }
    )
    frame = revenue_reconciliation(
        mart, in_warehouse({"raw.shopify__orders": shop, "raw.woocommerce__orders": woo})
    )
    rows = {r.platform: r for r in frame.itertuples()}
    assert rows["shopify"].raw_revenue == 105.5 and rows["shopify"].relative_difference == 0.0
    assert rows["woocommerce"].raw_revenue == 12.0 and rows["woocommerce"].relative_difference == 0.0
    mart.loc[0, "revenue"] = 101.0  # one unit more than the raw orders say
    frame = revenue_reconciliation(mart, in_warehouse({"raw.shopify__orders": shop}))
    assert frame["relative_difference"].iloc[0] == pytest.approx(1 / 105.5, abs=1e-6)
    # the health mart's first grain (no platform column): its community='all' rows are Shopify's
    first = revenue_reconciliation(
        pd.DataFrame({"revenue": [105.5]}), in_warehouse({"raw.shopify__orders": shop})
    )
    assert first["relative_difference"].iloc[0] == 0.0


@pytest.fixture
def warehouse():
    con = duckdb.connect()
    con.execute("create schema marts; create schema staging; create schema intermediate")
    con.execute("create table staging.stg_discourse__users as select range as id from range(5)")
    con.execute("create table staging.stg_shopify__customers as select range as id from range(3)")
    con.execute("""create table marts.dim_member_accounts as
                   select 'M' || (range % 4) as member_id, 'discourse' as platform from range(5)
                   union all select 'M' || range, 'shopify' from range(2)""")
    con.execute("create table marts.dim_members as select 'M' || range as member_id from range(4)")
    con.execute("""create table marts.fct_questions as
                   select date '2026-11-02' + cast(range % 3 as int) * 7 as created_week from range(30)
                   union all select date '2026-11-16' from range(5)""")
    yield con
    con.close()


def tables(con) -> set[str]:
    rows = con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    return {r[0] for r in rows}


def test_member_accounts_reconcile_with_staging(warehouse):
    query = lambda sql: warehouse.execute(sql).df()  # noqa: E731
    frame = member_reconciliation(query, str, tables(warehouse))
    rows = {(r.what, r.platform): r.difference for r in frame.itertuples()}
    assert rows == {("accounts", "discourse"): 0, ("accounts", "shopify"): -1, ("members", "all"): 0}


def test_row_count_drift_compares_the_last_complete_week_with_the_one_before(warehouse):
    query = lambda sql: warehouse.execute(sql).df()  # noqa: E731
    # today is in the week of 2026-11-23: the last complete week is 2026-11-16 (10 + 5 rows) vs 2026-11-09 (10)
    frame = row_count_drift(query, str, tables(warehouse), dt.date(2026, 11, 25))
    row = frame.iloc[0]
    assert (row["table"], row["week_start"], row["rows"], row["previous_rows"]) == (
        "marts.fct_questions",
        dt.date(2026, 11, 16),
        15,
        10,
    )
    assert row["change"] == 0.5
    # mid-week 2026-11-16: that week is not complete yet, 2026-11-09 against 2026-11-02
    assert row_count_drift(query, str, tables(warehouse), dt.date(2026, 11, 18))["change"].iloc[0] == 0.0
    everything = derived_frames(query, str, tables(warehouse), today=dt.date(2026, 11, 25))
    assert set(everything) == {"checks.member_reconciliation", "checks.row_count_drift"}
