"""Shared fixtures: real servers, started once per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server on loopback (Debian's postgresql package), for the whole session."""
    from pulse.testing.postgres import throwaway_postgres

    with throwaway_postgres() as pg:
        yield pg
