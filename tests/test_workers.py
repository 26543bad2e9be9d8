"""How `make test` splits the suite over two workers (tests/conftest.py): the modules sharing a session fixture of
SHARED_SETUPS run on one worker, so that fixture is set up once per run, not once per worker. Checked on a small
suite written here, run by pytest-xdist in a subprocess with the hooks of tests/conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys

from pulse.testing.paths import REPO

CONFTEST = """
import os
import pytest
from conftest_under_test import (
    pytest_collection_modifyitems, pytest_configure, pytest_unconfigure, pytest_xdist_make_scheduler,
)

@pytest.fixture(scope="session")
def small_demo():
    with open(os.environ["SETUPS_LOG"], "a") as log:
        log.write(os.environ.get("PYTEST_XDIST_WORKER", "main") + "\\n")
"""
TEST = """
import os
def test_{i}({fixture}):
    with open(os.environ["RUNS_LOG"], "a") as log:
        log.write(__name__ + " " + os.environ["PYTEST_XDIST_WORKER"] + "\\n")
"""


def test_modules_sharing_a_setup_run_on_one_worker_and_set_it_up_once(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest_under_test.py").write_text((REPO / "tests" / "conftest.py").read_text())
    (suite / "conftest.py").write_text(CONFTEST)
    for name in ("test_shares_a", "test_shares_b"):
        (suite / f"{name}.py").write_text("".join(TEST.format(i=i, fixture="small_demo") for i in range(5)))
    for m in range(8):
        (suite / f"test_alone_{m}.py").write_text("".join(TEST.format(i=i, fixture="") for i in range(3)))
    setups, runs = tmp_path / "setups.log", tmp_path / "runs.log"
    env = {**os.environ, "SETUPS_LOG": str(setups), "RUNS_LOG": str(runs), "PYTHONPATH": f"{suite}:{REPO}"}
    env.pop("PULSE_TEST_RUN_FOLDER", None)  # the inner run makes its own
    args = ["-n", "2", "-p", "no:cacheprovider", "-q", "--rootdir", str(suite), str(suite)]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    workers: dict[str, set[str]] = {}
    for line in runs.read_text().splitlines():
        module, worker = line.split()
        workers.setdefault(module, set()).add(worker)
    assert len(workers) == 10 and all(len(w) == 1 for w in workers.values()), workers
    assert workers["test_shares_a"] == workers["test_shares_b"]
    assert {w for ws in workers.values() for w in ws} == {"gw0", "gw1"}  # both workers had work
    assert setups.read_text().split() == list(workers["test_shares_a"])  # set up once, by that worker
