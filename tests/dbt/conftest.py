"""dbt builds shared by the tests of this folder: one `dbt build` per adapter per session.

DuckDB builds into a temporary file; Postgres into a fresh database on the session's throwaway server (the
`postgres` fixture of tests/conftest.py), with PULSE_SCHEMA_SUFFIX=_work as write-audit-publish runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dbt_helpers import BUILD_VARS, DbtRun, run_dbt
from dbt_raw_fixtures import build_raw, write_duckdb, write_postgres


@dataclass
class DuckBuild:
    path: Path
    run: DbtRun

    def connect(self):
        import duckdb

        con = duckdb.connect(str(self.path), read_only=True)
        con.execute("set TimeZone = 'UTC'")
        return con


@dataclass
class PgBuild:
    server: Any  # pulse.testing.postgres.PostgresServer, connected to the test database
    run: DbtRun
    suffix: str

    def connect(self):
        return self.server.connect()


@pytest.fixture(scope="session")
def raw_data():
    return build_raw()


@pytest.fixture(scope="session")
def duckdb_build(tmp_path_factory, raw_data) -> DuckBuild:
    work = tmp_path_factory.mktemp("dbt-duckdb")
    path = work / "pulse.duckdb"
    write_duckdb(path, raw_data)
    env = {"PULSE_DUCKDB_PATH": str(path), "PULSE_DUCKDB_MEMORY_LIMIT": "1GB", "PULSE_DUCKDB_THREADS": "2"}
    run = run_dbt(["build"], "duckdb", work, env, BUILD_VARS)
    assert run.returncode == 0, run.stdout[-5000:]
    return DuckBuild(path, run)


@pytest.fixture(scope="session")
def pg_build(request, tmp_path_factory, raw_data) -> PgBuild:
    from pulse.testing.postgres import PostgresUnavailable

    try:
        server = request.getfixturevalue("postgres")
    except PostgresUnavailable as e:
        pytest.skip(str(e))
    db = server.create_database("dbt_tests")
    # raw._quarantine is left out on purpose: the on-run-start hook must create it
    write_postgres(db, raw_data, skip=("_quarantine",))
    work = tmp_path_factory.mktemp("dbt-postgres")
    env = {**db.env(), "PULSE_SCHEMA_SUFFIX": "_work"}
    run = run_dbt(["build"], "postgres", work, env, BUILD_VARS)
    assert run.returncode == 0, run.stdout[-5000:]
    return PgBuild(db, run, "_work")


@dataclass
class SandboxRaw:
    """A small world landed by every connector and loaded: see sandbox_raw.py."""

    world: Any
    landing: Path
    duckdb: Path


@pytest.fixture(scope="session")
def sandbox_raw_data(tmp_path_factory) -> SandboxRaw:
    from sandbox_raw import sandbox_raw

    return SandboxRaw(*sandbox_raw(tmp_path_factory.mktemp("sandbox-raw")))


@pytest.fixture(scope="session")
def sandbox_pg(request, tmp_path_factory, sandbox_raw_data):
    """A Postgres database holding the same raw tables (skips where Postgres is unavailable)."""
    from sandbox_raw import load_postgres

    from pulse.testing.postgres import PostgresUnavailable

    try:
        server = request.getfixturevalue("postgres")
    except PostgresUnavailable as e:
        pytest.skip(str(e))
    db = server.create_database("sandbox_raw")
    load_postgres(db, sandbox_raw_data.landing, tmp_path_factory.mktemp("sandbox-pg"))
    return db


@pytest.fixture(scope="session")
def sandbox_built(request, sandbox_raw_data, tmp_path_factory):
    """The whole project (every model, data test and unit test) built once on the sandbox world, on DuckDB and,
    when a selected Postgres test uses this fixture, on the sandbox Postgres database. The modules that check marts
    against the world read it (and copy the file before changing anything), instead of each building its own
    overlapping selection: the builds were most of the suite's time."""
    from sandbox_raw import build_both

    wants_pg = any(
        item.get_closest_marker("postgres") and "sandbox_built" in item.fixturenames
        for item in request.session.items
    )
    return build_both(
        request, sandbox_raw_data.duckdb, None, tmp_path_factory.mktemp("sandbox-built"), wants_pg=wants_pg
    )
