"""`dbt build` on DuckDB and on Postgres over raw tables shaped exactly like the loader's (tests/dbt/dbt_raw_fixtures.py):
models, data tests, unit tests and the macro checks pass; staging keeps the latest versions; no clear contact data
survives; the health mart holds the numbers worked out by hand; both adapters build identical tables."""

from __future__ import annotations

import datetime as dt
import decimal
from collections import Counter

import pytest
from dbt_helpers import BUILD_VARS, run_dbt
from dbt_raw_fixtures import (
    COMMUNITIES,
    EXPECTED_WEEKS,
    ISO_WEEKS,
    SALT,
    contact_hash,
    sample_emails,
    samples_available,
)

from pulse.weeks import week_label

MODELS = {
    "staging": [
        "stg_discourse__users",
        "stg_discourse__categories",
        "stg_discourse__topics",
        "stg_discourse__posts",
        "stg_shopify__customers",
        "stg_shopify__orders",
        "stg_shopify__order_lines",
        "stg_shopify__refunds",
        "stg_shopify__order_discount_codes",
    ],
    "intermediate": [
        "int_channels_mapped",
        "int_posts_mapped",
        "int_topics_mapped",
        "int_members_mapped",
        "int_orders_mapped",
        "int_identity__accounts",
        "int_identity__account_identifiers",
        "int_identity__account_members",
    ],
    "marts": [
        "community_health_weekly",
        "community_health_metrics",
        "community_cohort_retention",
        "community_top_contributors_weekly",
        "dim_members",
        "dim_member_accounts",
        "fct_engagement_events",
        "member_engagement_weekly",
        "fct_questions",
    ],  # fct_feedback: these hand-made posts hold no complaint; tests/dbt/test_feedback.py compares the adapters
}
# rows per staging model and source: synthetic sources, then the recorded samples
SYNTHETIC_COUNTS = {
    "stg_discourse__users": 7,
    "stg_discourse__categories": 6,
    "stg_discourse__topics": 6,
    "stg_discourse__posts": 13,
    "stg_shopify__customers": 2,
    "stg_shopify__orders": 6,
    "stg_shopify__order_lines": 2,
    "stg_shopify__refunds": 2,
    "stg_shopify__order_discount_codes": 1,
}
SAMPLE_COUNTS = {
    # latest.json lists three different topics all with id 1: one survives; posts_before repeats 3 of 4 posts
    "stg_discourse__users": 20,
    "stg_discourse__categories": 3,
    "stg_discourse__topics": 1,
    "stg_discourse__posts": 4,
    "stg_shopify__customers": 1,
    "stg_shopify__orders": 1,
    "stg_shopify__order_lines": 3,
    "stg_shopify__refunds": 0,
    "stg_shopify__order_discount_codes": 1,  # order.json: TENOFF
}
CHECKS = [  # unit tests and singular tests that must have run and passed on every adapter
    "test_users_staff_and_bot_flags",
    "test_posts_latest_version_wins",
    "test_refund_amount_counts_successful_refund_transactions",
    "test_post_weeks_follow_the_business_time_zone",
    "test_posts_staff_and_bot_authors",
    "test_channels_most_specific_match_wins",
    "test_revenue_is_net_of_refunds",
    "test_health_absence_factor_retention_and_score_reweighting",
    "test_health_metrics_mad_flags",
    "test_health_cohort_retention",
    "assert_week_macros",
    "assert_contact_normalization",
    "assert_json_readers",
]


def fetch(con, sql: str) -> list[tuple]:
    cur = con.cursor() if hasattr(con, "cursor") and not hasattr(con, "sql") else con
    cur.execute(sql)
    return [tuple(r) for r in cur.fetchall()]


def relation(schema: str, name: str, suffix: str = "") -> str:
    return f"{schema}{suffix}.{name}"


def normalize(value):
    """One comparable text form per value, whatever the adapter's driver returned."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return (
            format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")
        )
    if isinstance(value, float):
        return format(value, ".9g")
    return str(value)


def table_rows(con, rel: str) -> list[tuple]:
    rows = [tuple(normalize(v) for v in r) for r in fetch(con, f"select * from {rel}")]
    return sorted(rows, key=lambda r: tuple("\x00" if v is None else v for v in r))


def string_columns(con, kind: str, suffix: str = "") -> list[tuple[str, str, str]]:
    schemas = ", ".join(f"'{s}{suffix}'" for s in MODELS)
    types = "('VARCHAR')" if kind == "duckdb" else "('text', 'character varying')"
    return fetch(
        con,
        f"""select table_schema, table_name, column_name from information_schema.columns
                          where table_schema in ({schemas}) and data_type in {types}""",
    )


def expected_counts(model: str) -> dict[str, int]:
    source = "shop" if "shopify" in model else "forum"
    counts = {source: SYNTHETIC_COUNTS[model]}
    if samples_available() and SAMPLE_COUNTS[model]:
        counts["sample_" + source] = SAMPLE_COUNTS[model]
    return counts


# --- DuckDB ------------------------------------------------------------------------------------------------------


def test_duckdb_build_passes_every_test(duckdb_build):
    run = duckdb_build.run
    assert not run.failures(), run.failures()
    for name in CHECKS:
        assert run.status_of(name) == "pass", f"{name}: {run.status_of(name)}"
    built = {r["unique_id"].split(".")[-1] for r in run.results if r["unique_id"].startswith("model.")}
    assert {m for ms in MODELS.values() for m in ms} <= built  # (every platform's staging builds too)


def test_every_model_and_column_is_documented(duckdb_build):
    """What the build made, against what the YAML says: every model has a description, and every column of every
    built relation has one (a column added to SQL and not to the YAML fails here)."""
    import json
    from pathlib import Path

    target = Path(duckdb_build.run.args[duckdb_build.run.args.index("--target-path") + 1])
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    models = {n["alias"]: n for n in nodes.values() if n["resource_type"] in ("model", "seed")}
    con = duckdb_build.connect()
    built = fetch(
        con,
        """select table_name, column_name from information_schema.columns
           where table_schema in ('staging', 'intermediate', 'marts', 'seeds')""",
    )
    con.close()
    undocumented_models = sorted(m for m, n in models.items() if not n["description"].strip())
    undocumented = sorted(
        f"{table}.{column}"
        for table, column in built
        if table in models and not models[table]["columns"].get(column, {}).get("description", "").strip()
    )
    assert not undocumented_models, undocumented_models
    assert not undocumented, undocumented


@pytest.mark.parametrize("model", MODELS["staging"])
def test_staging_row_counts(duckdb_build, model):
    con = duckdb_build.connect()
    counts = dict(fetch(con, f"select source_name, count(*) from staging.{model} group by source_name"))
    assert counts == expected_counts(model)


def test_latest_versions_win(duckdb_build):
    con = duckdb_build.connect()
    assert fetch(con, "select username from staging.stg_discourse__users where user_key = 'forum:3'") == [
        ("alice",)
    ]
    assert fetch(
        con,
        """select post_version, is_edited, updated_at from staging.stg_discourse__posts
                         where post_key = 'forum:1009'""",
    ) == [(2, True, dt.datetime(2026, 3, 5, 1, tzinfo=dt.UTC))]
    assert fetch(
        con,
        """select total_price, discount_code, utm_campaign from staging.stg_shopify__orders
                         where order_key = 'shop:9005'""",
    ) == [(decimal.Decimal("45.50"), "SPRING10", "spring_sale")]
    if samples_available():
        # orders.json and order.json carry the same order with the same updated_at: the later extraction wins
        assert fetch(
            con, "select total_price from staging.stg_shopify__orders where source_name = 'sample_shop'"
        ) == [(decimal.Decimal("409.94"),)]


def test_flags(duckdb_build):
    con = duckdb_build.connect()
    flags = dict(
        (k, (s, b))
        for k, s, b in fetch(
            con,
            "select user_key, is_staff, is_bot from staging.stg_discourse__users where source_name = 'forum'",
        )
    )
    assert flags == {
        "forum:-1": (True, True),
        "forum:2": (False, True),
        "forum:3": (False, False),
        "forum:4": (True, False),
        "forum:5": (False, False),
        "forum:6": (False, False),
        "forum:7": (True, False),
    }
    deleted = fetch(con, "select post_key from staging.stg_discourse__posts where is_deleted order by 1")
    assert deleted == [("forum:1008",)]
    if samples_available():
        system = fetch(
            con,
            """select is_staff, is_bot from staging.stg_discourse__users
                               where source_name = 'sample_forum' and username = 'system'""",
        )
        assert system == [(True, True)]


def test_contact_hashes_are_salted_sha256_of_normalized_values(duckdb_build):
    con = duckdb_build.connect()
    users = dict(
        fetch(
            con, "select user_key, email_hash from staging.stg_discourse__users where source_name = 'forum'"
        )
    )
    assert users["forum:3"] == contact_hash("alice@example.com")  # "\u3000 Alice@Example.COM \u00a0"
    assert users["forum:6"] == contact_hash("dave@例子.公司")
    assert users["forum:5"] is None
    phones = dict(
        fetch(
            con,
            "select customer_id, phone_hash from staging.stg_shopify__customers where source_name = 'shop'",
        )
    )
    assert (
        phones[501] == phones[502] == contact_hash("+8613800138000")
    )  # "+86 138 0013 8000" and "13800138000"
    orders = dict(
        fetch(con, "select order_id, email_hash from staging.stg_shopify__orders where source_name = 'shop'")
    )
    assert orders[9002] == contact_hash("guest@example.com")  # guest checkout
    customers = dict(fetch(con, "select customer_id, email_hash from staging.stg_shopify__customers"))
    assert orders[9001] == customers[501] == contact_hash("buyer.one@example.com")


def test_no_clear_contact_data_anywhere(duckdb_build):
    con = duckdb_build.connect()
    columns = string_columns(con, "duckdb")
    assert len(columns) > 20
    for schema, table, column in columns:
        hits = fetch(
            con,
            f"""select "{column}" from {schema}.{table}
                              where "{column}" like '%@%' or "{column}" like '%13800138000%' limit 3""",
        )
        assert not hits, f"{schema}.{table}.{column} holds contact data: {hits}"
    for email in sample_emails():
        assert contact_hash(email) in {
            h
            for (h,) in fetch(
                con,
                """select email_hash from staging.stg_discourse__users
            union all select email_hash from staging.stg_shopify__orders""",
            )
        }
    # views keep their SQL: none may embed the salt
    for (sql,) in fetch(con, "select sql from duckdb_views() where not internal"):
        assert SALT not in sql


def test_revenue_is_net_of_refunds(duckdb_build):
    con = duckdb_build.connect()
    refunds = fetch(con, "select refund_id, amount from staging.stg_shopify__refunds order by refund_id")
    assert refunds == [(1, decimal.Decimal("30.00")), (2, decimal.Decimal("20.00"))]
    order = fetch(
        con,
        """select total_price, refunded_amount, net_revenue, is_counted
                          from intermediate.int_orders_mapped where order_key = 'shop:9001'""",
    )
    assert order == [(decimal.Decimal("100.00"), decimal.Decimal("50.00"), decimal.Decimal("50.00"), True)]


def test_health_mart_numbers(duckdb_build):
    con = duckdb_build.connect()
    rows = fetch(
        con,
        """select week_start, week, community, active_members, new_members, topics, posts, replies,
                                orders, buyers, revenue
                         from marts.community_health_weekly
                         where week_start >= date '2026-02-23' and platform = 'all'""",
    )
    got = {(r[0].isoformat(), r[2]): tuple(r[3:]) for r in rows}
    assert got == EXPECTED_WEEKS
    assert {(r[0].isoformat(), r[1]) for r in rows} == set(ISO_WEEKS.items())


def test_health_mart_weeks_are_contiguous_and_zero_filled(duckdb_build):
    con = duckdb_build.connect()
    rows = fetch(
        con, "select week_start, week, community from marts.community_health_weekly where platform = 'all'"
    )
    weeks = sorted({r[0] for r in rows})
    # the samples' order of 2008-01-10 is only authorized (not counted), their 2020 posts are staff's: no participation
    assert weeks[0] == dt.date(2026, 2, 23) and weeks[-1] == dt.date(2026, 3, 16)
    assert len(weeks) == (weeks[-1] - weeks[0]).days // 7 + 1
    assert all(w.isoweekday() == 1 for w in weeks)
    assert Counter(r[2] for r in rows) == {c: len(weeks) for c in COMMUNITIES}
    # the ISO label agrees with Python's calendar over every year boundary in the span (53-week years included)
    assert all(r[1] == week_label(r[0]) for r in rows)


def test_missing_salt_fails_clearly(tmp_path_factory, duckdb_build):
    work = tmp_path_factory.mktemp("dbt-nosalt")
    run = run_dbt(
        ["compile", "--select", "stg_discourse__users"],
        "duckdb",
        work,
        {"PULSE_DUCKDB_PATH": str(duckdb_build.path.with_name("nosalt.duckdb"))},
        {k: v for k, v in BUILD_VARS.items() if k != "hash_salt"},
    )
    assert run.returncode != 0
    assert "hash_salt is empty" in run.stdout


# --- Postgres ----------------------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_build_passes_every_test(pg_build):
    run = pg_build.run
    assert not run.failures(), run.failures()
    for name in CHECKS:
        assert run.status_of(name) == "pass", f"{name}: {run.status_of(name)}"
    con = pg_build.connect()
    schemas = {s for (s,) in fetch(con, "select schema_name from information_schema.schemata")}
    assert {"raw", "staging_work", "intermediate_work", "marts_work"} <= schemas
    assert not {"staging", "intermediate", "marts"} & schemas
    # the hook created the raw table the loader had not written yet
    assert fetch(con, "select count(*) from raw._quarantine") == [(0,)]


@pytest.mark.postgres
def test_postgres_health_mart_numbers(pg_build):
    con = pg_build.connect()
    rows = fetch(
        con,
        f"""select week_start, community, active_members, new_members, topics, posts, replies, orders,
                                 buyers, revenue
                          from {relation("marts", "community_health_weekly", pg_build.suffix)}
                          where week_start >= date '2026-02-23' and platform = 'all'""",
    )
    assert {(r[0].isoformat(), r[1]): tuple(r[2:]) for r in rows} == EXPECTED_WEEKS


@pytest.mark.postgres
def test_postgres_has_no_clear_contact_data(pg_build):
    con = pg_build.connect()
    for schema, table, column in string_columns(con, "postgres", pg_build.suffix):
        hits = fetch(
            con,
            f"""select "{column}" from {schema}.{table}
                              where "{column}" like '%@%' or "{column}" like '%13800138000%' limit 3""",
        )
        assert not hits, f"{schema}.{table}.{column} holds contact data: {hits}"
    for (definition,) in fetch(con, "select definition from pg_views where schemaname like '%work'"):
        assert SALT not in definition


@pytest.mark.postgres
@pytest.mark.parametrize("schema,model", [(s, m) for s, ms in MODELS.items() for m in ms])
def test_adapters_build_identical_tables(duckdb_build, pg_build, schema, model):
    """Same rows on both adapters, hashes included (hash_contact gives the same hex on DuckDB and Postgres)."""
    duck = table_rows(duckdb_build.connect(), relation(schema, model))
    pg = table_rows(pg_build.connect(), relation(schema, model, pg_build.suffix))
    assert duck, f"{model} is empty"
    assert len(duck) == len(pg)
    assert duck == pg
