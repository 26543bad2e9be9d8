"""DuckDB against Postgres: the same query's rows compared with per-column tolerances, and the marts each warehouse
holds. The adapters return the same data in different Python types, which `normalize` maps to one:

    Decimal and float        compared as numbers (two ints always exactly; see Tolerance)
    numpy scalars            their Python value (numpy.datetime64 -> datetime)
    timestamps               in UTC (naive ones are taken as UTC); a timestamp at UTC midnight -> its date
    None, NaN, NaT, pd.NA    None

    assert_same_rows("fct_points_ledger", duck_rows, pg_rows, key=("ledger_key",))
    assert_same_rows("metrics", d, p, key=("week_start",), tolerances={"robust_z": Tolerance(abs=1e-4)})
    duck_marts, pg_marts = relations(duck, "marts"), relations(pg, "marts_work")
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sandbox_raw import rows


@dataclass(frozen=True)
class Tolerance:
    """Two numbers match when |a - b| <= max(abs, rel * max(|a|, |b|)). Two ints always match exactly: tolerances
    are for fractional values rounded or summed in another order, not for counts."""

    abs: float = 0.0
    rel: float = 0.0

    def matches(self, a: int | float | Decimal, b: int | float | Decimal) -> bool:
        if isinstance(a, float) or isinstance(b, float):
            a, b = float(a), float(b)
            return a == b or abs(a - b) <= max(self.abs, self.rel * max(abs(a), abs(b)))
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        # decimals in decimal arithmetic: 2.9649 - 2.9648 is 1e-4 exactly, not 1.00000000000021e-4
        a, b = Decimal(a), Decimal(b)
        return a == b or abs(a - b) <= max(
            Decimal(repr(self.abs)), Decimal(repr(self.rel)) * max(abs(a), abs(b))
        )


EXACT = Tolerance()
# community_health_metrics divides these in doubles and rounds them to 4 decimals: a quotient at a half of the 4th
# decimal may round either way on the two adapters' round() (they computed in different float widths until
# macros/type_double.sql).
FLOAT_RATIOS = frozenset({"wow_change_pct", "vs_baseline_pct", "robust_z"})


def normalize(v: Any) -> Any:
    """One Python value for what the two adapters return for the same SQL value (module docstring)."""
    if isinstance(v, np.datetime64):
        v = None if np.isnat(v) else v.astype("datetime64[us]").item()
    elif isinstance(v, np.generic):
        v = v.item()
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        v = v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v.astimezone(dt.UTC)
        return v.date() if v.time() == dt.time(0) else v
    if isinstance(v, list | tuple):
        return tuple(normalize(x) for x in v)
    return v


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def same_value(a: Any, b: Any, tolerance: Tolerance = EXACT) -> bool:
    """Two values the adapters returned (normalized here) are the same, numbers within `tolerance`."""
    a, b = normalize(a), normalize(b)
    if a is None or b is None:
        return a is None and b is None
    if _is_number(a) and _is_number(b):
        return tolerance.matches(a, b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same_value(x, y, tolerance) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b  # True is not 1
    return a == b


def _sort_key(key: tuple) -> tuple:
    return tuple((v is None, str(type(v)), v if v is not None else 0) for v in key)


def assert_same_rows(
    table: str,
    duck: Sequence[Mapping[str, Any]],
    pg: Sequence[Mapping[str, Any]],
    key: Sequence[str] = (),
    *,
    tolerances: Mapping[str, Tolerance] | None = None,
    default: Tolerance = EXACT,
) -> None:
    """DuckDB's rows and Postgres's rows of the same query are the same: the same columns, the same rows matched on
    `key` (a unique key of the result; by position when empty), each value equal after `normalize`, numbers within
    `tolerances[column]` (else `default`). Raises AssertionError naming `table`, the key of the first rows that
    differ, and each column that differs with both values."""
    tolerances = tolerances or {}
    if len(duck) != len(pg):
        raise AssertionError(f"{table}: {len(duck)} rows on DuckDB, {len(pg)} on Postgres")
    if not duck:
        return
    d_cols, p_cols = list(duck[0]), list(pg[0])
    if set(d_cols) != set(p_cols):
        raise AssertionError(
            f"{table}: columns only on DuckDB {sorted(set(d_cols) - set(p_cols))}, "
            f"only on Postgres {sorted(set(p_cols) - set(d_cols))}"
        )
    if set(key) - set(d_cols):
        raise ValueError(
            f"{table}: key columns {sorted(set(key) - set(d_cols))} are not in the result {d_cols}"
        )

    def index(side: str, rs: Sequence[Mapping[str, Any]]) -> dict[tuple, Mapping[str, Any]]:
        out = {}
        for i, r in enumerate(rs):
            k = tuple(normalize(r[c]) for c in key) if key else (i,)
            if k in out:
                raise ValueError(f"{table}: key {dict(zip(key, k, strict=True))} is not unique on {side}")
            out[k] = r
        return out

    d_rows, p_rows = index("DuckDB", duck), index("Postgres", pg)
    only_d, only_p = d_rows.keys() - p_rows.keys(), p_rows.keys() - d_rows.keys()
    if only_d or only_p:
        names = key or ("row",)
        first = [dict(zip(names, k, strict=True)) for k in sorted(only_d, key=_sort_key)[:3]]
        first_p = [dict(zip(names, k, strict=True)) for k in sorted(only_p, key=_sort_key)[:3]]
        raise AssertionError(
            f"{table}: {len(only_d)} keys only on DuckDB (first {first}), {len(only_p)} only on Postgres "
            f"(first {first_p})"
        )
    differing = []
    for k in sorted(d_rows, key=_sort_key):
        d, p = d_rows[k], p_rows[k]
        diff = {c: (d[c], p[c]) for c in d_cols if not same_value(d[c], p[c], tolerances.get(c, default))}
        if diff:
            differing.append((k, diff))
    if differing:
        k, diff = differing[0]
        where = dict(zip(key, k, strict=True)) if key else f"row {k[0]}"
        cols = "; ".join(
            f"{c}: DuckDB {a!r} != Postgres {b!r} (tolerance {tolerances.get(c, default)})"
            for c, (a, b) in diff.items()
        )
        raise AssertionError(
            f"{table}: {len(differing)} of {len(d_rows)} rows differ; first at {where}: {cols}"
        )


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # as information_schema names it: DECIMAL(14,2), numeric, VARCHAR, text, ...

    @property
    def family(self) -> str:
        """What the type holds, the same on both adapters: number (integers and decimals: DuckDB's HUGEINT sums
        are Postgres's bigint or numeric), float, text, boolean, date, timestamp, timestamptz; else the type."""
        t = self.data_type.lower()
        if t.startswith(("decimal", "numeric")) or t in INTEGERS:
            return "number"
        if t in ("double", "double precision", "float", "real", "float4", "float8"):
            return "float"
        if t in ("varchar", "text", "character varying") or t.startswith(("varchar(", "character varying(")):
            return "text"
        if t in ("timestamp with time zone", "timestamptz"):
            return "timestamptz"
        if t in ("timestamp", "timestamp without time zone"):
            return "timestamp"
        return t


INTEGERS = {"tinyint", "smallint", "integer", "int", "bigint", "hugeint", "utinyint", "usmallint", "uinteger"}
INTEGERS |= {"ubigint", "uhugeint"}


def relations(con, schema: str) -> dict[str, list[Column]]:
    """Every relation (table or view) of `schema` in the connected database, with its columns in order; `con` a
    DuckDB or a psycopg2 connection (`marts` on DuckDB, `marts_work` where Postgres builds with the suffix)."""
    out: dict[str, list[Column]] = {}
    for r in rows(
        con,
        f"""select table_name, column_name, data_type from information_schema.columns
            where table_schema = '{schema}' and table_catalog = current_database()
            order by table_name, ordinal_position""",
    ):
        out.setdefault(r["table_name"], []).append(Column(r["column_name"], r["data_type"]))
    return out
