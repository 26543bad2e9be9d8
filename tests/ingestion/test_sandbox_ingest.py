"""Discourse and Shopify connectors against the real sandbox server: every record the sandbox holds lands and loads
exactly once, also with injected faults (429, 5xx, slow, truncated bodies, resets)."""

from __future__ import annotations

import datetime as dt

import pytest

from ingestion.landing import committed_batches
from ingestion.load import load_landing
from ingestion.runner import ingest_source
from ingestion.runtime.errors import CircuitOpenError, SourceRequestError
from pulse.config import Config
from pulse.testing.tiny_world import CREDENTIALS, make_tiny_world, running_server
from pulse.warehouse import DuckDBWarehouse


def source(name: str, kind: str, url: str, **extra) -> dict:
    return {
        "name": name,
        "type": kind,
        "base_url": f"{url}/{kind}",
        "credentials": dict(CREDENTIALS[kind]),
        "streams": ["categories", "users", "topics", "posts"]
        if kind == "discourse"
        else ["customers", "orders"],
        "start_date": dt.date(2024, 1, 1),
        "lookback": dt.timedelta(days=2),
        "page_size": 50,
        "timeout_seconds": 1.0,
        "max_retries": 10,
        "requests_per_second": 1000.0,
        **extra,
    }


@pytest.fixture(scope="module")
def world():
    return make_tiny_world(seed=3, users=260, topics=70, customers=300, orders=420)


def _warehouse(tmp_path):
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


def _ids(con, table: str) -> list[int]:
    return sorted(int(r[0]) for r in con.execute(f"select _pk from {table}").fetchall())


def _expected(world):
    """What the platform shows an admin key: private messages are not in /latest.json or /posts.json."""
    topics = world["discourse_topics"]
    public = topics[topics["archetype"] != "private_message"]["topic_id"]
    posts = world["discourse_posts"]
    return {
        "raw.discourse__users": sorted(world["discourse_users"]["user_id"].astype(int)),
        "raw.discourse__posts": sorted(posts[posts["topic_id"].isin(public)]["post_id"].astype(int)),
        "raw.discourse__topics": sorted(public.astype(int)),
        "raw.discourse__categories": sorted(world["discourse_categories"]["category_id"].astype(int)),
        "raw.shopify__customers": sorted(world["shopify_customers"]["customer_id"].astype(int)),
        "raw.shopify__orders": sorted(world["shopify_orders"]["order_id"].astype(int)),
    }


@pytest.mark.parametrize(
    "faults",
    [
        None,
        "429=0.03,500=0.02,503=0.01,slow=0.01,truncate=0.02,truncate_close=0.01,"
        "reset=0.01,seed=11,slow_seconds=1.5,retry_after=0.01..0.05",
    ],
)
def test_every_record_lands_exactly_once(tmp_path, world, faults):
    landing, state = tmp_path / "landing", tmp_path / "state"
    with running_server(world, rate_limits=False, faults=faults) as server:
        results = []
        for s in (source("forum", "discourse", server.url), source("shop", "shopify", server.url)):
            results += ingest_source(s, landing, state)
        stats = server.stats_snapshot()
    wh = _warehouse(tmp_path)
    report = load_landing(wh, landing, [])
    assert report.quarantined == 0
    with wh.writer() as con:
        for table, ids in _expected(world).items():
            assert _ids(con, table) == ids, table
    if faults:  # the faults really happened, and were retried through
        assert any(str(status) != "200" for status in _statuses(stats)), stats
    assert all(r.records or r.stream == "categories" for r in results)


def _statuses(stats) -> list:
    found = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if str(k).isdigit():
                    found.append(k)
                walk(v)

    walk(stats)
    return found


def test_incremental_run_lands_only_the_lookback(tmp_path, world):
    landing, state = tmp_path / "landing", tmp_path / "state"
    with running_server(world, rate_limits=False) as server:
        s = source("shop", "shopify", server.url, streams=["orders"])
        first = ingest_source(s, landing, state)
        second = ingest_source(s, landing, state)
    assert first[0].records == len(world["shopify_orders"])
    newest = world["shopify_orders"]["updated_at"].max()
    in_lookback = (world["shopify_orders"]["updated_at"] >= newest - dt.timedelta(days=2)).sum()
    assert second[0].records == in_lookback < first[0].records
    wh = _warehouse(tmp_path)
    load_landing(wh, landing, [])
    with wh.writer() as con:  # the re-fetched versions are identical: no new raw rows
        assert con.execute("select count(*) from raw.shopify__orders").fetchone()[0] == len(
            world["shopify_orders"]
        )
    assert len(committed_batches(landing)) == 2


def test_rate_limited_source_waits_and_completes(tmp_path, world):
    """Shopify's leaky bucket (40, leaking 2/s x 10 here) overflows at 5 orders a page; 429s are waited out."""
    with running_server(world, rate_limits=True, rate_scale=10) as server:
        s = source("shop", "shopify", server.url, streams=["orders"], page_size=5)
        (res,) = ingest_source(s, tmp_path, tmp_path / "s")
        stats = server.stats_snapshot()
    assert "429" in [str(x) for x in _statuses(stats)], stats
    assert res.records == len(world["shopify_orders"])


def test_bad_credentials_fail_clearly_without_leaking_the_key(tmp_path, world):
    with running_server(world, rate_limits=False) as server:
        s = source("forum", "discourse", server.url, streams=["users"])
        s["credentials"]["api_key"] = "wrong-key-123"
        with pytest.raises(SourceRequestError) as err:
            ingest_source(s, tmp_path, tmp_path / "s")
    assert "403" in str(err.value) and "wrong-key-123" not in str(err.value)
    assert not committed_batches(tmp_path)


def test_circuit_opens_when_the_source_keeps_failing(tmp_path, world):
    with running_server(world, rate_limits=False, faults="503=1.0") as server:
        s = source("shop", "shopify", server.url, streams=["orders"], max_retries=3)
        with pytest.raises(CircuitOpenError, match="HTTP 503"):
            ingest_source(s, tmp_path, tmp_path / "s")
    assert not committed_batches(tmp_path) and not (tmp_path / "s" / "shop" / "orders.json").exists()
