"""Publishing on DuckDB: readers get the marts, the gate's results and the batch log in a new file renamed into
place; the raw JSON, staging and intermediate (most of the working file) stay in the working warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pulse.testing.warehouse import duckdb_config
from pulse.warehouse import DuckDBWarehouse

WORK_TABLES = {
    "raw._batches": "select 'b-' || i as batch_id, 'forum' as source, i as records from range(3) t(i)",
    "raw.discourse__posts": "select i as _pk, '{}' as _record from range(100) t(i)",
    "staging.stg_discourse__posts": "select i as post_id from range(100) t(i)",
    "intermediate.int_posts_mapped": "select i as post_id from range(100) t(i)",
    "marts.fct_posts": "select i as post_id, i % 7 as week from range(100) t(i)",
    "marts.dim_members": "select i as member_key from range(10) t(i)",
    "audit.quality_results": "select true as success",
}


def _warehouse(tmp_path: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(duckdb_config(tmp_path))


def _tables(con) -> dict[str, int]:
    names = con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()
    return {n: con.execute(f"select count(*) from {n}").fetchone()[0] for (n,) in names}


def test_publish_copies_what_readers_use_and_nothing_else(tmp_path):
    wh = _warehouse(tmp_path)
    with wh.writer() as con:
        for name, sql in WORK_TABLES.items():
            con.execute(f"create schema if not exists {name.split('.')[0]}")
            con.execute(f"create table {name} as {sql}")
    result = wh.publish()
    assert result["tables"] == 4
    with wh.reader(published=True) as con:
        published = _tables(con)
        assert con.execute("select sum(week) from marts.fct_posts").fetchone()[0] == sum(
            i % 7 for i in range(100)
        )
    assert published == {
        "marts.dim_members": 10,
        "marts.fct_posts": 100,
        "audit.quality_results": 1,
        "raw._batches": 3,
    }
    assert not list(wh.published_path.parent.glob(".*publishing"))  # the temporary file was renamed


def test_a_reader_keeps_its_snapshot_and_the_next_publish_replaces_the_marts(tmp_path):
    wh = _warehouse(tmp_path)
    with wh.writer() as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_posts as select 1 as post_id")
        con.execute("create table marts.old_mart as select 1 as x")
    wh.publish()
    reader = duckdb.connect(str(wh.published_path), read_only=True)
    try:
        with wh.writer() as con:
            con.execute("insert into marts.fct_posts values (2)")
            con.execute("drop table marts.old_mart")
        wh.publish()
        assert reader.execute("select count(*) from marts.fct_posts").fetchone()[0] == 1  # its snapshot
    finally:
        reader.close()
    with wh.reader(published=True) as con:
        assert _tables(con) == {"marts.fct_posts": 2}  # a dropped mart is gone from the published file too
