"""Running the dbt CLI for the tests: a subprocess per invocation (adapters and dbt's global state never mix),
each with its own target and log folders, so that no two builds write the same files. Each starts from a copy of
the partial-parse state an earlier invocation left for the same target and vars (see `_parse_state`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbt_raw_fixtures import SALT

from ingestion.files import tables_by_kind
from ingestion.landing import atomic_write
from pulse.config import RULES
from pulse.sandbox.filedrops import DROP_OPTIONS
from pulse.steps import rule_vars
from pulse.testing.paths import REPO

DBT_PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")


@dataclass
class DbtRun:
    args: list[str]
    returncode: int
    stdout: str
    seconds: float
    results: list[dict[str, Any]] = field(default_factory=list)

    def result_of(self, name: str) -> dict[str, Any] | None:
        """The run result of the node named `name` (a model, test or unit test; a generic test's unique_id ends
        with a hash after its name)."""
        for r in self.results:
            parts = r["unique_id"].split(".")
            if (parts[2] if parts[0] == "test" else parts[-1]) == name:
                return r
        return None

    def status_of(self, name: str) -> str | None:
        """Status of the node named `name` (see result_of)."""
        result = self.result_of(name)
        return None if result is None else result["status"]

    def failures(self) -> list[str]:
        return [
            f"{r['unique_id']}: {r['status']} {r.get('message')}"
            for r in self.results
            if r["status"] not in ("success", "pass", "warn")
        ]


def _parse_state(target: str, dbt_vars: dict[str, Any] | None) -> Path:
    """Where this run (both workers) keeps dbt's partial_parse.msgpack for one target and set of vars. A full parse
    of the project costs ~23 s here and a partial one ~8 s (`dbt parse` with and without `--no-partial-parse`); the
    suite runs dozens of invocations, each in a fresh target folder that would otherwise parse from nothing. dbt
    checks the state itself (vars, target, profile keys, every file's hash) and parses again whatever differs, so a
    copied state can cost time but never change a result (the profile's values are part of it: `_one_name`)."""
    key = json.dumps([target, dbt_vars], sort_keys=True, default=str)
    folder = Path(os.environ["PULSE_TEST_RUN_FOLDER"]) / "dbt-parse-states"  # the run's: tests/conftest.py
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.msgpack"


@contextlib.contextmanager
def _one_name(env: dict[str, str], workdir: Path):
    """dbt's parse state holds the profile's values, and DuckDB's database name (and so every parsed node's) is
    its file's name: the tests' files (build.duckdb, reddit.duckdb, ...) would each parse the project from nothing.
    dbt is run beside a hard link named pulse.duckdb instead (the same file: every write lands in it): yields the
    folder to run dbt in and the env naming the link. A file dbt creates is moved to the name the test gave. Every
    layer builds tables, so no view keeps the name it was built under."""
    if "PULSE_DUCKDB_PATH" not in env:
        yield DBT_PROJECT, env
        return
    duck = Path(env["PULSE_DUCKDB_PATH"])
    beside = workdir / "duckdb-as-pulse"
    beside.mkdir(parents=True, exist_ok=True)
    link = beside / "pulse.duckdb"
    link.unlink(missing_ok=True)
    if duck.exists():
        os.link(duck, link)
    try:
        yield beside, {**env, "PULSE_DUCKDB_PATH": link.name}
    finally:
        if link.exists() and not duck.exists():
            link.replace(duck)
        link.unlink(missing_ok=True)


def run_dbt(
    command: list[str],
    target: str,
    workdir: Path,
    env: dict[str, str],
    dbt_vars: dict[str, Any] | None = None,
) -> DbtRun:
    """Run the dbt CLI (a subprocess, so adapters and dbt's global state never mix) with its own target/log dirs."""
    args = [
        str(DBT),
        *command,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target",
        target,
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--no-use-colors",
    ]
    if dbt_vars is not None:
        args += ["--vars", json.dumps(dbt_vars)]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSE_", "DBT_"))}
    full_env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1", **env)
    state, own_state = _parse_state(target, dbt_vars), workdir / "target" / "partial_parse.msgpack"
    if state.exists() and not own_state.exists():
        own_state.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, own_state)
    started = time.perf_counter()
    with _one_name(full_env, workdir) as (cwd, run_env):
        proc = subprocess.run(args, env=run_env, cwd=cwd, capture_output=True, text=True, timeout=300)
    if own_state.exists() and not state.exists():
        atomic_write(
            state, own_state.read_bytes()
        )  # whole or not at all: builds run side by side (threads, workers)
    run = DbtRun(args, proc.returncode, proc.stdout + proc.stderr, time.perf_counter() - started)
    results_file = workdir / "target" / "run_results.json"
    if results_file.exists():
        run.results = json.loads(results_file.read_text())["results"]
    return run


BUILD_VARS = {
    "hash_salt": SALT,
    "business_timezone": "Asia/Shanghai",
    "bot_usernames": ["system", "discobot"],
    "file_streams": tables_by_kind([{"type": "files", "options": DROP_OPTIONS}]),
    **rule_vars(RULES.default()),
}
