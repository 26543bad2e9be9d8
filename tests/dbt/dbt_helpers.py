"""Running the dbt CLI for the tests: a subprocess per invocation (adapters and dbt's global state never mix),
each with its own target and log folders so that builds never share partial-parse state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbt_raw_fixtures import SALT

from ingestion.files import tables_by_kind
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
    started = time.perf_counter()
    proc = subprocess.run(args, env=full_env, cwd=DBT_PROJECT, capture_output=True, text=True, timeout=300)
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
