"""Raw tables filled the way production fills them: a small sandbox world served over HTTP, every connector landing
it (`pulse.sandbox.sources`), the loader loading it into DuckDB (and Postgres). Staging tests build their models on
a copy and score them against the world that generated the data.

    world, landing, raw = sandbox_raw(tmp)    # raw: a DuckDB file with every raw.<type>__<stream> table
    path = copy_of(raw, tmp / "mine.duckdb")  # build into a copy: tests never share a dbt target
    run = build_duckdb(path, ["--select", "staging.reddit"], tmp)
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dbt_helpers import BUILD_VARS, DbtRun, run_dbt

from ingestion.load import load_landing
from ingestion.runner import ingest_source
from pulse.config import Config
from pulse.sandbox.filedrops import write_drops
from pulse.sandbox.scales import SCALES
from pulse.sandbox.server import make_server
from pulse.sandbox.sources import sandbox_sources
from pulse.sandbox.tables import World
from pulse.sandbox.world import generate_world
from pulse.warehouse import DuckDBWarehouse, PostgresWarehouse

SEED, MEMBERS, WEEKS = SCALES["S"].seed, SCALES["S"].members, SCALES["S"].weeks  # make bench SCALE=S


def land_world(world: World, work: Path) -> Path:
    """Serve `world`, land every source into `work/landing`; returns the landing folder."""
    write_drops(world, work / "drops", broken=False)
    server = make_server(world, rate_limits=False)
    server.start()
    try:
        sources = sandbox_sources(world, server.url, work / "drops", timeout_seconds=10.0)
        with ThreadPoolExecutor(len(sources)) as pool:
            results = [
                r
                for rs in pool.map(lambda s: ingest_source(s, work / "landing", work / "state"), sources)
                for r in rs
            ]
    finally:
        server.stop()
    failed = [r for r in results if r.error]
    assert not failed, failed
    return work / "landing"


def _config(work: Path, warehouse: dict) -> Config:
    return Config(data={"warehouse": warehouse}, file=work / "pulse.yml", root=work)


def sandbox_raw(work: Path) -> tuple[World, Path, Path]:
    """(world, landing folder, DuckDB file holding the raw schema)."""
    world = generate_world(SEED, MEMBERS, WEEKS)
    landing = land_world(world, work)
    path = work / "sandbox.duckdb"  # not raw.duckdb: the catalog would shadow the raw schema
    wh = DuckDBWarehouse(
        _config(
            work, {"type": "duckdb", "path": str(path), "memory_limit": "1GB", "threads": 2, "postgres": {}}
        )
    )
    report = load_landing(wh, landing, [])
    assert report.quarantined == 0, report
    shutil.copyfile(wh.work_path, path)  # the loader writes the working copy; tests read a plain file
    return world, landing, path


def load_postgres(db, landing: Path, work: Path) -> None:
    """Load the same landing folder into the Postgres database `db` (a pulse.testing.postgres server)."""
    pg = {"host": db.host, "port": db.port, "user": db.user, "password": db.password, "dbname": db.dbname}
    load_landing(PostgresWarehouse(_config(work, {"type": "postgres", "postgres": pg})), landing, [])


def copy_of(raw: Path, target: Path) -> Path:
    shutil.copyfile(raw, target)
    return target


def build_duckdb(path: Path, args: list[str], work: Path, **dbt_vars) -> DbtRun:
    """`dbt build <args>` into the DuckDB file `path`, with BUILD_VARS (and `dbt_vars` over them)."""
    env = {"PULSE_DUCKDB_PATH": str(path), "PULSE_DUCKDB_MEMORY_LIMIT": "1GB", "PULSE_DUCKDB_THREADS": "2"}
    return run_dbt(["build", *args], "duckdb", work, env, {**BUILD_VARS, **dbt_vars})


def build_postgres(db, args: list[str], work: Path, **dbt_vars) -> DbtRun:
    """`dbt build <args>` into the sandbox Postgres database's _work schemas, with BUILD_VARS and `dbt_vars`."""
    env = {**db.env(), "PULSE_SCHEMA_SUFFIX": "_work"}
    return run_dbt(["build", *args], "postgres", work, env, {**BUILD_VARS, **dbt_vars})


@dataclass
class Builds:
    duck_path: Path
    duck: DbtRun
    pg_db: Any  # the sandbox_pg database, None when no Postgres test of the module is selected
    pg: DbtRun | None


def build_both(
    request, raw: Path, selection: str | None, work: Path, *args: str, wants_pg: bool | None = None
) -> Builds:
    """`dbt build --select <selection> <args>` (everything when selection is None) once on DuckDB (a copy of the
    raw file) and, when Postgres tests want it (default: the calling module's are selected), on the sandbox
    Postgres database; the two builds run at the same time. Selecting a model with its parents (`+model`) wants
    `--indirect-selection cautious`: the parents' tests that need unselected models are left out."""
    path = copy_of(raw, work / "build.duckdb")  # not staging.duckdb: the catalog would shadow the schema
    if wants_pg is None:
        wants_pg = any(
            item.module is request.module and item.get_closest_marker("postgres")
            for item in request.session.items
        )
    dbt_args = [*(["--select", selection] if selection else []), *args]
    with ThreadPoolExecutor(2) as pool:
        duck = pool.submit(build_duckdb, path, dbt_args, work)
        pg_db = pg = None
        if wants_pg:
            try:
                pg_db = request.getfixturevalue("sandbox_pg")  # starts the server while DuckDB builds
            except pytest.skip.Exception:
                pg_db = None  # Postgres unavailable: the Postgres tests skip
        if pg_db is not None:
            pg = pool.submit(build_postgres, pg_db, dbt_args, work / "pg").result()
        duck = duck.result()
    assert duck.returncode == 0, duck.stdout[-5000:]
    return Builds(path, duck, pg_db, pg)


def rows(con, sql: str) -> list[dict]:
    """A query's rows as dicts keyed by column name (a DuckDB or a psycopg2 connection)."""
    cur = con.cursor() if not hasattr(con, "execute") else con
    cur = cur.execute(sql) or cur  # psycopg2's execute returns None
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
