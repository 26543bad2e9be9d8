"""The warehouse: where raw tables are loaded, dbt builds, the quality gate reads, and analysts query.

Write-audit-publish on both backends:
- DuckDB allows one writing process per file and a reader blocks a writer. Writers (load, dbt) take a file lock and
  build into the working copy `<dir>/work/<name>.duckdb`; the gate reads it read-only; `publish` copies what readers
  use (the marts, the gate's results, the batch log: READER_TABLES) into a new file next to the published one and
  renames it into place, so analysts with the old file open keep a consistent snapshot. Not the whole file: raw
  JSON, staging and intermediate are most of it (M: 0.3 of 4.3 GB is marts), and at a million members a copy of
  everything would need twice the working file's ~40 GB on disk.
- Postgres: dbt builds into `*_work` schemas; `publish` replaces schema `marts` by a copy of `marts_work` in one
  transaction.
"""

from __future__ import annotations

import fcntl
import os
import time
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from pulse.config import Config

PUBLISHED_SCHEMAS = ("marts",)
# what a reader of the published DuckDB file uses: the marts, the gate's verdicts, when each source was loaded
# (Postgres readers see audit and raw live: only the marts are built apart)
READER_TABLES = "schema_name in ('marts', 'audit') or (schema_name = 'raw' and table_name = '_batches')"


def fetch_df(con: Any, sql: str, params: list | tuple | None = None):
    """Run `sql` (placeholders written `?`) on a DuckDB or a DB-API (psycopg2) connection; return a DataFrame."""
    import pandas as pd

    params = list(params or [])
    if "duckdb" in type(con).__module__:  # duckdb 2.0 connections live in module `_duckdb`
        return con.execute(sql, params).df()
    if params:
        sql = sql.replace("%", "%%").replace("?", "%s")
    with con.cursor() as cur:
        cur.execute(sql, params or None)
        columns = [d[0] for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns)


class Warehouse(ABC):
    """What the steps need of a warehouse; DuckDBWarehouse and PostgresWarehouse are the two there are."""

    kind: str
    dbt_target: str

    @abstractmethod
    def dbt_env(self) -> dict[str, str]:
        """The env vars dbt's profile reads to reach this warehouse's working copy."""

    @abstractmethod
    def writer(self) -> AbstractContextManager:
        """A connection that may write the working copy (on DuckDB, the only one while it is open)."""

    @abstractmethod
    def reader(self, published: bool = True) -> AbstractContextManager:
        """A read-only connection to the published warehouse, or to the working copy."""

    @abstractmethod
    def publish(self) -> dict[str, Any]:
        """Make the working copy's marts what readers see, all at once."""


class DuckDBWarehouse(Warehouse):
    kind = "duckdb"
    dbt_target = "duckdb"

    def __init__(self, config: Config):
        self.published_path = config.warehouse_path
        self.work_path = self.published_path.parent / "work" / self.published_path.name
        self.memory_limit = config["warehouse"]["memory_limit"]
        self.threads = config["warehouse"]["threads"]
        self.lock_path = self.published_path.parent / ".write.lock"

    def dbt_env(self) -> dict[str, str]:
        return {
            "PULSE_DUCKDB_PATH": str(self.work_path),
            "PULSE_DUCKDB_MEMORY_LIMIT": self.memory_limit,
            "PULSE_DUCKDB_THREADS": str(self.threads),
            "PULSE_SCHEMA_SUFFIX": "",
        }

    @contextmanager
    def write_lock(self, wait_seconds: float = 600.0):
        """Serialize writers to the working file across processes (the CLI, Airflow tasks, tests)."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "w") as f:
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"{self.lock_path}: another writer held the warehouse for {wait_seconds}s"
                        ) from None
                    time.sleep(0.2)
            yield

    def connect(self, path: Path, read_only: bool):
        import duckdb

        path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(
            str(path),
            read_only=read_only,
            config={"memory_limit": self.memory_limit, "threads": self.threads},
        )

    @contextmanager
    def writer(self):
        with self.write_lock():
            con = self.connect(self.work_path, read_only=False)
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def reader(self, published: bool = True):
        path = self.published_path if published else self.work_path
        if not path.exists():
            raise FileNotFoundError(f"{path}: no warehouse yet; run `pulse run` (or `pulse demo`) first")
        con = self.connect(path, read_only=True)
        try:
            yield con
        finally:
            con.close()

    def publish(self) -> dict[str, Any]:
        started = time.perf_counter()
        with self.write_lock():
            tmp = self.published_path.with_name(f".{self.published_path.name}.publishing")
            tmp.unlink(missing_ok=True)
            con = self.connect(tmp, read_only=False)
            try:
                con.execute(f"attach '{self.work_path}' as work (read_only)")
                tables = con.execute(
                    f"select schema_name, table_name from duckdb_tables() where database_name = 'work' "
                    f"and ({READER_TABLES}) order by 1, 2"
                ).fetchall()
                for schema, table in tables:
                    con.execute(f'create schema if not exists "{schema}"')
                    con.execute(f'create table "{schema}"."{table}" as from work."{schema}"."{table}"')
                con.execute("detach work")
                con.execute("checkpoint")
            finally:
                con.close()
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, self.published_path)
        return {
            "published": str(self.published_path),
            "tables": len(tables),
            "seconds": round(time.perf_counter() - started, 3),
        }


class PostgresWarehouse(Warehouse):
    kind = "postgres"
    dbt_target = "postgres"
    suffix = "_work"

    def __init__(self, config: Config):
        self.params = dict(config["warehouse"]["postgres"])

    def dbt_env(self) -> dict[str, str]:
        p = self.params
        return {
            "PULSE_PG_HOST": str(p["host"]),
            "PULSE_PG_PORT": str(p["port"]),
            "PULSE_PG_USER": str(p["user"]),
            "PULSE_PG_PASSWORD": str(p.get("password") or ""),
            "PULSE_PG_DBNAME": str(p["dbname"]),
            "PULSE_SCHEMA_SUFFIX": self.suffix,
        }

    def connect(self):
        import psycopg2

        p = self.params
        return psycopg2.connect(
            host=p["host"],
            port=p["port"],
            user=p["user"],
            password=p.get("password") or None,
            dbname=p["dbname"],
        )

    @contextmanager
    def writer(self):
        con = self.connect()
        try:
            yield con
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.close()

    @contextmanager
    def reader(self, published: bool = True):
        con = self.connect()
        con.set_session(readonly=True, autocommit=True)
        try:
            yield con
        finally:
            con.close()

    def publish(self) -> dict[str, Any]:
        started = time.perf_counter()
        with self.writer() as con, con.cursor() as cur:
            for schema in PUBLISHED_SCHEMAS:
                work = schema + self.suffix
                cur.execute(
                    "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE'",
                    (work,),
                )
                tables = [r[0] for r in cur.fetchall()]
                cur.execute(f'drop schema if exists "{schema}" cascade')
                cur.execute(f'create schema "{schema}"')
                for t in tables:
                    cur.execute(f'create table "{schema}"."{t}" as table "{work}"."{t}"')
        return {"published": "postgres schema marts", "seconds": round(time.perf_counter() - started, 3)}


def open_warehouse(config: Config) -> Warehouse:
    return PostgresWarehouse(config) if config["warehouse"]["type"] == "postgres" else DuckDBWarehouse(config)
