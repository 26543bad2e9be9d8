"""Every connector at once against one sandbox, as `pulse ingest` runs them (one thread per source), then one load
into a DuckDB warehouse: each landed record is loaded exactly once, nothing is quarantined, and a second load adds
nothing. `pulse.sandbox.sources` is also what `bench/ingest.py` measures, so this keeps the bench honest too."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from ingestion.load import load_landing, raw_table
from ingestion.registry import SOURCE_TYPES
from ingestion.runner import ingest_source
from pulse.config import Config
from pulse.sandbox.filedrops import write_drops
from pulse.sandbox.server import make_server
from pulse.sandbox.sources import sandbox_sources
from pulse.sandbox.world import generate_world
from pulse.warehouse import DuckDBWarehouse


@pytest.fixture(scope="module")
def world():
    return generate_world(5, 400, 3)


def _warehouse(tmp_path) -> DuckDBWarehouse:
    wh = {
        "type": "duckdb",
        "path": str(tmp_path / "wh" / "pulse.duckdb"),
        "memory_limit": "1GB",
        "threads": 1,
    }
    return DuckDBWarehouse(
        Config(data={"warehouse": {**wh, "postgres": {}}}, file=tmp_path / "p.yml", root=tmp_path)
    )


def test_every_source_type_lands_in_parallel_and_loads_exactly_once(tmp_path, world):
    write_drops(world, tmp_path / "drops", broken=False)
    server = make_server(world, rate_limits=False)
    server.start()
    try:
        sources = sandbox_sources(world, server.url, tmp_path / "drops", timeout_seconds=5.0)
        assert {s["type"] for s in sources} == set(SOURCE_TYPES)  # a new connector must join the bench too
        landing, state = tmp_path / "landing", tmp_path / "state"
        with ThreadPoolExecutor(len(sources)) as pool:
            results = [r for rs in pool.map(lambda s: ingest_source(s, landing, state), sources) for r in rs]
    finally:
        server.stop()
    assert not [r for r in results if r.error], results
    landed: dict[str, int] = {}
    for r in results:
        stype = next(s["type"] for s in sources if s["name"] == r.source)
        table = raw_table(stype, r.stream)
        landed[table] = landed.get(table, 0) + r.records
    assert all(n > 0 for n in landed.values()), landed  # the small world still has some of everything
    wh = _warehouse(tmp_path)
    first = load_landing(wh, landing, [])
    assert first.quarantined == 0
    with wh.writer() as con:
        for table, n in landed.items():
            # _pk per source: two Discord guilds share a table
            rows, keys = con.execute(
                f"select count(*), count(distinct (_source, _pk)) from {table}"
            ).fetchone()
            assert rows == keys == n, table
    again = load_landing(wh, landing, [])
    assert (again.records, again.skipped) == (0, first.batches)
