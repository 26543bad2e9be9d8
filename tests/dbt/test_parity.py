"""Postgres parity (issue #8): the S world (pulse.sandbox.scales) built on DuckDB and on Postgres by the session's
build (`sandbox_built`, tests/dbt/conftest.py: no build of its own) holds the same marts, with the same columns,
the same row counts and, per week, the same numbers.

Every mart (a model under models/marts) is compared, one test per mart:
- its columns: the same names in the same order, of compatible types (parity.Column.family);
- its row count;
- per week (or, for a mart without a time column, in total): the rows, each column's non-null values, the sum of
  each numeric column, the true values of each boolean and the distinct values of each text key (a column named
  `*_id`, `*_key` or `*_ref`). Sums match to a relative 1e-9: decimals sum exactly on both adapters and doubles
  summed in another order differ by ~1e-15 (at S scale every sum is in fact identical). A looser 1e-6 would have
  let through what this test found first: DuckDB computed ratios and statistics in 32-bit REALs (dbt's
  type_float() is FLOAT there), a cent off on 17,600; the models now use type_double() (macros/type_double.sql).

The week of a mart (`week_column`) comes from the first rule that finds a column (the first such column in the
mart's order):
1. WEEK_OVERRIDES, where the rules below pick the wrong column;
2. a date column named `week_start` or `*_week`: the mart's own week (a Monday);
3. a text column named `week` or `*iso_week`: the ISO week the mart reports;
4. the first date or timestamp column other than `extracted_at` (when a connector ran, not when things happened),
   truncated to its week (Monday, UTC: both connections run in UTC).
A mart with none of them is compared in total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pytest
from dbt_helpers import DBT_PROJECT
from parity import Column, Tolerance, assert_same_rows, relations
from sandbox_raw import rows

MARTS = sorted(p.stem for p in (DBT_PROJECT / "models" / "marts").rglob("*.sql"))
# the order's week, not the week of the touch an attribution matched (null for coupon and UTM attributions)
WEEK_OVERRIDES = {"fct_campaign_orders": "ordered_at"}
SUMS = Tolerance(rel=1e-9)


@dataclass
class Warehouses:
    duck: duckdb.DuckDBPyConnection
    pg: object  # psycopg2 connection
    duck_marts: dict[str, list[Column]]
    pg_marts: dict[str, list[Column]]


@pytest.fixture(scope="module")
def warehouses(sandbox_built):
    if sandbox_built.pg_db is None:
        pytest.skip("Postgres is unavailable")
    assert sandbox_built.pg.returncode == 0, sandbox_built.pg.stdout[-5000:]
    duck = duckdb.connect(str(sandbox_built.duck_path), read_only=True)
    duck.execute("set TimeZone = 'UTC'")
    pg = sandbox_built.pg_db.connect()
    with pg.cursor() as cur:
        cur.execute("set time zone 'UTC'")
    try:
        yield Warehouses(duck, pg, relations(duck, "marts"), relations(pg, "marts_work"))
    finally:
        duck.close()
        pg.close()


TIME_FAMILIES = ("date", "timestamp", "timestamptz")


def week_column(mart: str, columns: list[Column]) -> Column | None:
    """The column a mart's rows are grouped by week on (module docstring), None when it has none."""
    if mart in WEEK_OVERRIDES:
        return next(c for c in columns if c.name == WEEK_OVERRIDES[mart])
    for rule in (
        lambda c: c.family == "date" and (c.name == "week_start" or c.name.endswith("_week")),
        lambda c: c.family == "text" and (c.name == "week" or c.name.endswith("iso_week")),
        lambda c: c.family in TIME_FAMILIES and c.name != "extracted_at",
    ):
        found = next((c for c in columns if rule(c)), None)
        if found:
            return found
    return None


def _q(name: str) -> str:
    return f'"{name}"'


def totals_sql(mart: str, columns: list[Column], schema: str) -> tuple[str, tuple[str, ...]]:
    """The query of a mart's numbers per week (or in total) on one warehouse, and the key of its rows."""
    week = week_column(mart, columns)
    parts = ['count(*) as "rows"']
    for c in columns:
        parts.append(f'count({_q(c.name)}) as "{c.name}:values"')
        if c.family in ("number", "float"):
            parts.append(f'sum({_q(c.name)}) as "{c.name}:sum"')
        elif c.family == "boolean":
            parts.append(f'sum(case when {_q(c.name)} then 1 else 0 end) as "{c.name}:true"')
        elif c.family == "text" and c.name.endswith(("_id", "_key", "_ref")):
            parts.append(f'count(distinct {_q(c.name)}) as "{c.name}:distinct"')
    select = ",\n  ".join(parts)
    if week is None:
        return f"select\n  {select}\nfrom {schema}.{mart}", ()
    expr = _q(week.name) if week.family == "text" else f"cast(date_trunc('week', {_q(week.name)}) as date)"
    return f'select\n  {expr} as "week",\n  {select}\nfrom {schema}.{mart}\ngroup by 1\norder by 1', ("week",)


def _numbers(w: Warehouses, mart: str) -> tuple[list[dict], list[dict], tuple[str, ...]]:
    columns = w.duck_marts[mart]
    duck_sql, key = totals_sql(mart, columns, "marts")
    return rows(w.duck, duck_sql), rows(w.pg, totals_sql(mart, columns, "marts_work")[0]), key


@pytest.mark.postgres
def test_both_warehouses_hold_every_mart(warehouses):
    assert sorted(warehouses.duck_marts) == MARTS
    assert sorted(warehouses.pg_marts) == MARTS


@pytest.mark.postgres
@pytest.mark.parametrize("mart", MARTS)
def test_same_columns(warehouses, mart):
    duck, pg = warehouses.duck_marts.get(mart), warehouses.pg_marts.get(mart)
    assert duck and pg, f"{mart}: DuckDB has {bool(duck)}, Postgres has {bool(pg)}"
    assert [c.name for c in duck] == [c.name for c in pg], mart
    different = [
        (d.name, d.data_type, p.data_type) for d, p in zip(duck, pg, strict=True) if d.family != p.family
    ]
    assert not different, f"{mart}: incompatible types (column, DuckDB, Postgres): {different}"


@pytest.mark.postgres
@pytest.mark.parametrize("mart", MARTS)
def test_same_row_count(warehouses, mart):
    count = "select count(*) as n from {schema}.{mart}"
    duck = rows(warehouses.duck, count.format(schema="marts", mart=mart))[0]["n"]
    pg = rows(warehouses.pg, count.format(schema="marts_work", mart=mart))[0]["n"]
    assert duck == pg, f"{mart}: {duck} rows on DuckDB, {pg} on Postgres"


@pytest.mark.postgres
@pytest.mark.parametrize("mart", MARTS)
def test_same_numbers_per_week(warehouses, mart):
    duck, pg, key = _numbers(warehouses, mart)
    week = week_column(mart, warehouses.duck_marts[mart])
    print(
        f"{mart}: {sum(r['rows'] for r in duck)} rows, "
        + (f"{len(duck)} weeks of {week.name}" if week else "total")
    )
    assert_same_rows(mart, duck, pg, key, default=SUMS)


@pytest.mark.postgres
def test_a_changed_number_fails_the_comparison(warehouses):
    """The comparison above can fail: one week's sum moved by a little more than the tolerance."""
    duck, pg, key = _numbers(warehouses, "community_health_weekly")
    assert_same_rows("community_health_weekly", duck, pg, key, default=SUMS)
    changed = [dict(r) for r in pg]
    value = changed[-1]["weighted_activity:sum"]
    assert value > 0
    changed[-1]["weighted_activity:sum"] = value * Decimal("1.00001")
    with pytest.raises(AssertionError, match=r"weighted_activity:sum: DuckDB Decimal\(.+\) != Postgres"):
        assert_same_rows("community_health_weekly", duck, changed, key, default=SUMS)


def test_the_comparison_normalizes_types_and_names_the_difference():
    """Hand-made rows typed as each adapter returns them: equal after normalizing, and one changed value (or a row
    missing) fails with the table, the row's key, the column and both values."""
    import numpy as np

    shanghai = dt.timezone(dt.timedelta(hours=8))
    duck = [
        {
            "week": dt.date(2025, 12, 22),
            "community": "acme",
            "members": 12,  # a HUGEINT
            "revenue": Decimal("10.50"),
            "rate": 0.1 + 0.2,
            "score": np.float64(1.5),
            "at": dt.datetime(2025, 12, 22, 1, 30, tzinfo=dt.UTC),
            "day": dt.date(2025, 12, 23),
            "median": float("nan"),
            "is_new": True,
        },
        {
            "week": dt.date(2025, 12, 29),
            "community": "acme",
            "members": 7,
            "revenue": Decimal("3"),
            "rate": None,
            "score": np.int64(2),
            "at": dt.datetime(2025, 12, 29, 9, 0),  # a timestamp without time zone: UTC
            "day": dt.date(2025, 12, 30),
            "median": 2.0,
            "is_new": False,
        },
    ]
    pg = [  # Postgres: another row order, numeric for the sum, timestamps in the session's zone
        {
            **duck[1],
            "members": Decimal("7"),
            "score": 2.0,
            "at": dt.datetime(2025, 12, 29, 17, 0, tzinfo=shanghai),
            "day": dt.datetime(2025, 12, 30, tzinfo=dt.UTC),
            "median": Decimal("2.00"),
        },
        {
            **duck[0],
            "revenue": Decimal("10.5"),
            "rate": Decimal("0.3"),
            "score": Decimal("1.5"),
            "at": dt.datetime(2025, 12, 22, 9, 30, tzinfo=shanghai),
            "median": None,
        },
    ]
    key = ("week", "community")
    loose = {"rate": Tolerance(abs=1e-9)}
    assert_same_rows("health", duck, pg, key, tolerances=loose)
    with pytest.raises(
        AssertionError, match=r"rate: DuckDB 0.30000000000000004 != Postgres Decimal\('0.3'\)"
    ):
        assert_same_rows("health", duck, pg, key)  # exact: the float's last bit counts

    for column, value in (("members", 13), ("revenue", Decimal("10.51")), ("is_new", 1), ("median", 0.0)):
        changed = [dict(r) for r in pg]
        changed[1][column] = value
        with pytest.raises(AssertionError) as failed:
            assert_same_rows("health", duck, changed, key, tolerances=loose)
        message = str(failed.value)
        assert message.startswith("health: 1 of 2 rows differ; first at {'week': datetime.date(2025, 12, 22)")
        assert f"{column}: DuckDB {duck[0][column]!r} != Postgres {value!r}" in message, message
    # a relative tolerance lets a rounding through and not more; two ints match exactly whatever the tolerance
    changed = [dict(r) for r in pg]
    changed[1]["revenue"] = 10.500001
    assert_same_rows("health", duck, changed, key, tolerances=loose, default=Tolerance(rel=1e-6))
    changed[1]["revenue"] = 10.50002
    with pytest.raises(AssertionError, match="revenue"):
        assert_same_rows("health", duck, changed, key, tolerances=loose, default=Tolerance(rel=1e-6))
    changed = [dict(r) for r in pg]
    changed[1]["members"] = 13
    with pytest.raises(AssertionError, match="members: DuckDB 12 != Postgres 13"):
        assert_same_rows("health", duck, changed, key, tolerances=loose, default=Tolerance(abs=5))
    with pytest.raises(AssertionError, match=r"health: 2 rows on DuckDB, 1 on Postgres"):
        assert_same_rows("health", duck, pg[:1], key, tolerances=loose)
    moved = [dict(r) for r in pg]
    moved[0]["week"] = dt.date(2026, 1, 5)
    with pytest.raises(AssertionError, match=r"1 keys only on DuckDB .*2025, 12, 29.* 1 only on Postgres"):
        assert_same_rows("health", duck, moved, key, tolerances=loose)
