"""Load committed landing batches into the warehouse's raw tables, exactly once per batch.

Each batch's rows and its row in the manifest `raw._batches` are written in one transaction: a batch is either
loaded whole and recorded, or not at all, so re-running after any failure never duplicates. Records without their
primary key go to `raw._quarantine` with the reason, in the same transaction; nothing is dropped silently. A bad
record already quarantined for the same source and stream (a file read again after a re-export) is not added twice.
A record identical to the latest version already loaded for the same source and key (same content hash: a re-fetch
inside the lookback window, or an unchanged full-refresh stream) is not stored again, so raw tables hold each change
once. Only the latest counts: a value changed and then changed back (A -> B -> A) stores the second A, so that
staging's "latest version" is A again. (Batch ids sort by extraction time, so the greatest is the latest.)
A connector that cannot make a record out of its input (a file row with the wrong number of columns, bytes that
are not text in the declared encoding) lands `{"_quarantine_reason": ..., ...}`; it is quarantined with that reason.
"""

from __future__ import annotations

import gzip
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.landing import LandedBatch, committed_batches
from pulse.warehouse import DuckDBWarehouse, PostgresWarehouse, Warehouse

log = logging.getLogger("pulse.load")

RAW_DDL = {
    "duckdb": [
        "create schema if not exists raw",
        """create table if not exists raw._batches (
            batch_id varchar primary key, source varchar, source_type varchar, stream varchar,
            records bigint, quarantined bigint, extracted_at timestamptz, loaded_at timestamptz)""",
        """create table if not exists raw._quarantine (
            batch_id varchar, source varchar, stream varchar, line_no bigint, reason varchar, record varchar,
            quarantined_at timestamptz)""",
        "create table if not exists raw._channels (source varchar, channel varchar, community varchar)",
    ],
    "postgres": [
        "create schema if not exists raw",
        """create table if not exists raw._batches (
            batch_id text primary key, source text, source_type text, stream text,
            records bigint, quarantined bigint, extracted_at timestamptz, loaded_at timestamptz)""",
        """create table if not exists raw._quarantine (
            batch_id text, source text, stream text, line_no bigint, reason text, record text,
            quarantined_at timestamptz)""",
        "create table if not exists raw._channels (source text, channel text, community text)",
    ],
}


def raw_table(source_type: str, stream: str) -> str:
    return f"raw.{source_type}__{stream}"


def json_path(dotted: str) -> str:
    return "$." + dotted


@dataclass
class LoadReport:
    batches: int = 0
    records: int = 0
    quarantined: int = 0
    skipped: int = 0
    seconds: float = 0.0
    tables: dict[str, int] = field(default_factory=dict)


def load_landing(
    warehouse: Warehouse, landing_dir: Path, channels: list[tuple[str, str | None, str]]
) -> LoadReport:
    started = time.perf_counter()
    report = LoadReport()
    batches = committed_batches(landing_dir)
    with warehouse.writer() as con:
        loader = _DuckLoader(con) if isinstance(warehouse, DuckDBWarehouse) else _PgLoader(con)
        loader.setup(channels)
        done = loader.loaded_ids()
        for batch in batches:
            if batch.batch_id in done:
                report.skipped += 1
                continue
            table = raw_table(batch.meta["source_type"], batch.meta["stream"])
            loaded, quarantined = loader.load(batch, table)
            report.batches += 1
            report.records += loaded
            report.quarantined += quarantined
            report.tables[table] = report.tables.get(table, 0) + loaded
            log.info(
                "loaded batch=%s table=%s records=%d quarantined=%d",
                batch.batch_id,
                table,
                loaded,
                quarantined,
            )
    report.seconds = round(time.perf_counter() - started, 3)
    return report


class _DuckLoader:
    def __init__(self, con):
        self.con = con

    def setup(self, channels) -> None:
        for stmt in RAW_DDL["duckdb"]:
            self.con.execute(stmt)
        self.con.execute("begin")
        self.con.execute("delete from raw._channels")
        if channels:
            self.con.executemany("insert into raw._channels values (?, ?, ?)", channels)
        self.con.execute("commit")

    def loaded_ids(self) -> set[str]:
        return {r[0] for r in self.con.execute("select batch_id from raw._batches").fetchall()}

    def load(self, batch: LandedBatch, table: str) -> tuple[int, int]:
        m = batch.meta
        con = self.con
        con.execute(
            f"""create table if not exists {table} (
                _batch_id varchar, _source varchar, _extracted_at timestamptz, _pk varchar, _hash varchar, _record json)"""
        )
        if m["records"] == 0:
            con.execute(
                "insert into raw._batches values (?, ?, ?, ?, 0, 0, ?::timestamptz, now())",
                [m["batch_id"], m["source"], m["source_type"], m["stream"], m["extracted_at"]],
            )
            return 0, 0
        pk = json_path(m["primary_key"])
        con.execute("begin")
        try:
            # One pass inserts the good records; a batch holds each primary key once (the runner's guarantee), so
            # only versions already in the table need skipping. A second, cheap scan quarantines the rest, and
            # only runs when something was left out.
            loaded = con.execute(
                f"""insert into {table}
                    select ?, ?, ?::timestamptz, b.pk, b.hash, b.record
                    from (select json as record, json_extract_string(json, ?) as pk, md5(json) as hash,
                                 json_extract_string(json, '$._quarantine_reason') as bad
                          from read_json_objects(?, format = 'newline_delimited')) as b
                    where b.pk is not null and b.bad is null
                      and not exists (select 1 from (select _pk, arg_max(_hash, _batch_id) as _hash
                                                     from {table} where _source = ? group by _pk) as t
                                      where t._pk = b.pk and t._hash = b.hash)""",
                [m["batch_id"], m["source"], m["extracted_at"], pk, str(batch.records_file), m["source"]],
            ).fetchone()[0]
            quarantined = 0
            if loaded < m["records"]:
                quarantined = con.execute(
                    """insert into raw._quarantine
                       select ?, ?, ?, line_no, coalesce(bad, 'missing primary key ' || ?), record::varchar, now()
                       from (select row_number() over () as line_no, json as record,
                                    json_extract_string(json, ?) as pk,
                                    json_extract_string(json, '$._quarantine_reason') as bad
                             from read_json_objects(?, format = 'newline_delimited')) as b
                       where (pk is null or bad is not null)
                         and not exists (select 1 from raw._quarantine q
                                         where q.source = ? and q.stream = ? and q.record = b.record::varchar)""",
                    [
                        m["batch_id"],
                        m["source"],
                        m["stream"],
                        m["primary_key"],
                        pk,
                        str(batch.records_file),
                        m["source"],
                        m["stream"],
                    ],
                ).fetchone()[0]
            con.execute(
                "insert into raw._batches values (?, ?, ?, ?, ?, ?, ?::timestamptz, now())",
                [
                    m["batch_id"],
                    m["source"],
                    m["source_type"],
                    m["stream"],
                    loaded,
                    quarantined,
                    m["extracted_at"],
                ],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        return int(loaded), int(quarantined)


class _PgLoader:
    """COPY each batch's lines into a temp table (\\x01/\\x02 framing: JSON text never holds raw control bytes),
    then insert typed rows and quarantine what lacks a key, all in the batch's transaction."""

    def __init__(self, con):
        self.con = con

    def setup(self, channels) -> None:
        with self.con.cursor() as cur:
            for stmt in RAW_DDL["postgres"]:
                cur.execute(stmt)
            cur.execute("delete from raw._channels")
            if channels:
                cur.executemany("insert into raw._channels values (%s, %s, %s)", channels)
        self.con.commit()

    def loaded_ids(self) -> set[str]:
        with self.con.cursor() as cur:
            cur.execute("select batch_id from raw._batches")
            return {r[0] for r in cur.fetchall()}

    def load(self, batch: LandedBatch, table: str) -> tuple[int, int]:
        m = batch.meta
        pk_path = "{" + m["primary_key"].replace(".", ",") + "}"
        with self.con.cursor() as cur:
            try:
                cur.execute(
                    f"""create table if not exists {table} (
                        _batch_id text, _source text, _extracted_at timestamptz, _pk text, _hash text, _record jsonb)"""
                )
                cur.execute(
                    f"create index if not exists {table.replace('.', '_')}_pk on {table} (_source, _pk)"
                )
                cur.execute("create temp table _batch (line_no bigserial, line text) on commit drop")
                with gzip.open(batch.records_file, "rb") as f:
                    cur.copy_expert(
                        "copy _batch (line) from stdin with (format csv, quote e'\\x01', delimiter e'\\x02')",
                        f,
                    )
                cur.execute(
                    f"""insert into {table}
                        select distinct on (b.pk, b.hash) %s, %s, %s::timestamptz, b.pk, b.hash, b.record
                        from (select line_no, line::jsonb #>> %s as pk, md5(line) as hash, line::jsonb as record
                              from _batch) as b
                        where b.pk is not null and b.record ->> '_quarantine_reason' is null
                          and not exists (select 1 from (select distinct on (_pk) _pk, _hash from {table}
                                                         where _source = %s order by _pk, _batch_id desc) as t
                                          where t._pk = b.pk and t._hash = b.hash)
                        order by b.pk, b.hash, b.line_no""",
                    (m["batch_id"], m["source"], m["extracted_at"], pk_path, m["source"]),
                )
                loaded = cur.rowcount
                cur.execute(
                    """insert into raw._quarantine
                       select %s, %s, %s, line_no,
                              coalesce(line::jsonb ->> '_quarantine_reason', 'missing primary key ' || %s), line, now()
                       from _batch
                       where (line::jsonb #>> %s is null or line::jsonb ->> '_quarantine_reason' is not null)
                         and not exists (select 1 from raw._quarantine q
                                         where q.source = %s and q.stream = %s and q.record = _batch.line)""",
                    (
                        m["batch_id"],
                        m["source"],
                        m["stream"],
                        m["primary_key"],
                        pk_path,
                        m["source"],
                        m["stream"],
                    ),
                )
                quarantined = cur.rowcount
                cur.execute(
                    "insert into raw._batches values (%s, %s, %s, %s, %s, %s, %s::timestamptz, now())",
                    (
                        m["batch_id"],
                        m["source"],
                        m["source_type"],
                        m["stream"],
                        loaded,
                        quarantined,
                        m["extracted_at"],
                    ),
                )
                self.con.commit()
            except BaseException:
                self.con.rollback()
                raise
        return int(loaded), int(quarantined)


__all__ = ["LoadReport", "PostgresWarehouse", "load_landing", "raw_table"]
