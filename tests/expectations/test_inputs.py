"""What the gate reads at scale (expectations/inputs.py): a raw table larger than `quality.raw_sample_rows` is
validated on a deterministic sample, while checks.raw_integrity counts every row in SQL; marts are read with only
the columns their suites use. On DuckDB, and the sample and the counts on Postgres."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from expectations.checks import raw_integrity
from expectations.inputs import Sql, gate_inputs, read_mart, read_raw
from expectations.suites import (
    CAMPAIGNS,
    MART,
    QualitySettings,
    build_suite,
    mart_columns,
    prepare_frame,
    tables_needed,
)
from pulse.warehouse import fetch_df

N, M = 1_000, 5_000  # the sample size and the rows of the large raw table
POSTS = "raw.discourse__posts"
USERS = "raw.discourse__users"
RAW_DDL = (
    "(_batch_id varchar, _source varchar, _extracted_at timestamptz, _pk varchar, _hash varchar, _record {})"
)


def fill_posts(execute, rows: int, json_type: str) -> None:
    """`rows` clean Discourse posts in five batches of raw.discourse__posts; users: ten clean users."""
    execute("create schema if not exists raw")
    execute(f"create table {POSTS} {RAW_DDL.format(json_type)}")
    execute(f"create table {USERS} {RAW_DDL.format(json_type)}")
    post = (
        '\'{"id": \' || g.i || \', "topic_id": \' || (g.i % 97) || \', "post_number": 1, '
        '"created_at": "2026-09-11T22:28:48.410Z"}\''
    )
    user = '\'{"id": \' || g.i || \', "username": "u\' || g.i || \'", "created_at": "2026-01-02T03:04:05+08:00"}\''
    for table, record, n in ((POSTS, post, rows), (USERS, user, 10)):
        execute(
            f"""insert into {table}
                select 'b' || (g.i % 5), 'forum', cast('2026-11-23 00:00:00+00' as timestamptz),
                       cast(g.i as varchar), md5(cast(g.i as varchar)), cast({record} as {json_type})
                from generate_series(0, {n - 1}) as g(i)"""
        )


def duck_sql(con) -> Sql:
    return Sql(
        query=lambda text, params=None: fetch_df(con, text, params),
        execute=con.execute,
        name=str,
        dialect="duckdb",
    )


def pg_sql(con) -> Sql:
    def execute(text: str) -> None:
        with con.cursor() as cur:
            cur.execute(text)

    return Sql(
        query=lambda text, params=None: fetch_df(con, text, params),
        execute=execute,
        name=str,
        dialect="postgres",
    )


def sampled_keys(sql: Sql) -> list[str]:
    return sorted(read_raw(sql, POSTS, N)["_pk"])


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    fill_posts(con.execute, M, "json")
    con.close()
    return path


def connect(path: Path, read_only: bool = True):
    return duckdb.connect(str(path), read_only=read_only, config={"threads": 2, "memory_limit": "512MB"})


def find(results, table, expectation, column):
    hits = [r for r in results if (r["table"], r["expectation"], r["column"]) == (table, expectation, column)]
    assert len(hits) == 1, (table, expectation, column, [r["details"] for r in results if not r["success"]])
    return hits[0]


def test_a_large_raw_table_is_sampled_and_every_row_is_counted(warehouse):
    from expectations.gate import run_gate

    with connect(warehouse) as con:
        sample = sampled_keys(duck_sql(con))
        assert len(sample) == N and sampled_keys(duck_sql(con)) == sample  # the same rows on a re-run
        assert con.execute("select current_setting('threads')").fetchone()[0] == 2  # restored after sampling
        assert len(read_raw(duck_sql(con), USERS, N)) == 10  # a small table: every row
    outside = sorted(set(map(str, range(M))) - set(sample), key=int)
    with connect(warehouse, read_only=False) as con:
        # a bad record where the sample sees it; a null key and a duplicate version where it does not
        con.execute(f"""update {POSTS} set _record = '{{"id": 5, "created_at": "2026-09-11T22:28:48Z"}}'
                        where _pk = '{sample[5]}'""")
        con.execute(f"update {POSTS} set _pk = null where _pk = '{outside[0]}'")
        con.execute(f"""update {POSTS} set _hash = (select _hash from {POSTS} where _pk = '{outside[2]}'),
                               _pk = '{outside[2]}', _batch_id = 'b9' where _pk = '{outside[1]}'""")
    with connect(warehouse) as con:
        sql = duck_sql(con)
        assert sampled_keys(sql) == sample  # the same rows: the sample follows the rows, not their contents
        inputs = gate_inputs(sql, {POSTS, USERS}, N)
        assert inputs.total_rows == {POSTS: M}
        integrity = inputs.frames["checks.raw_integrity"].set_index("table")
        assert integrity.loc[POSTS, "_pk nulls"] == 1 and integrity.loc[USERS, "_pk nulls"] == 0
        assert integrity.loc[POSTS, "duplicate_version_rate"] == 1 / M
        strict = QualitySettings(max_duplicate_rate=0, raw_sample_rows=N)
        result = run_gate(inputs.frames, settings=strict, total_rows=inputs.total_rows)

    posts = [r for r in result.results if r["table"] == POSTS]
    assert posts and all(r["details"].endswith(f" on a sample of {N} of {M} rows") for r in posts)
    assert all(r["element_count"] in (None, N) for r in posts)
    assert not any("sample" in r["details"] for r in result.results if r["table"] == USERS)
    no_topic = find(result.results, POSTS, "expect_column_values_to_not_be_null", "_record.topic_id")
    assert not no_topic["success"] and no_topic["unexpected_count"] == 1  # caught in the sample
    # the null key and the duplicate version lie outside the sample: the sample passes, the whole-table counts fail
    assert find(result.results, POSTS, "expect_column_values_to_not_be_null", "_pk")["success"]
    checks = "checks.raw_integrity"
    null_pk = find(result.results, checks, "expect_column_values_to_be_between", "_pk")
    assert not null_pk["success"] and null_pk["severity"] == "critical"
    assert f"{POSTS} (1)" in null_pk["details"] and "_pk is never null" in null_pk["details"]
    duplicate = find(result.results, checks, "expect_column_values_to_be_between", "_source, _pk, _hash")
    assert not duplicate["success"] and duplicate["severity"] == "critical"
    assert POSTS in duplicate["details"] and USERS not in duplicate["details"]
    batch = find(result.results, checks, "expect_column_values_to_be_between", "_batch_id, _source, _pk")
    assert batch["success"]  # the copy went to a batch of its own
    assert not result.passed


@pytest.mark.postgres
def test_postgres_samples_deterministically_and_counts_like_duckdb(postgres, warehouse):
    db = postgres.create_database("gate_inputs")
    con = db.connect()
    try:
        sql = pg_sql(con)
        fill_posts(sql.execute, M, "jsonb")
        sample = read_raw(sql, POSTS, N)
        assert len(sample) == N and sampled_keys(sql) == sorted(sample["_pk"])
        assert sample["_record"].iloc[0]["post_number"] == 1  # jsonb arrives parsed
        assert list(sample.columns) == ["_batch_id", "_source", "_extracted_at", "_pk", "_hash", "_record"]
        counted = raw_integrity(sql.query, str, [POSTS, USERS])
    finally:
        con.close()
    with connect(warehouse) as duck:
        expected = raw_integrity(duck_sql(duck).query, str, [POSTS, USERS])
    assert counted.to_dict("records") == expected.to_dict("records")


def test_marts_are_read_with_only_the_columns_their_suites_use(tmp_path):
    """Each mart has a column no suite reads; reading the suite's columns gives the same suite as the whole table."""
    import great_expectations as gx

    gx.get_context(mode="ephemeral")  # suites are built inside a context
    path = tmp_path / "gate.duckdb"  # not marts.duckdb: the catalog would shadow the schema
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"""create table {MART} as select date '2026-11-02' as week_start, '2026-W45' as week,
                        c as community, 'all' as platform, 10 as active_members, 1.5 as revenue,
                        'CNY' as revenue_currency, 0.5 as stickiness, 60.0 as health_score, 'x' as unused
                        from (values ('all'), ('brand_cn')) as t(c)""")
        con.execute("""create table marts.member_points_balance as select 'M1' as member_id, 5 as balance,
                       2 as points_redeemed, 'x' as unused""")
        con.execute("""create table marts.dim_members as select 'M1' as member_id, 'new' as lifecycle_stage,
                       'leader' as engagement_level, 1 as orders_count, 'x' as email_hash, 'x' as unused""")
        con.execute("""create table marts.member_tier_history as select 'M1' as member_id, 'gold' as tier,
                       date '2026-01-01' as valid_from, cast(null as date) as valid_to""")
        con.execute("""create table marts.member_rfm as select 'M1' as member_id, 'CNY' as currency,
                       3 as r_score, 'loyal' as segment, 'x' as unused""")
        con.execute(
            "create table marts.member_clv as select 'M1' as member_id, 0.5 as p_alive, 1.0 as clv_12m"
        )
        con.execute(f"""create table {CAMPAIGNS} as select 'c1' as campaign_id, 0.1 as participant_conversion_rate,
                        3 as participants, 'x' as unused""")
    with connect(path) as con:
        sql = duck_sql(con)
        for table in tables_needed():
            whole = fetch_df(con, f"select * from {table}")
            read = read_mart(sql, table)
            assert list(read.columns) == mart_columns(table, whole.columns)
            assert "unused" not in read.columns and len(read.columns) < len(whole.columns), table
            suites = [
                build_suite(table, prepare_frame(table, frame).columns, ["brand_cn"], tiers=["gold"])
                for frame in (whole, read)
            ]
            assert suites[0].expectations, table
            assert [e.configuration for e in suites[1].expectations] == [
                e.configuration for e in suites[0].expectations
            ], table


def test_raw_sample_rows_is_a_validated_setting(tmp_path):
    from pulse.cli import DEMO_ENV
    from pulse.config import load_config
    from pulse.schema import ConfigError

    repo = Path(__file__).resolve().parents[2]
    data = yaml.safe_load((repo / "demo" / "pulse.yml").read_text())
    path = tmp_path / "pulse.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert load_config(path, dict(DEMO_ENV))["quality"]["raw_sample_rows"] == 100_000
    data["quality"] = {"raw_sample_rows": 2500}
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert load_config(path, dict(DEMO_ENV))["quality"]["raw_sample_rows"] == 2500
    for bad in (0, 1.5, "many"):
        data["quality"] = {"raw_sample_rows": bad}
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        with pytest.raises(ConfigError, match="quality.raw_sample_rows"):
            load_config(path, dict(DEMO_ENV))
