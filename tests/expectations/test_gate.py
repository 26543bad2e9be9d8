"""The quality gate on real Great Expectations. Importing GX costs seconds, so this module keeps to two tests
that share one import (the module-scoped `gx` fixture)."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import pandas as pd
import pytest

from expectations.gate import run_gate, tables_needed
from expectations.suites import QualitySettings

COMMUNITIES = ["brand_cn", "brand_global"]
TIERS = ["member", "silver", "gold"]
RAW_ROWS = 15_000  # per raw table: ~30k in all, the demo's size
MART = "marts.community_health_weekly"


def mart_frame(weeks: int = 16) -> pd.DataFrame:
    """The contract of docs/health_marts.md (a subset of its columns): one row per (week_start, community,
    platform)."""
    rows = []
    for i in range(weeks):
        monday = dt.date(2026, 8, 3) + dt.timedelta(weeks=i)
        year, week, _ = monday.isocalendar()
        for platform in ("all", "discourse"):
            for community, active in (("all", 300 + i), ("brand_cn", 180 + i), ("brand_global", 150)):
                rows.append(
                    {
                        "week_start": monday,
                        "week": f"{year}-W{week:02d}",
                        "community": community,
                        "platform": platform,
                        "members_total": 1000,
                        "active_members": active if platform == "all" else active // 2,
                        "mau": 600,
                        "stickiness": 0.5,
                        "engagement_rate": active / 1000,
                        "answered_within_24h_share": None,
                        "posts": 40,
                        "orders": 3,
                        "revenue": Decimal("123.45"),
                        "revenue_currency": "CNY",
                        "health_score": 61.5,
                    }
                )
    return pd.DataFrame(rows)


def record(i: int, kind: str) -> str:
    if kind == "posts":
        return json.dumps(
            {"id": i, "topic_id": i // 10, "post_number": 1, "created_at": "2026-09-11T22:28:48.410Z"}
        )
    return json.dumps(
        {"id": i, "created_at": "2026-09-07T04:08:05+08:00", "currency": "CNY", "total_price": f"{i % 90}.50"}
    )


def raw_frame(source: str, kind: str, n: int = RAW_ROWS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_batch_id": [f"b{i // 5000}" for i in range(n)],
            "_source": source,
            "_extracted_at": pd.Timestamp("2026-11-23T00:00:00Z"),
            "_pk": [str(i) for i in range(n)],
            "_hash": [f"{i:032d}" for i in range(n)],
            "_record": [record(i, kind) for i in range(n)],
        }
    )


def marts() -> dict[str, pd.DataFrame]:
    members = [f"M{i:05d}" for i in range(500)]
    return {
        MART: mart_frame(),
        "marts.member_points_balance": pd.DataFrame(
            {"member_id": members, "balance": [Decimal(i % 300) for i in range(500)], "points_earned": 300.0}
        ),
        "marts.dim_members": pd.DataFrame(
            {
                "member_id": members,
                "lifecycle_stage": ["new", "active", "reactivated", "dormant", "churned"] * 100,
                "engagement_level": ["explorer", "participant", "contributor", "leader"] * 125,
                "accounts_count": 2,
            }
        ),
        "marts.member_tier_history": pd.DataFrame(
            {
                "member_id": members[:3],
                "tier": TIERS,
                "valid_from": [dt.date(2026, 1, 1)] * 3,
                "valid_to": [dt.date(2026, 3, 31), None, dt.date(2026, 1, 1)],
            }
        ),
        "marts.member_rfm": pd.DataFrame(
            {
                "member_id": members[:7],
                "currency": "CNY",
                "r_score": [1, 2, 3, 4, 5, 5, 1],
                "segment": "loyal",
            }
        ),
        "marts.member_clv": pd.DataFrame({"member_id": members[:4], "p_alive": [0.0, 0.3, 0.99, 1.0]}),
        "marts.campaign_performance": pd.DataFrame(
            {"campaign_id": ["c1", "c2"], "participant_conversion_rate": [Decimal("0.1250"), None]}
        ),
    }


def checks() -> dict[str, pd.DataFrame]:
    return {
        "checks.member_reconciliation": pd.DataFrame(
            {"what": ["accounts", "members"], "platform": ["discourse", "all"], "difference": [0, 0]}
        ),
        "checks.revenue_reconciliation": pd.DataFrame(
            {"platform": ["shopify"], "currency": ["CNY"], "relative_difference": [0.004]}
        ),
        "checks.row_count_drift": pd.DataFrame({"table": ["marts.fct_questions"], "change": [0.25]}),
    }


def frames() -> dict[str, pd.DataFrame]:
    return {
        **marts(),
        "raw.discourse__posts": raw_frame("forum", "posts"),
        "raw.shopify__orders": raw_frame("shop", "orders"),
        **checks(),
    }


@pytest.fixture(scope="module")
def gx():
    started = time.perf_counter()
    import great_expectations

    return {"module": great_expectations, "import_seconds": time.perf_counter() - started}


def test_clean_frames_pass_quickly_and_write_data_docs(gx, tmp_path):
    data = frames()
    assert set(tables_needed()) <= set(data)
    started = time.perf_counter()
    result = run_gate(data, communities=COMMUNITIES, tiers=TIERS, docs_dir=tmp_path / "docs")
    seconds = time.perf_counter() - started
    print(
        f"GX import {gx['import_seconds']:.1f} s; gate on {len(data)} frames "
        f"({2 * RAW_ROWS} raw rows) with data docs {seconds:.2f} s"
    )
    assert result.passed, [r["details"] for r in result.failures]
    assert all(r["success"] for r in result.results)
    assert {r["table"] for r in result.results} == set(data)
    assert len(result.results) > 80
    assert result.docs == (tmp_path / "docs" / "index.html").resolve() and result.docs.exists()
    pages = {p.stem for p in (tmp_path / "docs" / "expectations").glob("*.html")}
    assert {"member_points_balance", "raw_shopify__orders", "revenue_reconciliation"} <= pages
    assert seconds < 30


def find(result, table, expectation, column):
    hits = [
        r
        for r in result.results
        if (r["table"], r["expectation"], r["column"]) == (table, expectation, column)
    ]
    assert len(hits) == 1, (table, expectation, column, [r["details"] for r in result.failures])
    return hits[0]


def failed(result, table, expectation, column, severity="critical"):
    hit = find(result, table, expectation, column)
    assert not hit["success"] and hit["severity"] == severity, hit
    return hit


def test_bad_frames_fail_and_name_the_expectation_and_column(gx):
    data = frames()
    mart = data[MART]
    mart.loc[4, "revenue"] = Decimal("-1.00")  # negative revenue
    mart.loc[7, "week"] = "2026-37"  # not an ISO week label
    mart.loc[8, "community"] = "brand_jp"  # not configured
    mart.loc[10, "stickiness"] = 1.2  # a rate above 1
    mart.loc[11, "health_score"] = 101.0
    mart.loc[13, "active_members"] = 10_000  # above 'all' of its week and platform
    data[MART] = pd.concat([mart, mart.iloc[[0]]], ignore_index=True)  # duplicate key
    data["marts.member_points_balance"].loc[3, "balance"] = Decimal("-5")
    data["marts.dim_members"].loc[2, "lifecycle_stage"] = "zombie"
    data["marts.member_tier_history"].loc[1, "tier"] = "diamond"
    data["marts.member_tier_history"].loc[2, "valid_to"] = dt.date(2025, 12, 31)  # ends before it starts
    data["marts.member_clv"].loc[1, "p_alive"] = 1.5
    posts = data["raw.discourse__posts"]
    posts.loc[3, "_pk"] = None  # a raw row without its key
    posts.loc[5, "_record"] = json.dumps({"id": 5, "created_at": "2026-09-11T22:28:48Z"})  # no topic_id
    posts.loc[6, "_record"] = json.dumps({"id": "six", "topic_id": 1, "created_at": "1990-01-01T00:00:00Z"})
    orders = data["raw.shopify__orders"]
    orders.loc[9, ["_pk", "_hash"]] = orders.loc[
        8, ["_pk", "_hash"]
    ].values  # the same version twice in a batch
    orders.loc[20, "_record"] = json.dumps(
        {"id": 20, "created_at": "2099-01-01T00:00:00Z", "currency": "CNY", "total_price": "abc"}
    )
    data["checks.member_reconciliation"].loc[0, "difference"] = 3
    data["checks.revenue_reconciliation"].loc[0, "relative_difference"] = 0.02
    data["checks.row_count_drift"].loc[0, "change"] = 3.0

    result = run_gate(data, communities=COMMUNITIES, tiers=TIERS)
    assert not result.passed
    revenue = failed(result, MART, "expect_column_values_to_be_between", "revenue")
    assert revenue["unexpected_count"] == 1
    assert "expect_column_values_to_be_between on revenue failed" in revenue["details"]
    key = failed(result, MART, "expect_compound_columns_to_be_unique", "week_start, community, platform")
    assert key["unexpected_count"] == 2
    failed(result, MART, "expect_column_values_to_match_regex", "week")
    assert "brand_jp" in failed(result, MART, "expect_column_values_to_be_in_set", "community")["details"]
    failed(result, MART, "expect_column_values_to_be_between", "stickiness")
    failed(result, MART, "expect_column_values_to_be_between", "health_score")
    failed(result, MART, "expect_column_pair_values_a_to_be_greater_than_b", "active_members")
    assert find(result, MART, "expect_column_values_to_be_between", "posts")["success"]
    assert find(result, MART, "expect_column_values_to_be_between", "answered_within_24h_share")["success"]

    balance = failed(result, "marts.member_points_balance", "expect_column_values_to_be_between", "balance")
    assert "balance is never negative" in balance["details"] and "-5" in balance["details"]
    stage = "marts.dim_members"
    assert (
        "zombie" in failed(result, stage, "expect_column_values_to_be_in_set", "lifecycle_stage")["details"]
    )
    tier = failed(result, "marts.member_tier_history", "expect_column_values_to_be_in_set", "tier")
    assert "diamond" in tier["details"]
    failed(
        result, "marts.member_tier_history", "expect_column_pair_values_a_to_be_greater_than_b", "valid_to"
    )
    failed(result, "marts.member_clv", "expect_column_values_to_be_between", "p_alive")

    raw_posts = "raw.discourse__posts"
    failed(result, raw_posts, "expect_column_values_to_not_be_null", "_pk")
    failed(result, raw_posts, "expect_column_values_to_not_be_null", "_record.topic_id")
    failed(result, raw_posts, "expect_column_values_to_be_in_set", "_record.id")  # "six" is not an int
    old = failed(result, raw_posts, "expect_column_values_to_be_between", "_record.created_at")
    assert old["unexpected_count"] == 1
    raw_orders = "raw.shopify__orders"
    failed(result, raw_orders, "expect_column_values_to_be_in_set", "_record.total_price")
    failed(result, raw_orders, "expect_column_values_to_be_between", "_record.created_at")  # in the future
    dup = failed(
        result, raw_orders, "expect_compound_columns_to_be_unique", "_batch_id, _source, _pk", "warning"
    )
    assert dup["observed"] == pytest.approx(2 / RAW_ROWS * 100)  # duplicate share, percent
    # the same version stored twice: under the 1 % ceiling here
    assert find(result, raw_orders, "expect_compound_columns_to_be_unique", "_source, _pk, _hash")["success"]

    failed(result, "checks.member_reconciliation", "expect_column_values_to_be_between", "difference")
    failed(
        result, "checks.revenue_reconciliation", "expect_column_values_to_be_between", "relative_difference"
    )
    failed(result, "checks.row_count_drift", "expect_column_values_to_be_between", "change", "warning")

    # only warnings fail: the gate passes; a missing optional mart warns, a missing health mart fails
    clean = frames()
    clean[raw_orders] = orders.drop(index=20)
    clean["checks.row_count_drift"].loc[0, "change"] = -0.9
    del clean["marts.member_clv"]
    warned = run_gate(clean, communities=COMMUNITIES, tiers=TIERS)
    assert warned.passed
    assert {(r["table"], r["expectation"], r["severity"]) for r in warned.failures} == {
        (raw_orders, "expect_compound_columns_to_be_unique", "warning"),
        ("checks.row_count_drift", "expect_column_values_to_be_between", "warning"),
        ("marts.member_clv", "table_is_present", "warning"),
    }
    # with no duplicate versions tolerated (quality.max_duplicate_rate: 0), the same 2 rows fail the gate
    strict = run_gate(
        clean, communities=COMMUNITIES, tiers=TIERS, settings=QualitySettings(max_duplicate_rate=0)
    )
    assert not strict.passed
    failed(strict, raw_orders, "expect_compound_columns_to_be_unique", "_source, _pk, _hash")
    no_mart = run_gate({})
    assert not no_mart.passed
    assert find(no_mart, MART, "table_is_present", None)["severity"] == "critical"
