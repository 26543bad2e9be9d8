"""Shared fixtures: real servers, started once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SAMPLES = SHARED / "real-api-samples"


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server on loopback (Debian's postgresql package), for the whole session."""
    from pulse.testing.postgres import throwaway_postgres

    with throwaway_postgres() as pg:
        yield pg
