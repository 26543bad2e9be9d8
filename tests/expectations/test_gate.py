"""The quality gate on real Great Expectations. Importing GX costs seconds, so this module keeps to two tests
that share one import (the module-scoped `gx` fixture)."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pandas as pd
import pytest

from expectations.gate import run_gate, tables_needed

COMMUNITIES = ["brand_cn", "brand_global"]
RAW_ROWS = 15_000  # per raw table: ~30k in all, the demo's size


def mart_frame(weeks: int = 16) -> pd.DataFrame:
    rows = []
    for i in range(weeks):
        monday = dt.date(2026, 8, 3) + dt.timedelta(weeks=i)
        year, week, _ = monday.isocalendar()
        for community, active in (("all", 300 + i), ("brand_cn", 180 + i), ("brand_global", 150)):
            rows.append(
                {
                    "week_start": monday,
                    "iso_week": f"{year}-W{week:02d}",
                    "community": community,
                    "active_members": active,
                    "new_members": 5,
                    "topics": 7,
                    "posts": 40,
                    "replies": 33,
                    "orders": 3,
                    "buyers": 2,
                    "revenue": Decimal("123.45"),
                }
            )
    return pd.DataFrame(rows)


def raw_frame(source: str, n: int = RAW_ROWS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_batch_id": [f"b{i // 5000}" for i in range(n)],
            "_source": source,
            "_extracted_at": pd.Timestamp("2026-11-23T00:00:00Z"),
            "_pk": [str(i) for i in range(n)],
            "_hash": "0" * 32,
            "_record": [f'{{"id": {i}}}' for i in range(n)],
        }
    )


@pytest.fixture(scope="module")
def gx():
    started = time.perf_counter()
    import great_expectations

    return {"module": great_expectations, "import_seconds": time.perf_counter() - started}


def frames() -> dict[str, pd.DataFrame]:
    return {
        "marts.community_health_weekly": mart_frame(),
        "raw.discourse__posts": raw_frame("forum"),
        "raw.shopify__orders": raw_frame("shop"),
    }


def test_clean_frames_pass_quickly(gx):
    data = frames()
    assert set(data) == set(tables_needed())
    started = time.perf_counter()
    result = run_gate(data, communities=COMMUNITIES)
    seconds = time.perf_counter() - started
    print(
        f"GX import {gx['import_seconds']:.1f} s; gate on 48 mart + {2 * RAW_ROWS} raw rows {seconds:.2f} s"
    )
    assert result.passed, [r["details"] for r in result.failures]
    assert all(r["success"] for r in result.results)
    assert {r["table"] for r in result.results} == set(tables_needed())
    assert seconds < 10


def find(result, table, expectation, column):
    hits = [
        r
        for r in result.results
        if (r["table"], r["expectation"], r["column"]) == (table, expectation, column)
    ]
    assert len(hits) == 1, (table, expectation, column, [r["details"] for r in result.failures])
    return hits[0]


def test_bad_frames_fail_and_name_the_expectation_and_column(gx):
    mart = mart_frame()
    mart.loc[4, "revenue"] = Decimal("-1.00")  # negative revenue
    mart.loc[7, "iso_week"] = "2026-37"  # not an ISO week label
    mart.loc[8, "community"] = "brand_jp"  # not configured
    mart.loc[10, "active_members"] = 10_000  # above 'all' of its week
    mart = pd.concat([mart, mart.iloc[[0]]], ignore_index=True)  # duplicate (week_start, community)
    posts = raw_frame("forum")
    posts.loc[3, "_pk"] = None  # a raw row without its key
    orders = raw_frame("shop")
    orders.loc[9, "_pk"] = orders.loc[8, "_pk"]  # same key twice in one batch: a warning only

    result = run_gate(
        {"marts.community_health_weekly": mart, "raw.discourse__posts": posts, "raw.shopify__orders": orders},
        communities=COMMUNITIES,
    )
    assert not result.passed
    mart_t = "marts.community_health_weekly"
    revenue = find(result, mart_t, "expect_column_values_to_be_between", "revenue")
    assert not revenue["success"] and revenue["severity"] == "critical" and revenue["unexpected_count"] == 1
    assert "expect_column_values_to_be_between on revenue failed" in revenue["details"]
    key = find(result, mart_t, "expect_compound_columns_to_be_unique", "week_start, community")
    assert not key["success"] and key["unexpected_count"] == 2
    assert not find(result, mart_t, "expect_column_values_to_match_regex", "iso_week")["success"]
    assert "brand_jp" in find(result, mart_t, "expect_column_values_to_be_in_set", "community")["details"]
    above = find(result, mart_t, "expect_column_pair_values_a_to_be_greater_than_b", "active_members")
    assert not above["success"] and above["severity"] == "critical"
    assert find(result, mart_t, "expect_column_values_to_be_between", "posts")["success"]

    pk = find(result, "raw.discourse__posts", "expect_column_values_to_not_be_null", "_pk")
    assert not pk["success"] and pk["severity"] == "critical"
    dup = find(
        result, "raw.shopify__orders", "expect_compound_columns_to_be_unique", "_batch_id, _source, _pk"
    )
    assert not dup["success"] and dup["severity"] == "warning"
    assert dup["observed"] == pytest.approx(2 / RAW_ROWS * 100)  # duplicate share, percent

    # only the warning fails: the gate passes; a missing raw table warns, a missing mart fails
    clean = frames()
    clean["raw.shopify__orders"] = orders
    del clean["raw.discourse__posts"]
    warned = run_gate(clean, communities=COMMUNITIES)
    assert warned.passed
    assert {(r["table"], r["expectation"], r["severity"]) for r in warned.failures} == {
        ("raw.shopify__orders", "expect_compound_columns_to_be_unique", "warning"),
        ("raw.discourse__posts", "table_is_present", "warning"),
    }
    no_mart = run_gate({})
    assert not no_mart.passed
    assert find(no_mart, mart_t, "table_is_present", None)["severity"] == "critical"
