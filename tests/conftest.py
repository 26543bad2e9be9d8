"""Shared fixtures: real servers, started once per test session."""

from __future__ import annotations

import socket

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


class StoringHandler:
    """aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port; yields (config smtp dict, handler)."""
    from aiosmtpd.controller import Controller

    handler = StoringHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    smtp = {
        "host": "127.0.0.1",
        "port": controller.port,
        "security": "plain",
        "username": None,
        "password": None,
        "sender": "pulse@example.com",
        "timeout_seconds": 10.0,
    }
    try:
        yield smtp, handler
    finally:
        controller.stop()
