"""Fixtures for the report: a small hand-built mart in a real DuckDB file, and a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

WEEK = "2026-W47"
MONDAY = dt.date(2026, 11, 16)

# brand_cn's last five weeks, oldest first: the week-over-week and 4-week-average numbers the tests expect
BRAND_CN_ACTIVE = [100, 110, 120, 130, 143]  # change +13 (+10.0%), 4-week avg 115, vs avg +24.3%
BRAND_CN_REVENUE = [
    Decimal("100.00"),
    Decimal("150.00"),
    Decimal("200.00"),
    Decimal("150.00"),
    Decimal("200.00"),
]


def _iso(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def mart_rows(weeks: int = 12, extra: list[tuple] | None = None) -> list[tuple]:
    rows = []
    for i in range(weeks):
        monday = MONDAY - dt.timedelta(weeks=weeks - 1 - i)
        back = weeks - 1 - i  # 0 = the report week
        cn_active = BRAND_CN_ACTIVE[-1 - back] if back < len(BRAND_CN_ACTIVE) else 90
        cn_revenue = BRAND_CN_REVENUE[-1 - back] if back < len(BRAND_CN_REVENUE) else Decimal("80.00")
        gl_active = 200 + i
        gl_revenue = Decimal("10.00") * (i + 1)
        cn = (monday, _iso(monday), "brand_cn", cn_active, 5, 10 + i, 40 + i, 30, 4, 3, cn_revenue)
        gl = (monday, _iso(monday), "brand_global", gl_active, 7, 12, 50 + 2 * i, 35, 2, 2, gl_revenue)
        al = (
            monday,
            _iso(monday),
            "all",
            cn_active + gl_active - 20,
            12,
            22 + i,
            90 + 3 * i,
            65,
            6,
            5,
            cn_revenue + gl_revenue,
        )
        rows += [cn, gl, al]
    return rows + (extra or [])


def make_mart(path, rows: list[tuple]) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        """create table marts.community_health_weekly (week_start date, iso_week varchar, community varchar,
        active_members int, new_members int, topics int, posts int, replies int, orders int, buyers int,
        revenue decimal(12,2))"""
    )
    con.executemany(
        "insert into marts.community_health_weekly values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )
    con.close()


class MartKit:
    """The test data's constants and builders, for tests that need their own variant of the mart."""

    week = WEEK
    monday = MONDAY
    rows = staticmethod(mart_rows)
    make = staticmethod(make_mart)


@pytest.fixture
def mart():
    return MartKit


@pytest.fixture
def mart_con(tmp_path):
    """A read-only connection to a DuckDB file holding 12 weeks of brand_cn, brand_global and 'all'."""
    path = tmp_path / "pulse.duckdb"
    make_mart(path, mart_rows())
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()
