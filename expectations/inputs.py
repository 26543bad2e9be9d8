"""What the gate reads from the warehouse, bounded by a sample size rather than by the tables' sizes.

- marts: only the columns their suites read (`mart_columns`), one mart at a time;
- raw tables: every row is counted in SQL (`checks.raw_integrity`: key nulls, `_extracted_at` range, duplicate
  versions), while the raw suite (the record contracts parsed from `_record` among them) runs on a deterministic
  sample: every row of a table of at most `quality.raw_sample_rows` rows, else that many rows, the same ones on a
  re-run of the same data; one table at a time;
- the derived check frames of expectations/checks.py (aggregates computed in the warehouse).

`gate_inputs` returns the frames for `run_gate` as functions that read their table when the gate validates it, so
the reader connection stays open until the gate has run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from expectations.checks import columns_of, derived_frames, quoted
from expectations.suites import RAW_COLUMNS, RAW_INTEGRITY, is_raw_table, mart_columns, tables_needed

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("pulse.expectations")

SAMPLE_SEED = 8  # any fixed seed: the same rows on every run over the same data


@dataclass(frozen=True)
class Sql:
    """The working warehouse, as the gate reads it. query(sql, params=None) -> DataFrame (`?` placeholders);
    execute(sql): a statement without rows (SET); name(table): `schema.table` -> its name there (Postgres builds
    into `*_work` schemas); dialect: 'duckdb' or 'postgres'."""

    query: Callable[..., pd.DataFrame]
    execute: Callable[[str], Any]
    name: Callable[[str], str]
    dialect: str


@dataclass
class GateInputs:
    """frames: for `run_gate` (a DataFrame, or a function reading it); total_rows: the whole table's rows for each
    raw table the gate sees a sample of."""

    frames: dict[str, Any] = field(default_factory=dict)
    total_rows: dict[str, int] = field(default_factory=dict)


def gate_inputs(sql: Sql, present: set[str], sample_rows: int, today: dt.date | None = None) -> GateInputs:
    """The marts of `tables_needed()`, every raw table and the derived check frames, of the tables in `present`
    (logical `schema.table` names)."""
    inputs = GateInputs()
    for table in tables_needed():
        if table in present:
            inputs.frames[table] = partial(read_mart, sql, table)
    derived = derived_frames(sql.query, sql.name, present, today=today)
    counted = derived.get(RAW_INTEGRITY)  # every raw table's rows, counted in SQL
    rows = {} if counted is None else dict(zip(counted["table"], counted["rows"].tolist(), strict=True))
    for table in sorted(t for t in present if is_raw_table(t)):
        total = rows.get(table)
        inputs.frames[table] = partial(read_raw, sql, table, sample_rows, total)
        if total is not None and total > sample_rows:
            inputs.total_rows[table] = total
    inputs.frames.update(derived)
    return inputs


def read_mart(sql: Sql, table: str) -> pd.DataFrame:
    import pandas as pd

    relation = sql.name(table)
    columns = mart_columns(table, columns_of(sql.query, relation))
    if not columns:
        return pd.DataFrame()
    return sql.query(f"select {', '.join(quoted(c) for c in columns)} from {relation}")


def read_raw(sql: Sql, table: str, sample_rows: int, total: int | None = None) -> pd.DataFrame:
    """The raw suite's columns of `table`: every row when it has at most `sample_rows`, else a deterministic sample
    of `sample_rows` rows. total: the table's rows, when already counted."""
    relation = sql.name(table)
    columns = [c for c in columns_of(sql.query, relation) if c in RAW_COLUMNS]
    select = f"select {', '.join(columns) or 'null as _none'} from {relation}"
    if total is None:
        total = int(sql.query(f"select count(*) as n from {relation}")["n"].iloc[0])
    if total <= sample_rows:
        return sql.query(select)
    if sql.dialect == "duckdb":
        frame = _duckdb_sample(sql, relation, select, sample_rows)
    elif sql.dialect == "postgres":
        frame = _postgres_sample(sql, relation, select, sample_rows)
    else:
        raise ValueError(f"{table}: no sampling for warehouse dialect {sql.dialect!r} (duckdb, postgres)")
    log.info("quality gate: %s read as a sample of %d of %d rows", table, len(frame), total)
    return frame


def _duckdb_sample(sql: Sql, relation: str, select: str, n: int) -> pd.DataFrame:
    """Reservoir sample of the row ids (a seeded reservoir repeats only on one thread: DuckDB's docs), then the
    columns of those rows (many threads; only the sampled rows' `_record` is read)."""
    threads = sql.query("select current_setting('threads') as threads")["threads"].iloc[0]
    sql.execute("set threads = 1")
    try:
        ids = sql.query(
            f"select rowid as row_id from {relation} using sample reservoir({int(n)} rows) repeatable ({SAMPLE_SEED})"
        )["row_id"]
    finally:
        sql.execute(f"set threads = {int(threads)}")
    return sql.query(f"{select} where rowid in (select unnest(cast(? as bigint[])))", [[int(i) for i in ids]])


def _postgres_sample(sql: Sql, relation: str, select: str, n: int) -> pd.DataFrame:
    """The rows whose md5 of the key (source, key, version, batch) sorts first: the same rows whatever the physical
    order; a bounded top-n sort of the keys alone, then the sampled rows fetched by ctid."""
    sql.execute("set work_mem = '64MB'")  # the top-n heap of keys stays in memory
    try:
        ids = sql.query(
            f"""select cast(ctid as text) as row_id from {relation}
                order by md5(concat_ws('|', _source, _pk, _hash, _batch_id)) limit {int(n)}"""
        )["row_id"]
    finally:
        sql.execute("reset work_mem")
    return sql.query(f"{select} where ctid = any(cast(? as tid[]))", [list(ids)])
