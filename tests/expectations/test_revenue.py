"""The revenue reconciliation's SQL (expectations/checks.py `raw_order_revenue`) against the Python it replaced, on
the sandbox world's raw Shopify and WooCommerce orders landed by the connectors and loaded by the loader, plus later
versions that exercise the latest-version rules: on DuckDB and on Postgres."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from expectations.checks import raw_order_revenue
from expectations.suites import _to_utc
from ingestion.load import load_landing
from pulse.config import Config
from pulse.sandbox.scales import SCALES
from pulse.warehouse import DuckDBWarehouse, PostgresWarehouse, fetch_df

ORDERS = ("raw.shopify__orders", "raw.woocommerce__orders")

# ----------------------------------------------------------------------------------------------------------------
# The reference: the gate's former Python implementation, as it was (it parsed every raw order in the gate).


def _record(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value)
    except (TypeError, json.JSONDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value).strip()) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def _latest(df: pd.DataFrame, updated_at: str) -> list[dict]:
    best: dict[tuple, tuple] = {}
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    for source, pk, extracted, batch, digest, raw in df[
        ["_source", "_pk", "_extracted_at", "_batch_id", "_hash", "_record"]
    ].itertuples(index=False):
        rec = _record(raw)
        rank = (
            _to_utc(rec.get(updated_at)) or floor,
            _to_utc(str(extracted)) or floor,
            str(batch or ""),
            str(digest or ""),
        )
        key = (source, pk)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, rec)
    return [rec for _, rec in best.values()]


def shopify_net(records: list[dict]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for r in records:
        counted = (
            r.get("financial_status") in ("paid", "partially_refunded", "refunded", "partially_paid")
            and not r.get("cancelled_at")
            and not r.get("test")
        )
        if not counted:
            continue
        refunded = sum(
            (
                _money(t.get("amount"))
                for refund in r.get("refunds") or []
                for t in refund.get("transactions") or []
                if t.get("kind") == "refund" and (t.get("status") or "success") == "success"
            ),
            Decimal(0),
        )
        currency = str(r.get("currency"))
        out[currency] = out.get(currency, Decimal(0)) + max(
            Decimal(0), _money(r.get("total_price")) - refunded
        )
    return out


def woocommerce_net(records: list[dict]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for r in records:
        status = r.get("status")
        refunds = r.get("refunds") or []
        paid = (
            status == "refunded"
            or bool(refunds)
            or status in ("processing", "completed")
            or bool(r.get("date_paid_gmt"))
        )
        if status in ("cancelled", "failed", "trash") or not paid:
            continue
        refunded = sum((abs(_money(x.get("total"))) for x in refunds), Decimal(0))
        currency = str(r.get("currency"))
        out[currency] = out.get(currency, Decimal(0)) + max(Decimal(0), _money(r.get("total")) - refunded)
    return out


def python_reference(con) -> dict[str, dict[str, Decimal]]:
    shop = fetch_df(con, "select * from raw.shopify__orders")
    woo = fetch_df(con, "select * from raw.woocommerce__orders")
    return {
        "shopify": shopify_net(_latest(shop, "updated_at")),
        "woocommerce": woocommerce_net(_latest(woo, "date_modified_gmt")),
    }


# ----------------------------------------------------------------------------------------------------------------


def later_versions(con) -> list[tuple[str, tuple]]:
    """(table, row) versions to add to the loaded orders, each one a rule the latest version must get right."""
    shop = fetch_df(con, "select * from raw.shopify__orders order by _pk limit 6")
    woo = fetch_df(con, "select * from raw.woocommerce__orders order by _pk limit 4")
    rows = []

    def add(table: str, base: pd.Series, batch: str, extracted: str, record: dict, digest: str) -> None:
        rows.append((table, (batch, base["_source"], extracted, base["_pk"], digest, json.dumps(record))))

    early, late = "2026-01-01T00:00:00+00:00", "2099-01-01T00:00:00+00:00"
    s = [(_record(r["_record"]), r) for _, r in shop.iterrows()]
    # 1: the newer version says 13:00Z, the older 20:00+08:00 (12:00Z): the text sorts the other way; the newer
    #    one was extracted earlier, in a smaller batch, and it is fully refunded
    older, row = s[0]
    refund = {"transactions": [{"kind": "refund", "status": "success", "amount": older.get("total_price")}]}
    add(
        "raw.shopify__orders",
        row,
        "0-older",
        late,
        {**older, "updated_at": "2030-10-01T20:00:00+08:00"},
        "h1a",
    )
    add("raw.shopify__orders", row, "0-newer", early,
        {**older, "updated_at": "2030-10-01T13:00:00Z", "financial_status": "refunded", "refunds": [refund]}, "h1b")  # fmt: skip
    # 2: the same updated_at, a later extraction: a test order now
    rec, row = s[1]
    add(
        "raw.shopify__orders",
        row,
        "0-test",
        late,
        {**rec, "updated_at": "2031-01-01T00:00:00+08", "test": True},
        "h2a",
    )
    add("raw.shopify__orders", row, "9-test", early, {**rec, "updated_at": "2031-01-01T00:00:00+08"}, "h2b")
    # 3: a partial refund among a failed one and a non-refund transaction; amounts as text and as numbers
    rec, row = s[2]
    transactions = [
        {"kind": "refund", "status": "success", "amount": "1.25"},
        {"kind": "refund", "status": "failure", "amount": "999"},
        {"kind": "refund", "amount": 0.5},
        {"kind": "capture", "status": "success", "amount": "7"},
    ]
    add("raw.shopify__orders", row, "9-partial", late,
        {**rec, "updated_at": "2032-01-01T00:00:00Z", "financial_status": "partially_refunded", "cancelled_at": "",
         "refunds": [{"transactions": transactions[:2]}, {"transactions": transactions[2:]}, {}]}, "h3")  # fmt: skip
    # 4: money that is no number, a missing currency, a cancelled order, a test flag as 0
    rec, row = s[3]
    add("raw.shopify__orders", row, "9-junk", late,
        {**rec, "updated_at": "2032-01-01 00:00:00", "financial_status": "paid", "total_price": "n/a",
         "currency": None}, "h4")  # fmt: skip
    rec, row = s[4]
    add("raw.shopify__orders", row, "9-cancelled", late,
        {**rec, "updated_at": 1956528000, "cancelled_at": "2032-01-01T00:00:00Z"}, "h5")  # fmt: skip
    rec, row = s[5]
    add("raw.shopify__orders", row, "9-zero", late,
        {**rec, "updated_at": "2032-01-01T00:00:00-05:00", "financial_status": "paid", "test": 0,
         "currency": "USD", "total_price": 12}, "h6")  # fmt: skip
    w = [(_record(r["_record"]), r) for _, r in woo.iterrows()]
    # 5: naive GMT text (no offset): a later cancellation; a refund total as a number; paid only by its date
    rec, row = w[0]
    add("raw.woocommerce__orders", row, "9-cancel", early, {**rec, "date_modified_gmt": "2033-01-01T00:00:00",
        "status": "cancelled"}, "w1")  # fmt: skip
    rec, row = w[1]
    add("raw.woocommerce__orders", row, "9-refund", early, {**rec, "date_modified_gmt": "2033-01-01T00:00:00",
        "status": "completed", "total": "30.00", "refunds": [{"total": -4.5}, {"total": "-1.00"}]}, "w2")  # fmt: skip
    rec, row = w[2]
    add("raw.woocommerce__orders", row, "9-paid", early, {**rec, "date_modified_gmt": "2033-01-01 00:00:00",
        "status": "on-hold", "date_paid_gmt": "2033-01-01T00:00:00", "refunds": []}, "w3")  # fmt: skip
    rec, row = w[3]
    add("raw.woocommerce__orders", row, "9-unpaid", early, {**rec, "date_modified_gmt": "2033-01-01T00:00:00",
        "status": "on-hold", "date_paid_gmt": None, "refunds": []}, "w4")  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """The S world's Shopify and WooCommerce orders, served by the sandbox and landed by their connectors."""
    from ingestion.runner import ingest_source
    from pulse.sandbox.server import make_server
    from pulse.sandbox.sources import sandbox_sources
    from pulse.sandbox.world import generate_world

    scale = SCALES["S"]
    work = tmp_path_factory.mktemp("revenue")
    world = generate_world(scale.seed, scale.members, scale.weeks)
    server = make_server(world, rate_limits=False)
    server.start()
    try:
        for source in sandbox_sources(world, server.url, None, timeout_seconds=10.0):
            if source["type"] in ("shopify", "woocommerce"):
                results = ingest_source({**source, "streams": ["orders"]}, work / "landing", work / "state")
                assert not [r.error for r in results if r.error]
    finally:
        server.stop()
    return work / "landing"


def warehouse_config(work: Path, warehouse: dict) -> Config:
    return Config(data={"warehouse": warehouse}, file=work / "pulse.yml", root=work)


def check_against_python(con, insert) -> None:
    present = set(ORDERS)
    before = python_reference(con)
    assert sum(len(v) for v in before.values()) >= 2, before  # both platforms' orders landed
    assert raw_order_revenue(lambda sql: fetch_df(con, sql), str, present) == before
    for table, row in later_versions(con):
        insert(table, row)
    after = python_reference(con)
    assert after != before  # the later versions change the net revenue
    assert raw_order_revenue(lambda sql: fetch_df(con, sql), str, present) == after
    assert "None" in after["shopify"]  # an order without currency


def test_revenue_sql_equals_the_python_reference_on_duckdb(landing, tmp_path):
    config = warehouse_config(
        tmp_path,
        {"type": "duckdb", "path": str(tmp_path / "pulse.duckdb"), "memory_limit": "1GB", "threads": 2},
    )
    wh = DuckDBWarehouse(config)
    report = load_landing(wh, landing, [])
    assert set(report.tables) == set(ORDERS) and report.quarantined == 0
    with wh.writer() as con:

        def insert(table: str, row: tuple) -> None:
            con.execute(
                f"insert into {table} values (?, ?, cast(? as timestamptz), ?, ?, cast(? as json))", row
            )

        check_against_python(con, insert)


@pytest.mark.postgres
def test_revenue_sql_equals_the_python_reference_on_postgres(landing, postgres, tmp_path):
    db = postgres.create_database("gate_revenue")
    pg = {"host": db.host, "port": db.port, "user": db.user, "password": db.password, "dbname": db.dbname}
    load_landing(
        PostgresWarehouse(warehouse_config(tmp_path, {"type": "postgres", "postgres": pg})), landing, []
    )
    con = db.connect()
    try:

        def insert(table: str, row: tuple) -> None:
            with con.cursor() as cur:
                cur.execute(f"insert into {table} values (%s, %s, %s::timestamptz, %s, %s, %s::jsonb)", row)

        check_against_python(con, insert)
    finally:
        con.close()
