"""A DuckDB warehouse config in a test's folder, for tests that need the warehouse and nothing else."""

from __future__ import annotations

from pathlib import Path

from pulse.config import Config


def duckdb_config(folder: Path, memory_limit: str = "256MB") -> Config:
    """`warehouse:` alone: the published file `folder`/wh/pulse.duckdb (its working copy beside it), one thread."""
    warehouse = {
        "type": "duckdb",
        "path": str(folder / "wh" / "pulse.duckdb"),
        "memory_limit": memory_limit,
        "threads": 1,
        "postgres": {},
    }
    return Config(data={"warehouse": warehouse}, file=folder / "pulse.yml", root=folder)
