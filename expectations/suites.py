"""What the quality gate checks, table by table.

`SUITES` is the metadata the caller needs (which tables to read, whether each must exist); `build_suite` turns a
table's columns into a GX `ExpectationSuite`, and `prepare_frame` adds the derived columns some expectations
validate (cheap pandas pre-checks). Suites are built from the columns present, so later mart columns need no change
here; a missing key column is a failed `expect_column_to_exist`, not a crash.

Every expectation carries `meta.severity` ('critical' fails the gate, 'warning' is reported only) and
`meta.check`, a one-line human description used in the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # great_expectations costs seconds to import: only inside functions
    import pandas as pd
    from great_expectations.core import ExpectationSuite

CRITICAL = "critical"
WARNING = "warning"

MART = "marts.community_health_weekly"
RAW_DISCOURSE_POSTS = "raw.discourse__posts"
RAW_SHOPIFY_ORDERS = "raw.shopify__orders"

MART_KEY = ("week_start", "community")
COUNT_COLUMNS = ("active_members", "new_members", "topics", "posts", "replies", "orders", "buyers")
MONEY_COLUMNS = ("revenue",)
ISO_WEEK_REGEX = r"^\d{4}-W\d{2}$"
ALL = "all"
# derived by prepare_frame: active members of the community='all' row of the same week
ALL_ACTIVE = "_all_active_members"

RAW_COLUMNS = ("_batch_id", "_source", "_pk", "_record")


@dataclass(frozen=True)
class SuiteSpec:
    """One suite: the table it validates, and whether a missing table fails the gate (required) or warns."""

    name: str
    table: str
    kind: str  # 'mart' or 'raw'
    required: bool
    description: str


SUITES: dict[str, SuiteSpec] = {
    MART: SuiteSpec(
        name="community_health_weekly",
        table=MART,
        kind="mart",
        required=True,
        description="weekly community KPIs: unique (week_start, community), non-negative counts and revenue, "
        "known communities, no community above 'all', ISO week labels",
    ),
    RAW_DISCOURSE_POSTS: SuiteSpec(
        name="raw_discourse__posts",
        table=RAW_DISCOURSE_POSTS,
        kind="raw",
        required=False,
        description="landed forum posts: key and record present, no duplicate key within a batch",
    ),
    RAW_SHOPIFY_ORDERS: SuiteSpec(
        name="raw_shopify__orders",
        table=RAW_SHOPIFY_ORDERS,
        kind="raw",
        required=False,
        description="landed store orders: key and record present, no duplicate key within a batch",
    ),
}


def tables_needed() -> list[str]:
    """The tables the gate validates, as `schema.table`; read each into a DataFrame and pass them to `run_gate`.

    The mart is required (missing -> critical failure); a raw table that does not exist in this deployment
    (no source of that type) may be left out (missing -> warning)."""
    return list(SUITES)


def _meta(severity: str, check: str, column: str | None = None) -> dict:
    meta = {"severity": severity, "check": check}
    if column:
        meta["column"] = column  # the column a reader should look at, when the expectation's is derived
    return meta


def prepare_frame(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """The frame GX validates: a shallow copy with numeric money and the derived pre-check columns."""
    import pandas as pd

    spec = SUITES.get(table)
    out = df.copy(deep=False)
    if spec is None or spec.kind != "mart":
        return out
    for c in MONEY_COLUMNS:
        if c in out.columns:
            out[c] = pd.to_numeric(out[c], errors="coerce")  # DuckDB/psycopg2 hand back Decimal objects
    if {"week_start", "community", "active_members"} <= set(out.columns):
        alls = out.loc[out["community"] == ALL, ["week_start", "active_members"]]
        per_week = pd.to_numeric(alls["active_members"], errors="coerce").groupby(alls["week_start"]).max()
        out[ALL_ACTIVE] = out["week_start"].map(per_week).astype("float64")
    return out


def build_suite(
    table: str, columns: Iterable[str], communities: Iterable[str] | None = None
) -> ExpectationSuite:
    """The suite for one table, built from the columns the frame (after `prepare_frame`) has."""
    spec = SUITES[table]
    cols = set(columns)
    if spec.kind == "mart":
        return _mart_suite(spec, cols, communities)
    return _raw_suite(spec, cols)


def _mart_suite(spec: SuiteSpec, cols: set[str], communities: Iterable[str] | None) -> ExpectationSuite:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=spec.name)
    for c in (*MART_KEY, "iso_week"):
        suite.add_expectation(gxe.ExpectColumnToExist(column=c, meta=_meta(CRITICAL, f"column {c} exists")))
    for c in MART_KEY:
        if c in cols:
            suite.add_expectation(
                gxe.ExpectColumnValuesToNotBeNull(column=c, meta=_meta(CRITICAL, f"{c} is never null"))
            )
    if set(MART_KEY) <= cols:
        suite.add_expectation(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=list(MART_KEY), meta=_meta(CRITICAL, "one row per (week_start, community)")
            )
        )
    for c in COUNT_COLUMNS + MONEY_COLUMNS:
        if c in cols:
            suite.add_expectation(
                gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, meta=_meta(CRITICAL, f"{c} >= 0"))
            )
    if communities is not None and "community" in cols:
        allowed = sorted({*communities, ALL})
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeInSet(
                column="community",
                value_set=allowed,
                meta=_meta(CRITICAL, f"community is one of {', '.join(allowed)}"),
            )
        )
    if "iso_week" in cols:
        suite.add_expectation(
            gxe.ExpectColumnValuesToMatchRegex(
                column="iso_week", regex=ISO_WEEK_REGEX, meta=_meta(CRITICAL, "iso_week looks like 2026-W47")
            )
        )
    if ALL_ACTIVE in cols:
        suite.add_expectation(
            gxe.ExpectColumnValuesToNotBeNull(
                column=ALL_ACTIVE,
                meta=_meta(WARNING, "every week has a community='all' row", column="community"),
            )
        )
        suite.add_expectation(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=ALL_ACTIVE,
                column_B="active_members",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=_meta(
                    CRITICAL,
                    "active_members <= active_members of 'all' in the same week",
                    column="active_members",
                ),
            )
        )
    return suite


def _raw_suite(spec: SuiteSpec, cols: set[str]) -> ExpectationSuite:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=spec.name)
    for c in RAW_COLUMNS:
        suite.add_expectation(gxe.ExpectColumnToExist(column=c, meta=_meta(CRITICAL, f"column {c} exists")))
    for c in ("_pk", "_record"):
        if c in cols:
            suite.add_expectation(
                gxe.ExpectColumnValuesToNotBeNull(column=c, meta=_meta(CRITICAL, f"{c} is never null"))
            )
    if {"_batch_id", "_source", "_pk"} <= cols:
        suite.add_expectation(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["_batch_id", "_source", "_pk"],
                meta=_meta(WARNING, "no duplicate (_source, _pk) within one batch (duplicate share = 0)"),
            )
        )
    return suite
