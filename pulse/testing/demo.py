"""The small demo the end-to-end tests share: demo/pulse.yml on a fixed 800-member, 6-week world (data ends Sunday
2026-11-01, week 2026-W44), run by the real CLI (`pulse demo`) into a folder of its own."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from pulse.testing.paths import REPO

END = dt.date(2026, 11, 2)  # a fixed world: data ends Sunday 2026-11-01 (2026-W44)
WEEK = "2026-W44"


def demo_config(
    folder: Path, *, members: int, weeks: int, end_date: dt.date, seed: int | None = None, **warehouse
):
    """demo/pulse.yml (as a dict) on a world of this size ending before `end_date`, every artefact under
    `folder`/var, `warehouse` settings over the demo's. The small demo, the DAG tests and bench/scale.py start here."""
    data = yaml.safe_load((REPO / "demo" / "pulse.yml").read_text())
    data["var_dir"] = str(folder / "var")
    data["warehouse"]["path"] = str(folder / "var" / "warehouse" / "pulse.duckdb")
    data["warehouse"].update(warehouse)
    data["sandbox"].update(members=members, weeks=weeks, end_date=end_date.isoformat())
    if seed is not None:
        data["sandbox"]["seed"] = seed
    return data


def small_config(folder: Path, **warehouse) -> Path:
    """Write demo/pulse.yml for the small world into `folder`, every artefact under `folder`/var; return its path."""
    data = demo_config(folder, members=800, weeks=6, end_date=END, **warehouse)
    path = folder / "pulse.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def run_demo(config: Path) -> str:
    """`pulse demo --week WEEK` with `config` in a subprocess, as a user runs it; its stdout (fails loudly)."""
    from pulse.cli import DEMO_ENV

    proc = subprocess.run(
        [sys.executable, "-m", "pulse.cli", "--config", str(config), "demo", "--week", WEEK],
        capture_output=True,
        text=True,
        env={**os.environ, **DEMO_ENV},
        cwd=REPO,
        timeout=900,
    )
    if proc.returncode != 0:
        raise AssertionError(f"pulse demo failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def copy_demo(source: Path, folder: Path) -> Path:
    """A private copy of a demo run's folder (source/var) in `folder`, with its own config; return the config. For
    tests that change the warehouse. The reports and their sent logs stay behind: what another module sent is not
    this copy's."""
    shutil.copytree(source / "var", folder / "var", ignore=shutil.ignore_patterns("reports"))
    return small_config(folder)
