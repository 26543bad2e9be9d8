"""Fixtures for the report: the hand-built marts of report_marts.py in a real DuckDB file."""

from __future__ import annotations

import duckdb
import pytest
from report_marts import MONDAY, WEEK, health_row, health_rows, make_marts


class MartKit:
    """The test data's constants and builders, for tests that need their own variant of the marts."""

    week = WEEK
    monday = MONDAY
    health_rows = staticmethod(health_rows)
    health_row = staticmethod(health_row)
    make = staticmethod(make_marts)


@pytest.fixture
def mart():
    return MartKit


@pytest.fixture
def mart_con(tmp_path):
    """A read-only connection to a DuckDB file holding 12 weeks of brand_cn, brand_global and 'all' (platforms
    discourse, discord, shopify and 'all') and every other mart the report reads."""
    path = tmp_path / "pulse.duckdb"
    make_marts(path)
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()
