"""Landing is atomic and loading is exactly-once, on a real DuckDB file (and a real Postgres server)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ingestion.landing import BatchWriter, CursorStore, committed_batches, sweep_abandoned
from ingestion.load import load_landing
from pulse.config import Config
from pulse.warehouse import DuckDBWarehouse, PostgresWarehouse


def land(landing: Path, records: list, stream: str = "posts", source: str = "forum") -> str:
    w = BatchWriter(landing, source, "discourse", stream, "id")
    w.add_page("/posts.json", 200, json.dumps(records).encode(), records)
    w.commit(None, "2026-01-01T00:00:00+00:00")
    return w.batch_id


def duck_config(tmp_path: Path) -> Config:
    data = {
        "warehouse": {
            "type": "duckdb",
            "path": str(tmp_path / "wh" / "pulse.duckdb"),
            "memory_limit": "1GB",
            "threads": 1,
            "postgres": {},
        }
    }
    return Config(data=data, file=tmp_path / "pulse.yml", root=tmp_path)


def test_batch_is_all_or_nothing(tmp_path):
    landing = tmp_path / "landing"
    w = BatchWriter(landing, "forum", "discourse", "posts", "id")
    w.add_page("/posts.json", 200, b"[]", [{"id": 1}])
    # killed before commit: only a hidden temporary folder exists, which loading ignores and the next run sweeps
    assert committed_batches(landing) == []
    assert sweep_abandoned(landing, "forum") == 1
    assert not any(landing.rglob("records.jsonl.gz"))


def test_landing_keeps_values_as_sent(tmp_path):
    rec = {"id": 7, "total_price": "598.94", "edited": False, "nested": {"a": [1, "二"]}, "raw": "物流太慢"}
    land(tmp_path, [rec])
    (batch,) = committed_batches(tmp_path)
    with gzip.open(batch.records_file) as f:
        assert json.loads(f.readline()) == rec
    assert batch.meta["pages"][0]["sha256"] and batch.meta["records"] == 1


def test_cursor_store_round_trip(tmp_path):
    store = CursorStore(tmp_path, "forum")
    assert store.get("posts") is None
    store.set("posts", "2026-01-02T00:00:00+00:00", "b1")
    assert store.get("posts") == "2026-01-02T00:00:00+00:00"


def _counts(con, sql):
    return con.execute(sql).fetchone()[0]


def test_duckdb_load_is_exactly_once_and_quarantines(tmp_path):
    landing = tmp_path / "landing"
    land(landing, [{"id": 1, "raw": "a"}, {"id": 2, "raw": "b"}, {"raw": "no key"}])
    wh = DuckDBWarehouse(duck_config(tmp_path))
    first = load_landing(wh, landing, [("forum", None, "brand")])
    assert (first.batches, first.records, first.quarantined) == (1, 2, 1)
    again = load_landing(wh, landing, [("forum", None, "brand")])
    assert (again.batches, again.records, again.skipped) == (0, 0, 1)
    # a re-fetch: one unchanged record, one edited; only the edit is new
    land(landing, [{"id": 1, "raw": "a"}, {"id": 2, "raw": "b (edited)"}])
    third = load_landing(wh, landing, [("forum", None, "brand")])
    assert third.records == 1
    with wh.writer() as con:
        assert _counts(con, "select count(*) from raw.discourse__posts") == 3
        assert _counts(con, "select count(*) from raw._batches") == 2
        reason = con.execute("select reason, record from raw._quarantine").fetchone()
        assert reason[0] == "missing primary key id" and "no key" in reason[1]
        assert _counts(con, "select count(*) from raw._channels") == 1
    # changed back: the old content is the latest again, so it is stored again (once)
    land(landing, [{"id": 2, "raw": "b"}])
    assert load_landing(wh, landing, []).records == 1
    land(landing, [{"id": 2, "raw": "b"}])
    assert load_landing(wh, landing, []).records == 0
    with wh.writer() as con:
        assert _counts(con, "select count(*) from raw.discourse__posts where _pk = '2'") == 3


@pytest.mark.postgres
def test_postgres_load_is_exactly_once(tmp_path, postgres):
    postgres = postgres.create_database("landing_load")
    landing = tmp_path / "landing"
    land(
        landing, [{"id": 1, "raw": 'a\\b\t"q"'}, {"id": 2, "raw": "b"}, {"raw": "no key"}], source="pg_forum"
    )
    cfg = Config(
        data={
            "warehouse": {
                "type": "postgres",
                "postgres": {
                    "host": postgres.host,
                    "port": postgres.port,
                    "user": postgres.user,
                    "password": postgres.password,
                    "dbname": postgres.dbname,
                },
            }
        },
        file=tmp_path / "x.yml",
        root=tmp_path,
    )
    wh = PostgresWarehouse(cfg)
    first = load_landing(wh, landing, [("pg_forum", None, "brand")])
    assert (first.records, first.quarantined) == (2, 1)
    assert load_landing(wh, landing, []).records == 0
    for raw, stored in (
        ("changed", 1),
        ('a\\b\t"q"', 1),
        ('a\\b\t"q"', 0),
    ):  # A -> B -> A stores the second A
        land(landing, [{"id": 1, "raw": raw}], source="pg_forum")
        assert load_landing(wh, landing, []).records == stored
    with wh.reader() as con, con.cursor() as cur:
        cur.execute(
            "select _record ->> 'raw' from raw.discourse__posts where _source = 'pg_forum' and _pk = '1'"
            " order by _batch_id desc limit 1"
        )
        assert cur.fetchone()[0] == 'a\\b\t"q"'
