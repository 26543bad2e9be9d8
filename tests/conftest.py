"""Shared fixtures: real servers, started once per test session. And how `make test` splits the suite over two
worker processes (pytest-xdist): the suite is mostly one busy core at a time (dbt's parsing, the sandbox, Airflow),
so two workers can use both cores, provided the minutes-long session fixtures are not set up once per worker.

xdist's own `--dist loadgroup` cannot keep them together with pytest 9.2: it marks a test's group by rewriting its
node id, which pytest 9.2 no longer reads (pytest-dev/pytest-xdist#1386, open). The workers write each test's group
to a file at collection instead, and `GroupScheduling` hands out one group at a time."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

from ingestion.landing import atomic_write

# Session fixtures that take a minute or more to set up, grouped by what they build, the costliest first. Every
# module using one runs on one worker with the others using it, and these groups are handed out first: a worker
# then fills its time with the small modules while the other finishes a long group.
SHARED_SETUPS = {
    "sandbox world, landed and built": ("sandbox_built", "sandbox_raw_data", "sandbox_pg"),
    "small demo": ("small_demo",),
    "dbt build of the fixture raw tables": ("duckdb_build", "pg_build", "raw_data"),
    "airflow": ("airflow_db",),
}
RUN_FOLDER_ENV = "PULSE_TEST_RUN_FOLDER"  # read by tests/dbt/dbt_helpers.py too


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def _groups_file() -> Path:
    return Path(os.environ[RUN_FOLDER_ENV]) / "groups.json"


def pytest_configure(config):
    """One folder for the whole run, shared by the workers (the controller creates it before they start, so they
    inherit its name): the tests' groups, and dbt's partial-parse states (each worker reuses what the other parsed)."""
    if not _is_worker(config):
        os.environ[RUN_FOLDER_ENV] = tempfile.mkdtemp(prefix="pulse-tests-")


def pytest_unconfigure(config):
    if not _is_worker(config):
        shutil.rmtree(os.environ.pop(RUN_FOLDER_ENV), ignore_errors=True)


def _shared_setup(item) -> str | None:
    """The SHARED_SETUPS group whose session fixture the test uses, if any (a module's own fixture of the same
    name, like test_feedback's pg_build, is not the shared one)."""
    for group, names in SHARED_SETUPS.items():
        for name in names:
            defs = item._fixtureinfo.name2fixturedefs.get(name)
            if defs and defs[-1].scope == "session":
                return group
    return None


def pytest_collection_modifyitems(config, items):
    """Each module runs whole on one worker (its module fixtures are dbt builds too): in the group of the costliest
    shared setup its tests use, else as a group of its own. Grouped modules come first, in SHARED_SETUPS order. A
    worker writes the groups for the controller's GroupScheduling (the same file from each: same collection)."""
    ranks = {group: rank for rank, group in enumerate(SHARED_SETUPS)}
    groups: dict[str, str] = {}  # module -> group
    for item in items:
        setup, current = _shared_setup(item), groups.setdefault(_module(item), _module(item))
        if setup is not None and ranks[setup] < ranks.get(current, len(ranks)):
            groups[_module(item)] = setup
    items.sort(key=lambda item: ranks.get(groups[_module(item)], len(ranks)))
    if _is_worker(config):
        test_groups = {item.nodeid: groups[_module(item)] for item in items}
        atomic_write(_groups_file(), json.dumps(test_groups).encode())


def _module(item) -> str:
    return item.nodeid.split("::")[0]


class GroupScheduling(LoadScopeScheduling):
    """xdist's scheduling by scope, where a test's scope is its group (pytest_collection_modifyitems), handed out in
    the collection's order (costliest first) rather than by number of tests. The controller schedules once every
    worker has collected, so the file is there."""

    def __init__(self, config, log=None):
        super().__init__(config, log)
        self.config.option.loadscopereorder = False
        self._groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:
            self._groups = json.loads(_groups_file().read_text())
        return self._groups[nodeid]


def pytest_xdist_make_scheduler(config, log):
    return GroupScheduling(config, log)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server on loopback (Debian's postgresql package), for the whole session."""
    from pulse.testing.postgres import throwaway_postgres

    with throwaway_postgres() as pg:
        yield pg


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory):
    """One `pulse demo` on the small world (pulse.testing.demo), shared by the end-to-end modules: (folder, its
    config, the demo's stdout). Modules that change the warehouse work on `copy_demo` of it."""
    from pulse.testing.demo import run_demo, small_config

    folder = tmp_path_factory.mktemp("small-demo")
    config = small_config(folder)
    return folder, config, run_demo(config)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port; yields (config smtp dict, handler)."""
    from pulse.testing.servers import smtp_server

    with smtp_server() as (port, handler):
        smtp = {
            "host": "127.0.0.1",
            "port": port,
            "security": "plain",
            "username": None,
            "password": None,
            "sender": "pulse@example.com",
            "timeout_seconds": 10.0,
        }
        yield smtp, handler
