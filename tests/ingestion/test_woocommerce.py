"""WooCommerce connector against the sandbox's WooCommerce: every customer, order and coupon lands and loads exactly
once (also with faults and the host's rate limit), incremental runs re-read only the lookback, and the consumer
key and secret never reach landing files or error messages. No recorded WooCommerce responses exist
(../shared/real-api-samples has none), so the quirks are pinned here against the documented behaviour."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from ingestion.landing import committed_batches
from ingestion.load import load_landing
from ingestion.runner import ingest_source, parse_ts
from ingestion.runtime.errors import SourceRequestError
from ingestion.runtime.http import redact
from ingestion.woocommerce import SOURCE_TYPE, gmt
from pulse.config import Config
from pulse.sandbox.server import make_server
from pulse.sandbox.world import generate_world
from pulse.warehouse import DuckDBWarehouse

FAULTS = (
    "429=0.02,500=0.03,503=0.02,slow=0.01,truncate=0.03,truncate_close=0.01,reset=0.01,"
    "seed=5,slow_seconds=0.6,retry_after=0.01..0.05"
)


@pytest.fixture(scope="module")
def world():
    return generate_world(11, 500, 4)


def source(url: str, creds: dict, **extra) -> dict:
    return {
        "name": "woo",
        "type": "woocommerce",
        "base_url": f"{url}/woocommerce",
        "credentials": dict(creds),
        "streams": ["customers", "orders", "coupons"],
        "start_date": dt.date(2020, 1, 1),
        "lookback": dt.timedelta(days=2),
        "page_size": 25,
        "timeout_seconds": 0.4,
        "max_retries": 10,
        "requests_per_second": 1000.0,
        **extra,
    }


def warehouse(tmp_path) -> DuckDBWarehouse:
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


def raw_keys(wh, table: str) -> list[int]:
    with wh.writer() as con:
        return sorted(int(r[0]) for r in con.execute(f"select _pk from {table}").fetchall())


def landed(landing, stream: str) -> list[dict]:
    out = []
    for f in sorted(landing.glob(f"*/{stream}/*/records.jsonl.gz")):
        out += [json.loads(line) for line in gzip.open(f).read().splitlines()]
    return out


def expected(world) -> dict[str, list[int]]:
    return {
        "raw.woocommerce__customers": sorted(world["woo_customers"]["customer_id"].astype(int)),
        "raw.woocommerce__orders": sorted(world["woo_orders"]["order_id"].astype(int)),
        "raw.woocommerce__coupons": sorted(world["woo_coupons"]["coupon_id"].astype(int)),
    }


@pytest.mark.parametrize("faults", [None, FAULTS], ids=["clean", "faults"])
def test_every_record_lands_and_loads_exactly_once(tmp_path, world, faults):
    landing = tmp_path / "landing"
    with make_server(world, rate_limits=False, faults=faults) as server:
        creds = server.credentials["woocommerce"]
        results = ingest_source(source(server.url, creds, page_size=5), landing, tmp_path / "state")
        stats = server.stats_snapshot()
    assert [r.stream for r in results] == ["customers", "orders", "coupons"]
    wh = warehouse(tmp_path)
    report = load_landing(wh, landing, [])
    assert report.quarantined == 0
    for table, keys in expected(world).items():
        assert raw_keys(wh, table) == keys, table  # every record once: staff (role=all) included
    if faults:
        assert sum(stats["faults"].values()) >= 3, stats
        assert any(s not in ("200",) for s in stats["by_status"]), stats


def test_money_lands_as_sent_strings_and_floats(tmp_path, world):
    """Documented as strings; line items' price is a number, and the import plugin's orders carry numbers."""
    landing = tmp_path / "landing"
    with make_server(world, rate_limits=False) as server:
        ingest_source(
            source(server.url, server.credentials["woocommerce"], streams=["orders"]), landing, tmp_path
        )
    orders = landed(landing, "orders")
    kinds = {type(o["total"]) for o in orders}
    assert kinds == {str, float}, kinds
    assert all(isinstance(li["price"], float) for o in orders for li in o["line_items"])
    assert all(isinstance(o["date_created_gmt"], str) and "+" not in o["date_created_gmt"] for o in orders)
    guests = [o for o in orders if o["customer_id"] == 0]
    assert guests and all(o["billing"]["email"] for o in guests)
    refunded = [r for o in orders for r in o["refunds"]]
    assert all(r["total"].startswith("-") for r in refunded)
    # the cursor reads the offset-less GMT field as UTC
    assert parse_ts(orders[0]["date_modified_gmt"]).utcoffset() == dt.timedelta(0)


def test_incremental_run_lands_only_the_lookback(tmp_path, world):
    landing = tmp_path / "landing"
    with make_server(world, rate_limits=False) as server:
        s = source(server.url, server.credentials["woocommerce"], streams=["orders", "coupons"])
        first = ingest_source(s, landing, tmp_path / "state")
        second = ingest_source(s, landing, tmp_path / "state")
        paths = [p["path"] for b in committed_batches(landing) for p in b.meta["pages"]]
    orders = world["woo_orders"]
    newest = orders["date_modified"].max()
    in_lookback = int((orders["date_modified"] > newest - dt.timedelta(days=2)).sum())
    assert first[0].records == len(orders)
    assert second[0].records == in_lookback < len(orders)
    # the cursor went out as GMT without offset, with dates_are_gmt
    later = [p for p in paths if "modified_after=" in p and "2020-01-01" not in p]
    assert later and all("dates_are_gmt=true" in p for p in later)
    wh = warehouse(tmp_path)
    load_landing(wh, landing, [])
    assert raw_keys(wh, "raw.woocommerce__orders") == sorted(
        orders["order_id"].astype(int)
    )  # no new versions


def test_rate_limited_host_is_waited_out(tmp_path, world):
    """The host allows 25 requests a window (1 s at rate_scale 10); a 2-per-page crawl overruns it."""
    with make_server(world, rate_limits=True, rate_scale=10) as server:
        s = source(server.url, server.credentials["woocommerce"], streams=["orders"], page_size=2)
        (res,) = ingest_source(s, tmp_path / "landing", tmp_path / "state")
        stats = server.stats_snapshot()
    assert stats["by_status"].get("429", 0) >= 1, stats
    assert res.records == len(world["woo_orders"])


@pytest.mark.parametrize("which", ["consumer_key", "consumer_secret"])
def test_bad_credentials_fail_clearly_and_secrets_stay_out(tmp_path, world, which):
    landing = tmp_path / "landing"
    with make_server(world, rate_limits=False) as server:
        creds = dict(server.credentials["woocommerce"])
        good = ingest_source(source(server.url, creds, streams=["coupons"]), landing, tmp_path / "state")
        creds[which] = "wrong-" + creds[which][-12:]
        with pytest.raises(SourceRequestError) as err:
            ingest_source(source(server.url, creds, streams=["orders"]), landing, tmp_path / "state")
        real = server.credentials["woocommerce"]
    assert good[0].records
    assert "401" in str(err.value) and "woocommerce_rest_authentication_error" in str(err.value)
    assert creds[which] not in str(err.value)
    assert [b.meta["stream"] for b in committed_batches(landing)] == ["coupons"]
    for f in [*landing.rglob("*"), *(tmp_path / "state").rglob("*")]:
        if f.is_file():
            text = gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
            for secret in (real["consumer_key"], real["consumer_secret"]):
                assert secret.encode() not in text, f


def test_query_credentials_are_redacted_from_paths():
    """Hosts that strip Authorization need consumer_key/consumer_secret in the query; recorded paths hide both."""
    path = "/wp-json/wc/v3/orders?consumer_key=ck_live_123&consumer_secret=cs_live_456&page=2"
    shown = redact(path)
    assert "ck_live_123" not in shown and "cs_live_456" not in shown and "page=2" in shown


def test_stream_declarations():
    orders = SOURCE_TYPE.streams["orders"]
    assert orders.params["orderby"] == "id" and orders.params["order"] == "asc"
    assert orders.paginator.total_pages_header == "X-WP-TotalPages" and orders.max_page_size == 100
    assert SOURCE_TYPE.streams["customers"].params["role"] == "all"
    assert SOURCE_TYPE.streams["customers"].cursor_mode is None  # no modified_after on customers
    assert gmt("2026-01-05T12:00:00+08:00") == "2026-01-05T04:00:00"
