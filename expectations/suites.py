"""What the quality gate checks, table by table.

Three kinds of suites:
- marts (`SUITES`, kind 'mart'): the published numbers: keys, counts >= 0, rates in [0, 1], balances never
  negative, lifecycle stages, engagement levels, tiers and RFM segments in their sets. `mart_columns` names the
  columns a mart's suite reads, so the caller reads only those.
- raw (`raw_spec`, any `raw.<type>__<stream>` present): required keys, types, timestamp ranges and a duplicate-rate
  ceiling; streams listed in `RECORD_CONTRACTS` also have their record's own keys, types and timestamps checked.
  The caller may pass a sample of a large table (expectations/inputs.py): the whole-table checks are then
  `checks.raw_integrity`'s.
- checks (kind 'check'): small frames the caller derives from the warehouse (expectations/checks.py): key nulls,
  `_extracted_at` range and duplicate versions of every raw table counted in SQL on every row, member accounts
  reconciling with staging, order revenue in the marts reconciling with the raw orders, week-over-week row-count
  drift.

`build_suite` turns a table's columns into a GX `ExpectationSuite` (built from the columns present, so later mart
columns need no change here; a missing key column is a failed `expect_column_to_exist`, not a crash), and
`prepare_frame` adds the derived columns some expectations validate (cheap pandas pre-checks). Every expectation
carries `meta.severity` ('critical' fails the gate, 'warning' is reported only) and `meta.check`, a one-line human
description used in the report and in the failure alert.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # great_expectations costs seconds to import: only inside functions
    import pandas as pd
    from great_expectations.core import ExpectationSuite

CRITICAL = "critical"
WARNING = "warning"

MART = "marts.community_health_weekly"
POINTS_BALANCE = "marts.member_points_balance"
DIM_MEMBERS = "marts.dim_members"
TIER_HISTORY = "marts.member_tier_history"
RFM = "marts.member_rfm"
CLV = "marts.member_clv"
CAMPAIGNS = "marts.campaign_performance"
MEMBER_RECONCILIATION = "checks.member_reconciliation"
REVENUE_RECONCILIATION = "checks.revenue_reconciliation"
ROW_COUNT_DRIFT = "checks.row_count_drift"
RAW_INTEGRITY = "checks.raw_integrity"

# docs/health_marts.md: one row per (week_start, community, platform); the older grain had no platform column
MART_KEY = ("week_start", "community", "platform")
COUNT_COLUMNS = (
    "members_total",
    "new_members",
    "left_members",
    "active_members",
    "mau",
    "contributors",
    "new_contributors",
    "inactive_contributors",
    "questions",
    "feedback_posts",
    "negative_feedback",
    "ugc_count",
    "topics",
    "posts",
    "replies",
    "orders",
    "buyers",
    "campaigns_running",
    "campaign_participants",
    "tier_upgrades",
    "tier_downgrades",
)
MONEY_COLUMNS = ("revenue",)
RATE_COLUMNS = (
    "stickiness",
    "engagement_rate",
    "newcomer_retention",
    "casual_to_regular",
    "answered_within_24h_share",
    "negative_feedback_share",
)
SCORE_COLUMNS = (
    "health_score",
    "score_activity",
    "score_growth",
    "score_responsiveness",
    "score_sentiment",
    "score_retention",
)
NON_NEGATIVE_HOURS = (
    "first_response_median_hours",
    "first_response_p90_hours",
    "negative_resolve_median_hours",
)
ISO_WEEK_REGEX = r"^\d{4}-W\d{2}$"
ALL = "all"
# derived by prepare_frame: active members of the community='all' row of the same week (and platform)
ALL_ACTIVE = "_all_active_members"

LIFECYCLE_STAGES = ("new", "active", "reactivated", "dormant", "churned")
ENGAGEMENT_LEVELS = ("explorer", "participant", "contributor", "leader")
RFM_SEGMENTS = ("champions", "loyal", "potential", "new", "at_risk", "hibernating", "lost")

# the columns every other mart suite reads (prepare_frame reads nothing else); campaign_performance's
# `*conversion_rate` columns are matched by name
POINTS_COLUMNS = ("balance", "points_earned", "points_redeemed", "points_expired", "points_expiring_30d")
MEMBER_COUNT_COLUMNS = ("accounts_count", "platforms_count", "orders_count")
RFM_SCORES = ("r_score", "f_score", "m_score")
CLV_NON_NEGATIVE = ("expected_purchases_90d", "expected_purchases_365d", "historical_value", "clv_12m")
CAMPAIGN_COUNTS = ("participants", "treatment_members", "holdout_members")
MART_SUITE_COLUMNS: dict[str, tuple[str, ...]] = {
    POINTS_BALANCE: ("member_id", *POINTS_COLUMNS),
    DIM_MEMBERS: ("member_id", "lifecycle_stage", "engagement_level", *MEMBER_COUNT_COLUMNS),
    TIER_HISTORY: ("tier", "valid_from", "valid_to"),
    RFM: ("member_id", "currency", *RFM_SCORES, "segment"),
    CLV: ("p_alive", *CLV_NON_NEGATIVE),
    CAMPAIGNS: CAMPAIGN_COUNTS,
}

RAW_COLUMNS = ("_batch_id", "_source", "_extracted_at", "_pk", "_hash", "_record")
RAW_KEY_COLUMNS = ("_batch_id", "_source", "_pk", "_record")  # never null
# checks.raw_integrity: one row per raw table, counted on every row (expectations/checks.py `raw_integrity`)
EXTRACTED_MIN = "_extracted_at min (epoch s)"
EXTRACTED_MAX = "_extracted_at max (epoch s)"
DUPLICATE_VERSION_RATE = "duplicate_version_rate"  # (rows - distinct (_source, _pk, _hash)) / rows
BATCH_DUPLICATES = "batch_duplicates"  # rows - distinct (_batch_id, _source, _pk)


# timestamps before this are not real activity of any platform we connect (epoch zero, 1900 sentinels)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class SuiteSpec:
    """One suite: the table it validates, and whether a missing table fails the gate (required) or warns."""

    name: str
    table: str
    kind: str  # 'mart', 'raw' or 'check'
    required: bool
    description: str
    # columns that name a failing row in the result's details (a check frame's raw table)
    index: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordContract:
    """What staging relies on in one raw stream's records (dotted paths into `_record`).

    required: keys every record has (not null); types: key -> 'int' | 'number' | 'str' | 'timestamp' (a value,
    when present, parses as that: money may be a string like "12.50"); timestamps: keys whose values must lie
    between EARLIEST and now (+ 1 day of clock skew)."""

    required: tuple[str, ...]
    types: dict[str, str] = field(default_factory=dict)
    timestamps: tuple[str, ...] = ()


RECORD_CONTRACTS: dict[str, RecordContract] = {
    "discourse__users": RecordContract(("id", "username"), {"id": "int", "username": "str"}, ("created_at",)),
    "discourse__topics": RecordContract(("id", "created_at"), {"id": "int"}, ("created_at",)),
    "discourse__posts": RecordContract(
        ("id", "topic_id", "created_at"),
        {"id": "int", "topic_id": "int", "post_number": "int"},
        ("created_at", "updated_at"),
    ),
    "discord__members": RecordContract(("user.id",), {"user.id": "int"}, ("joined_at",)),
    "discord__messages": RecordContract(
        ("id", "channel_id", "timestamp"), {"id": "int", "channel_id": "int"}, ("timestamp",)
    ),
    "reddit__submissions": RecordContract(
        ("data.id", "data.created_utc"), {"data.created_utc": "number"}, ("data.created_utc",)
    ),
    "reddit__comments": RecordContract(
        ("data.id", "data.created_utc"), {"data.created_utc": "number"}, ("data.created_utc",)
    ),
    "shopify__customers": RecordContract(("id",), {"id": "int"}, ("created_at", "updated_at")),
    "shopify__orders": RecordContract(
        ("id", "created_at", "currency", "total_price"),
        {"id": "int", "total_price": "number", "currency": "str"},
        ("created_at", "updated_at"),
    ),
    "woocommerce__customers": RecordContract(("id",), {"id": "int"}, ("date_created_gmt",)),
    "woocommerce__orders": RecordContract(
        ("id", "status", "currency", "total"),
        {"id": "int", "total": "number", "currency": "str"},
        ("date_created",),
    ),
    "youzan__customers": RecordContract(("yz_open_id",), {"yz_open_id": "str"}, ("created_at",)),
    "youzan__points": RecordContract(
        ("id", "yz_open_id", "amount"), {"id": "int", "amount": "number"}, ("create_time",)
    ),
    "youzan__trades": RecordContract(
        ("full_order_info.order_info.tid",), {"full_order_info.order_info.tid": "str"}
    ),
    "wechat_mp__user_info": RecordContract(
        ("openid",), {"openid": "str", "subscribe_time": "number"}, ("subscribe_time",)
    ),
    "wecom_groups__external_contacts": RecordContract(
        ("external_contact.external_userid",), {"external_contact.external_userid": "str"}
    ),
}


@dataclass(frozen=True)
class QualitySettings:
    """The gate's thresholds (pulse.yml `quality`)."""

    max_duplicate_rate: float = 0.01
    revenue_tolerance: float = 0.005
    row_count_drift_min: float = -0.5
    row_count_drift_max: float = 1.0
    # rows of a raw table the record-level checks read: a deterministic sample of a larger table
    raw_sample_rows: int = 100_000


SUITES: dict[str, SuiteSpec] = {
    MART: SuiteSpec(
        name="community_health_weekly",
        table=MART,
        kind="mart",
        required=True,
        description="weekly community KPIs: unique (week_start, community, platform), counts and revenue >= 0, "
        "shares and rates in [0, 1], scores in [0, 100], known communities, no community above 'all'",
    ),
    POINTS_BALANCE: SuiteSpec(
        name="member_points_balance",
        table=POINTS_BALANCE,
        kind="mart",
        required=False,
        description="points balances: one row per member, never negative",
    ),
    DIM_MEMBERS: SuiteSpec(
        name="dim_members",
        table=DIM_MEMBERS,
        kind="mart",
        required=False,
        description="members: unique id, lifecycle stage and engagement level in their sets",
    ),
    TIER_HISTORY: SuiteSpec(
        name="member_tier_history",
        table=TIER_HISTORY,
        kind="mart",
        required=False,
        description="tier periods: tiers are the configured ones, valid_to after valid_from",
    ),
    RFM: SuiteSpec(
        name="member_rfm",
        table=RFM,
        kind="mart",
        required=False,
        description="RFM: scores 1-5, segments in their set",
    ),
    CLV: SuiteSpec(
        name="member_clv",
        table=CLV,
        kind="mart",
        required=False,
        description="CLV: P(alive) in [0, 1], expected purchases and values >= 0",
    ),
    CAMPAIGNS: SuiteSpec(
        name="campaign_performance",
        table=CAMPAIGNS,
        kind="mart",
        required=False,
        description="campaigns: conversion rates in [0, 1], participants >= 0",
    ),
    MEMBER_RECONCILIATION: SuiteSpec(
        name="member_reconciliation",
        table=MEMBER_RECONCILIATION,
        kind="check",
        required=False,
        description="member accounts per platform in marts.dim_member_accounts = accounts in staging; members in "
        "dim_members = members the accounts name",
    ),
    REVENUE_RECONCILIATION: SuiteSpec(
        name="revenue_reconciliation",
        table=REVENUE_RECONCILIATION,
        kind="check",
        required=False,
        description="order revenue in marts.community_health_weekly within the tolerance of the raw orders",
    ),
    ROW_COUNT_DRIFT: SuiteSpec(
        name="row_count_drift",
        table=ROW_COUNT_DRIFT,
        kind="check",
        required=False,
        description="rows per week of the fact marts: last complete week vs the one before, within bounds",
    ),
    RAW_INTEGRITY: SuiteSpec(
        name="raw_integrity",
        table=RAW_INTEGRITY,
        kind="check",
        required=False,
        description="every raw table, every row (counted in SQL): key columns never null, _extracted_at between "
        "2000 and now, duplicate versions within the ceiling, no key twice in one batch",
        index=("table",),
    ),
}


def tables_needed() -> list[str]:
    """The mart tables the gate validates, as `schema.table`; read each into a DataFrame and pass them to `run_gate`
    together with every raw table (`is_raw_table`) and the derived check frames (expectations/checks.py).

    community_health_weekly is required (missing -> critical failure); the other marts may be left out (missing ->
    warning)."""
    return [t for t, s in SUITES.items() if s.kind == "mart"]


def mart_columns(table: str, available: Iterable[str]) -> list[str]:
    """The columns of `available` (a mart's columns, in its order) that the mart's suite and `prepare_frame` read:
    read only these. A column the suite expects but the table lacks stays absent (a failed
    `expect_column_to_exist`, as with the whole table)."""
    if table == MART:
        wanted = {
            *MART_KEY,
            "iso_week",
            "week",
            *COUNT_COLUMNS,  # active_members among them, which the 'all'-row check also reads
            *MONEY_COLUMNS,
            *RATE_COLUMNS,
            *SCORE_COLUMNS,
            *NON_NEGATIVE_HOURS,
        }
    else:
        wanted = set(MART_SUITE_COLUMNS.get(table, ()))
    return [c for c in available if c in wanted or (table == CAMPAIGNS and c.endswith("conversion_rate"))]


def is_raw_table(table: str) -> bool:
    """`raw.<type>__<stream>`: a landed stream (not the manifest tables `raw._batches`, `raw._quarantine`...)."""
    schema, _, name = table.partition(".")
    return schema == "raw" and "__" in name and not name.startswith("_")


def raw_spec(table: str) -> SuiteSpec:
    stream = table.partition(".")[2]
    contract = RECORD_CONTRACTS.get(stream)
    what = "keys, types, timestamps, duplicate rate"
    if contract:
        what += f"; records carry {', '.join(contract.required)}"
    return SuiteSpec(name=f"raw_{stream}", table=table, kind="raw", required=False, description=what)


def spec_for(table: str) -> SuiteSpec | None:
    if table in SUITES:
        return SUITES[table]
    return raw_spec(table) if is_raw_table(table) else None


def _meta(severity: str, check: str, column: str | None = None) -> dict:
    meta = {"severity": severity, "check": check}
    if column:
        meta["column"] = column  # the column a reader should look at, when the expectation's is derived
    return meta


# ---------------------------------------------------------------------------------------------- pandas pre-checks


def _dig(record: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(record, dict):
            record = record.get(part)
        elif isinstance(record, list) and part.isdigit() and int(part) < len(record):
            record = record[int(part)]
        else:
            return None
    return record


def _is_type(value: Any, kind: str) -> bool | None:
    """True/False whether a present value is of the contract's type; None when absent (required checks that)."""
    if value is None or value == "":
        return None
    if kind == "str":
        return isinstance(value, str)
    if isinstance(value, bool):
        return False
    if kind == "int":
        return isinstance(value, int) or (isinstance(value, str) and value.strip().lstrip("-").isdigit())
    if kind == "number":
        if isinstance(value, int | float):
            return True
        try:
            float(str(value).strip())
            return True
        except ValueError:
            return False
    if kind == "timestamp":
        return _to_utc(value) is not None
    raise ValueError(f"unknown contract type {kind!r} (int, number, str, timestamp)")


def _to_utc(value: Any) -> dt.datetime | None:
    """ISO 8601 (with `T` or a space; `2026-09-07T04:08:05+08` too) or seconds since the epoch, as UTC."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, int | float):
        try:
            return dt.datetime.fromtimestamp(float(value), dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip().replace("Z", "+00:00")
    if len(text) > 3 and text[-3] in "+-" and text[-6] not in "+-" and ":" in text[-9:-3]:
        text += ":00"  # `+08` -> `+08:00`
    try:
        ts = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=dt.UTC)


def _epoch(value: Any) -> float | None:
    ts = _to_utc(value)
    return ts.timestamp() if ts else None


def record_column(path: str) -> str:
    return f"record.{path}"


def type_column(path: str, kind: str) -> str:
    return f"record.{path} is {kind}"


def epoch_column(path: str) -> str:
    return f"record.{path} (epoch s)"


def null_count_column(column: str) -> str:
    """checks.raw_integrity's count of a raw column's nulls."""
    return f"{column} nulls"


def prepare_frame(table: str, df: pd.DataFrame) -> pd.DataFrame:
    """The frame GX validates: a shallow copy with numeric money and the derived pre-check columns."""
    import pandas as pd

    spec = spec_for(table)
    out = df.copy(deep=False)
    if spec is None:
        return out
    if spec.kind == "raw":
        return _prepare_raw(table, out)
    if spec.kind == "check":
        return out
    for c in out.columns:  # DuckDB/psycopg2 hand back Decimal objects; GX compares floats
        if out[c].dtype == object:
            present = out[c].dropna()
            if len(present) and isinstance(present.iloc[0], Decimal):
                out[c] = pd.to_numeric(out[c], errors="coerce")
    if table == MART and {"week_start", "community", "active_members"} <= set(out.columns):
        keys = ["week_start", "platform"] if "platform" in out.columns else ["week_start"]
        alls = out.loc[out["community"] == ALL, [*keys, "active_members"]].copy()
        alls["active_members"] = pd.to_numeric(alls["active_members"], errors="coerce")
        per_key = alls.groupby(keys)["active_members"].max().rename(ALL_ACTIVE).reset_index()
        out = out.merge(per_key, on=keys, how="left")
        out[ALL_ACTIVE] = out[ALL_ACTIVE].astype("float64")
    return out


def _prepare_raw(table: str, out: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    if "_extracted_at" in out.columns:
        extracted = pd.to_datetime(out["_extracted_at"], utc=True, errors="coerce")
        epoch = pd.Timestamp("1970-01-01", tz="UTC")
        out["_extracted_at (epoch s)"] = (extracted - epoch).dt.total_seconds().astype("float64")
    contract = RECORD_CONTRACTS.get(table.partition(".")[2])
    if contract is None or "_record" not in out.columns:
        return out
    paths = list(dict.fromkeys((*contract.required, *contract.types, *contract.timestamps)))
    # one record parsed at a time, keeping only the contract's values: never every parsed record at once
    columns: list[list[Any]] = [[] for _ in paths]
    for raw in out["_record"]:
        record = _parse(raw)
        for values, path in zip(columns, paths, strict=True):
            values.append(_dig(record, path))
    derived: dict[str, pd.Series] = {}
    for path, values in zip(paths, columns, strict=True):
        if path in contract.required:  # as text: GX's null check needs no particular type, and "" is missing
            text = [None if v is None or v == "" else str(v) for v in values]
            derived[record_column(path)] = pd.Series(text, index=out.index, dtype="object")
        if path in contract.types:
            kind = contract.types[path]
            flags = [_is_type(v, kind) for v in values]
            derived[type_column(path, kind)] = pd.Series(flags, index=out.index, dtype="object")
        if path in contract.timestamps:
            epochs = [_epoch(v) for v in values]
            derived[epoch_column(path)] = pd.Series(epochs, index=out.index, dtype="float64")
    return pd.concat([out, pd.DataFrame(derived, index=out.index)], axis=1)


def _parse(record: Any) -> Any:
    if isinstance(record, str):
        try:
            return json.loads(record)
        except json.JSONDecodeError:
            return None
    return record


# ---------------------------------------------------------------------------------------------- suites


def build_suite(
    table: str,
    columns: Iterable[str],
    communities: Iterable[str] | None = None,
    *,
    tiers: Iterable[str] | None = None,
    settings: QualitySettings | None = None,
    now: dt.datetime | None = None,
) -> ExpectationSuite:
    """The suite for one table, built from the columns the frame (after `prepare_frame`) has.

    communities: configured community names (the mart's community must be one of them or 'all'); tiers: the
    configured tier names (member_tier_history.tier must be one); settings: thresholds; now: the upper bound of
    timestamps (default: now + 1 day of clock skew)."""
    spec = spec_for(table)
    if spec is None:
        raise KeyError(f"{table}: no suite (marts: {', '.join(SUITES)}; raw.<type>__<stream>)")
    cols = set(columns)
    settings = settings or QualitySettings()
    if spec.kind == "raw":
        return _raw_suite(spec, cols, settings, now)
    if spec.kind == "check":
        return _check_suite(spec, cols, settings, now)
    if table == MART:
        return _health_suite(spec, cols, communities)
    return _mart_suite(spec, cols, tiers)


def _gx():
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx, gxe


def _between(gxe, c: str, lo: float | None, hi: float | None, severity: str = CRITICAL, check: str = ""):
    text = check or (
        f"{c} >= {lo:g}" if hi is None else f"{c} <= {hi:g}" if lo is None else f"{c} in [{lo:g}, {hi:g}]"
    )
    return gxe.ExpectColumnValuesToBeBetween(column=c, min_value=lo, max_value=hi, meta=_meta(severity, text))


def _health_suite(spec: SuiteSpec, cols: set[str], communities: Iterable[str] | None) -> ExpectationSuite:
    gx, gxe = _gx()
    suite = gx.ExpectationSuite(name=spec.name)
    key = [c for c in MART_KEY if c in cols or c != "platform"]  # the older grain had no platform
    for c in (*key, "iso_week" if "iso_week" in cols or "week" not in cols else "week"):
        suite.add_expectation(gxe.ExpectColumnToExist(column=c, meta=_meta(CRITICAL, f"column {c} exists")))
    for c in key:
        if c in cols:
            suite.add_expectation(
                gxe.ExpectColumnValuesToNotBeNull(column=c, meta=_meta(CRITICAL, f"{c} is never null"))
            )
    if set(key) <= cols:
        suite.add_expectation(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=key, meta=_meta(CRITICAL, f"one row per ({', '.join(key)})")
            )
        )
    for c in COUNT_COLUMNS + MONEY_COLUMNS + NON_NEGATIVE_HOURS:
        if c in cols:
            suite.add_expectation(_between(gxe, c, 0, None))
    for c in RATE_COLUMNS:
        if c in cols:
            suite.add_expectation(_between(gxe, c, 0, 1))
    for c in SCORE_COLUMNS:
        if c in cols:
            suite.add_expectation(_between(gxe, c, 0, 100))
    if communities is not None and "community" in cols:
        allowed = sorted({*communities, ALL})
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeInSet(
                column="community",
                value_set=allowed,
                meta=_meta(CRITICAL, f"community is one of {', '.join(allowed)}"),
            )
        )
    for c in ("iso_week", "week"):
        if c in cols:
            suite.add_expectation(
                gxe.ExpectColumnValuesToMatchRegex(
                    column=c, regex=ISO_WEEK_REGEX, meta=_meta(CRITICAL, f"{c} looks like 2026-W47")
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


def _in_set(gxe, c: str, values: Iterable[str], severity: str = CRITICAL):
    allowed = list(values)
    return gxe.ExpectColumnValuesToBeInSet(
        column=c, value_set=allowed, meta=_meta(severity, f"{c} is one of {', '.join(allowed)}")
    )


def _unique_key(gxe, suite, cols: set[str], key: tuple[str, ...]) -> None:
    for c in key:
        suite.add_expectation(gxe.ExpectColumnToExist(column=c, meta=_meta(CRITICAL, f"column {c} exists")))
        if c in cols:
            suite.add_expectation(
                gxe.ExpectColumnValuesToNotBeNull(column=c, meta=_meta(CRITICAL, f"{c} is never null"))
            )
    if set(key) <= cols:
        if len(key) == 1:
            suite.add_expectation(
                gxe.ExpectColumnValuesToBeUnique(column=key[0], meta=_meta(CRITICAL, f"one row per {key[0]}"))
            )
        else:
            suite.add_expectation(
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=list(key), meta=_meta(CRITICAL, f"one row per ({', '.join(key)})")
                )
            )


def _mart_suite(spec: SuiteSpec, cols: set[str], tiers: Iterable[str] | None) -> ExpectationSuite:
    gx, gxe = _gx()
    suite = gx.ExpectationSuite(name=spec.name)
    add = suite.add_expectation
    if spec.table == POINTS_BALANCE:
        _unique_key(gxe, suite, cols, ("member_id",))
        add(gxe.ExpectColumnToExist(column="balance", meta=_meta(CRITICAL, "column balance exists")))
        for c in POINTS_COLUMNS:
            if c in cols:
                add(_between(gxe, c, 0, None, check=f"{c} is never negative"))
    elif spec.table == DIM_MEMBERS:
        _unique_key(gxe, suite, cols, ("member_id",))
        if "lifecycle_stage" in cols:
            add(_in_set(gxe, "lifecycle_stage", LIFECYCLE_STAGES))
        if "engagement_level" in cols:
            add(_in_set(gxe, "engagement_level", ENGAGEMENT_LEVELS))
        for c in MEMBER_COUNT_COLUMNS:
            if c in cols:
                add(_between(gxe, c, 0, None))
    elif spec.table == TIER_HISTORY:
        if tiers is not None and "tier" in cols:
            add(_in_set(gxe, "tier", tiers))
        if {"valid_from", "valid_to"} <= cols:
            add(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="valid_to",
                    column_B="valid_from",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    meta=_meta(CRITICAL, "valid_to >= valid_from", column="valid_to"),
                )
            )
    elif spec.table == RFM:
        _unique_key(gxe, suite, cols, ("member_id", "currency") if "currency" in cols else ("member_id",))
        for c in RFM_SCORES:
            if c in cols:
                add(_between(gxe, c, 1, 5))
        if "segment" in cols:
            add(_in_set(gxe, "segment", RFM_SEGMENTS))
    elif spec.table == CLV:
        if "p_alive" in cols:
            add(_between(gxe, "p_alive", 0, 1))
        for c in CLV_NON_NEGATIVE:
            if c in cols:
                add(_between(gxe, c, 0, None))
    elif spec.table == CAMPAIGNS:
        for c in sorted(cols):
            if c.endswith("conversion_rate"):
                add(_between(gxe, c, 0, 1))
        for c in CAMPAIGN_COUNTS:
            if c in cols:
                add(_between(gxe, c, 0, None))
    return suite


def _extracted_window(now: dt.datetime | None) -> tuple[float, float, str]:
    upper = (now or dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).timestamp()
    return EARLIEST.timestamp(), upper, f"between {EARLIEST.date()} and now"


def _duplicate_versions_check(ceiling: float) -> str:
    return f"the same version of a record stored twice: at most {ceiling:.1%} of rows"


BATCH_DUPLICATES_CHECK = "no duplicate (_source, _pk) within one batch (duplicate share = 0)"


def _raw_suite(
    spec: SuiteSpec, cols: set[str], settings: QualitySettings, now: dt.datetime | None
) -> ExpectationSuite:
    gx, gxe = _gx()
    suite = gx.ExpectationSuite(name=spec.name)
    add = suite.add_expectation
    lower, upper, when = _extracted_window(now)
    for c in RAW_COLUMNS:
        add(gxe.ExpectColumnToExist(column=c, meta=_meta(CRITICAL, f"column {c} exists")))
    for c in RAW_KEY_COLUMNS:
        if c in cols:
            add(gxe.ExpectColumnValuesToNotBeNull(column=c, meta=_meta(CRITICAL, f"{c} is never null")))
    if "_extracted_at (epoch s)" in cols:
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column="_extracted_at (epoch s)",
                min_value=lower,
                max_value=upper,
                meta=_meta(CRITICAL, f"_extracted_at {when}", column="_extracted_at"),
            )
        )
    if {"_source", "_pk", "_hash"} <= cols:
        ceiling = settings.max_duplicate_rate
        add(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["_source", "_pk", "_hash"],
                mostly=max(0.0, 1.0 - ceiling),
                meta=_meta(CRITICAL, _duplicate_versions_check(ceiling)),
            )
        )
    if {"_batch_id", "_source", "_pk"} <= cols:
        add(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["_batch_id", "_source", "_pk"],
                meta=_meta(WARNING, BATCH_DUPLICATES_CHECK),
            )
        )
    contract = RECORD_CONTRACTS.get(spec.table.partition(".")[2])
    if contract is None:
        return suite
    for path in contract.required:
        c = record_column(path)
        if c in cols:
            add(
                gxe.ExpectColumnValuesToNotBeNull(
                    column=c, meta=_meta(CRITICAL, f"every record has {path}", column=f"_record.{path}")
                )
            )
    for path, kind in contract.types.items():
        c = type_column(path, kind)
        if c in cols:
            add(
                gxe.ExpectColumnValuesToBeInSet(
                    column=c,
                    value_set=[True],
                    meta=_meta(CRITICAL, f"{path} is a {kind} where present", column=f"_record.{path}"),
                )
            )
    for path in contract.timestamps:
        c = epoch_column(path)
        if c in cols:
            add(
                gxe.ExpectColumnValuesToBeBetween(
                    column=c,
                    min_value=lower,
                    max_value=upper,
                    meta=_meta(CRITICAL, f"{path} {when}", column=f"_record.{path}"),
                )
            )
    return suite


def _raw_integrity_suite(
    suite: ExpectationSuite, cols: set[str], settings: QualitySettings, now: dt.datetime | None
) -> None:
    """The raw suite's whole-table checks on the counts of `checks.raw_integrity` (one row per raw table): the
    same severities and descriptions; `meta.column` is the raw column, the failing rows' `table` the raw table."""
    _, gxe = _gx()
    add = suite.add_expectation
    lower, upper, when = _extracted_window(now)
    for c in RAW_KEY_COLUMNS:
        counted = null_count_column(c)
        if counted in cols:
            add(
                gxe.ExpectColumnValuesToBeBetween(
                    column=counted,
                    min_value=0,
                    max_value=0,
                    meta=_meta(CRITICAL, f"{c} is never null", column=c),
                )
            )
    for c in (EXTRACTED_MIN, EXTRACTED_MAX):
        if c in cols:
            add(
                gxe.ExpectColumnValuesToBeBetween(
                    column=c,
                    min_value=lower,
                    max_value=upper,
                    meta=_meta(CRITICAL, f"_extracted_at {when}", column="_extracted_at"),
                )
            )
    if DUPLICATE_VERSION_RATE in cols:
        ceiling = settings.max_duplicate_rate
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column=DUPLICATE_VERSION_RATE,
                min_value=0,
                max_value=ceiling,
                meta=_meta(CRITICAL, _duplicate_versions_check(ceiling), column="_source, _pk, _hash"),
            )
        )
    if BATCH_DUPLICATES in cols:
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column=BATCH_DUPLICATES,
                min_value=0,
                max_value=0,
                meta=_meta(WARNING, BATCH_DUPLICATES_CHECK, column="_batch_id, _source, _pk"),
            )
        )


def _check_suite(
    spec: SuiteSpec, cols: set[str], settings: QualitySettings, now: dt.datetime | None = None
) -> ExpectationSuite:
    gx, gxe = _gx()
    suite = gx.ExpectationSuite(name=spec.name)
    add = suite.add_expectation
    if spec.table == RAW_INTEGRITY:
        _raw_integrity_suite(suite, cols, settings, now)
    if spec.table == MEMBER_RECONCILIATION and "difference" in cols:
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column="difference",
                min_value=0,
                max_value=0,
                meta=_meta(CRITICAL, "member accounts and members in the marts = those in staging"),
            )
        )
    if spec.table == REVENUE_RECONCILIATION and "relative_difference" in cols:
        tol = settings.revenue_tolerance
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column="relative_difference",
                min_value=-tol,
                max_value=tol,
                meta=_meta(CRITICAL, f"mart revenue within {tol:.1%} of the raw orders' net revenue"),
            )
        )
    if spec.table == ROW_COUNT_DRIFT and "change" in cols:
        lo, hi = settings.row_count_drift_min, settings.row_count_drift_max
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column="change",
                min_value=lo,
                max_value=hi,
                meta=_meta(WARNING, f"rows week over week change by {lo:+.0%} to {hi:+.0%}"),
            )
        )
    return suite
