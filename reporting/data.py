"""Read what one week's reports need from the published marts, once for every stakeholder of the run.

The column contract of the health marts is docs/health_marts.md; the others are documented in their dbt YAML.
Every query is plain SQL that DuckDB and Postgres both run (`?` placeholders, see pulse.warehouse.fetch_df). A mart
that does not exist (an older warehouse, a deployment without stores) leaves its section out with a note;
only `marts.community_health_weekly` is required.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from pulse.warehouse import fetch_df

log = logging.getLogger("pulse.reporting")

HEALTH = "marts.community_health_weekly"
METRICS = "marts.community_health_metrics"
COHORTS = "marts.community_cohort_retention"
CONTRIBUTORS = "marts.community_top_contributors_weekly"
QUESTIONS = "marts.fct_questions"
FEEDBACK = "marts.fct_feedback"
CAMPAIGNS = "marts.campaign_performance"
TIERS = "marts.member_tier_history"
RFM = "marts.member_rfm"
BALANCES = "marts.member_points_balance"
LEDGER = "marts.fct_points_ledger"

ALL = "all"
TREND_WEEKS = 12
COHORT_WEEKS = 12
ATTENTION_WEEKS = 4  # negative feedback still open from this week and the 3 before
CAMPAIGN_RECENT_DAYS = 28  # campaigns that ended up to 4 weeks before the week's end are still shown


class ReportDataError(RuntimeError):
    """The warehouse cannot give the report its data (e.g. the mart does not exist yet)."""


@dataclass
class ReportData:
    """Everything the renderings of one week read. Frames are None when their mart is not in the warehouse."""

    monday: dt.date
    weekly: pd.DataFrame  # community_health_weekly, platform 'all', TREND_WEEKS weeks ending monday
    by_platform: pd.DataFrame | None = None  # community_health_weekly this week, one row per platform
    metrics: pd.DataFrame | None = None  # community_health_metrics this week
    cohorts: pd.DataFrame | None = None
    contributors: pd.DataFrame | None = None
    questions: pd.DataFrame | None = None  # fct_questions created in the 5 weeks ending monday
    feedback: pd.DataFrame | None = None  # fct_feedback created in the ATTENTION_WEEKS weeks ending monday
    campaigns: pd.DataFrame | None = None
    tiers: pd.DataFrame | None = None
    rfm: pd.DataFrame | None = None
    points: dict[str, Any] | None = None
    missing: list[str] = field(default_factory=list)


def _columns(con: Any, table: str) -> set[str]:
    schema, name = table.split(".")
    df = fetch_df(
        con,
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, name],
    )
    return {str(c).lower() for c in df["column_name"]}


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _num(df: pd.DataFrame, skip: Sequence[str]) -> pd.DataFrame:
    """Every column not in `skip` that holds numbers (Decimal included) as float64."""
    for column in df.columns:
        if column in skip or df[column].dtype == bool:
            continue
        if df[column].dtype == object or str(df[column].dtype).startswith(("int", "Int", "float", "decimal")):
            converted = pd.to_numeric(df[column], errors="coerce")
            if converted.notna().sum() == df[column].notna().sum():
                df[column] = converted.astype("float64")
    return df


def _dates(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        if column in df.columns:
            df[column] = pd.to_datetime(df[column]).dt.date
    return df


TEXT = (
    "week",
    "iso_week",
    "community",
    "platform",
    "metric",
    "anomaly_direction",
    "member_id",
    "display_handle",
    "handle_platform",
    "revenue_currency",
)


def load_health(
    con: Any, monday: dt.date, communities: Sequence[str], weeks: int = TREND_WEEKS
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(rows of `communities` over `weeks` weeks ending monday with platform 'all'; this week's per-platform rows).
    A mart from before the platform grain (no `platform` column) has one row per community: all of it is 'all'."""
    columns = _columns(con, HEALTH)
    if not columns:
        raise ReportDataError(f"{HEALTH} does not exist in the warehouse; build it first (pulse transform)")
    names = list(dict.fromkeys(communities))
    first = monday - dt.timedelta(weeks=weeks - 1)
    df = fetch_df(
        con,
        f"select * from {HEALTH} where week_start >= ? and week_start <= ? and community in ({_marks(names)})",
        [first, monday, *names],
    )
    df = _num(_dates(df, "week_start"), TEXT)
    df["community"] = df["community"].astype(str)
    if "platform" not in df.columns:
        return df.assign(platform=ALL), None
    df["platform"] = df["platform"].astype(str)
    by_platform = df[(df["week_start"] == monday) & (df["platform"] != ALL)].reset_index(drop=True)
    return df[df["platform"] == ALL].reset_index(drop=True), by_platform


def load_report_data(con: Any, monday: dt.date, communities: Sequence[str], tz: str = "UTC") -> ReportData:
    """Read the week of `monday` for `communities` ('all' is added) from every mart the report shows; tz: the
    business time zone the week is in."""
    names = list(dict.fromkeys([*communities, ALL]))
    weekly, by_platform = load_health(con, monday, names)
    data = ReportData(monday=monday, weekly=weekly, by_platform=by_platform)
    sunday = monday + dt.timedelta(days=6)

    def have(table: str, needed: Sequence[str] = ()) -> set[str] | None:
        cols = _columns(con, table)
        if not cols or not set(needed) <= cols:
            data.missing.append(table)
            return None
        return cols

    if have(METRICS, ("week_start", "community", "metric", "is_anomaly")):
        data.metrics = _num(
            _dates(
                fetch_df(
                    con,
                    f"select * from {METRICS} where week_start = ? and community in ({_marks(names)})",
                    [monday, *names],
                ),
                "week_start",
            ),
            TEXT,
        )
    if have(COHORTS, ("cohort_week", "community", "weeks_since", "retention_rate")):
        data.cohorts = _num(
            _dates(
                fetch_df(
                    con,
                    f"""select * from {COHORTS} where cohort_week >= ? and cohort_week <= ?
                        and community in ({_marks(names)})""",
                    [monday - dt.timedelta(weeks=COHORT_WEEKS - 1), monday, *names],
                ),
                "cohort_week",
            ),
            TEXT,
        )
    if have(CONTRIBUTORS, ("week_start", "community", "rank", "display_handle")):
        data.contributors = _num(
            fetch_df(
                con,
                f"select * from {CONTRIBUTORS} where week_start = ? and community in ({_marks(names)})",
                [monday, *names],
            ),
            TEXT,
        )
    if have(QUESTIONS, ("created_week", "first_response_hours", "is_answered_within_24h")):
        data.questions = _dates(
            fetch_df(
                con,
                f"""select created_week, community, platform, first_response_hours, is_answered_within_24h
                    from {QUESTIONS} where created_week >= ? and created_week <= ?""",
                [monday - dt.timedelta(weeks=4), monday],
            ),
            "created_week",
        )
        data.questions["first_response_hours"] = pd.to_numeric(
            data.questions["first_response_hours"], errors="coerce"
        ).astype("float64")
    if have(FEEDBACK, ("created_week", "excerpt", "is_resolved")):
        data.feedback = _dates(
            fetch_df(
                con,
                f"""select feedback_key, platform, community, channel, created_at, created_week, language,
                           sentiment_score, first_response_at, first_response_hours, is_resolved, excerpt
                    from {FEEDBACK} where created_week >= ? and created_week <= ?""",
                [monday - dt.timedelta(weeks=ATTENTION_WEEKS - 1), monday],
            ),
            "created_week",
        )
    if have(CAMPAIGNS, ("campaign_id", "start_at", "end_at")):
        zone = ZoneInfo(tz)
        start = dt.datetime.combine(monday - dt.timedelta(days=CAMPAIGN_RECENT_DAYS), dt.time(), zone)
        data.campaigns = fetch_df(
            con,
            f"""select * from {CAMPAIGNS} where start_at < ? and (end_at is null or end_at >= ?)
                order by start_at, campaign_id""",
            [dt.datetime.combine(sunday + dt.timedelta(days=1), dt.time(), zone), start],
        )
    if have(TIERS, ("tier", "tier_rank", "valid_from", "valid_to", "change")):
        before = monday - dt.timedelta(days=1)
        data.tiers = _num(
            fetch_df(
                con,
                f"""select tier, tier_rank,
                       count(*) filter (where valid_from <= ? and (valid_to is null or valid_to > ?)) as members,
                       count(*) filter (where valid_from <= ? and (valid_to is null or valid_to > ?))
                           as members_week_before,
                       count(*) filter (where change = 'upgrade' and valid_from >= ? and valid_from <= ?)
                           as upgraded_into,
                       count(*) filter (where change = 'downgrade' and valid_from >= ? and valid_from <= ?)
                           as downgraded_into
                    from {TIERS} group by tier, tier_rank order by tier_rank""",
                [sunday, sunday, before, before, monday, sunday, monday, sunday],
            ),
            ("tier",),
        )
    if have(RFM, ("segment",)):
        data.rfm = _num(
            fetch_df(
                con,
                f"""select segment, count(*) as members,
                       count(*) filter (where last_order_date >= ? and last_order_date <= ?) as ordered_this_week,
                       max(as_of_date) as as_of_date
                    from {RFM} group by segment""",
                [monday, sunday],
            ),
            ("segment", "as_of_date"),
        )
    points: dict[str, Any] = {}
    if have(LEDGER, ("entry_date", "entry_type", "points")):
        flows = fetch_df(
            con,
            f"""select entry_type, sum(points) as points, count(distinct member_id) as members
                from {LEDGER} where entry_date >= ? and entry_date <= ? group by entry_type""",
            [monday, sunday],
        )
        points["flows"] = {
            str(r.entry_type): (float(r.points or 0), int(r.members or 0)) for r in flows.itertuples()
        }
    if have(BALANCES, ("balance",)):
        row = fetch_df(
            con,
            f"""select sum(balance) as balance, sum(points_expiring_30d) as expiring_30d,
                       count(*) filter (where balance > 0) as holders, max(as_of_date) as as_of_date
                from {BALANCES}""",
        ).iloc[0]
        points.update(
            balance=float(row["balance"] or 0),
            expiring_30d=float(row["expiring_30d"] or 0),
            holders=int(row["holders"] or 0),
            as_of_date=row["as_of_date"],
        )
    data.points = points or None
    if data.missing:
        log.info("report data: marts not in the warehouse: %s", ", ".join(data.missing))
    return data
