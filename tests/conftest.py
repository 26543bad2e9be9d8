"""Shared fixtures: real servers, started once per test session."""

from __future__ import annotations

import pytest


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
