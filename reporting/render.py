"""Render one weekly community health report: subject, HTML, plain text, the KPI CSV and the charts.

`render_report` reads the week from the marts (reporting.data; or takes a `ReportData` already read for several
renderings), computes each KPI's week-over-week change and its comparison with the trailing 4-week average, and
renders the jinja2 templates in `reporting/templates/`. The HTML is autoescaped: community names, titles, post
excerpts, handles and campaign names are untrusted text, and every free text from the warehouse is also scrubbed of
email addresses and phone numbers (reporting.privacy). When the quality gate did not pass or a source is stale,
the report says so at the top and in the subject.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pulse.weeks import parse_week
from reporting import charts
from reporting.charts import find_cjk_font
from reporting.data import ALL, ReportData, ReportDataError, load_report_data
from reporting.i18n import (
    GROUPS,
    KPI_BY_COLUMN,
    KPIS,
    SCORE_COMPONENTS,
    STRINGS,
    TILES,
    Kpi,
    check_language,
    kpi_label,
    t,
)
from reporting.privacy import excerpt, scrub

__all__ = [
    "ALL",
    "CIDS",
    "TREND_CID",
    "ReportDataError",
    "Rendered",
    "compute_kpis",
    "find_cjk_font",
    "fmt_pct",
    "render_report",
]

log = logging.getLogger("pulse.reporting")

TREND_CID = "trend@community-pulse"
MEMBERS_CID = "members@community-pulse"
COHORTS_CID = "cohorts@community-pulse"
RESPONSE_CID = "response@community-pulse"
CIDS = (TREND_CID, MEMBERS_CID, COHORTS_CID, RESPONSE_CID)
TEMPLATES = Path(__file__).resolve().parent / "templates"
FEEDBACK_SHOWN = 8
ALERTS_SHOWN = 10


@dataclass(frozen=True)
class Rendered:
    """One rendered report. csv: UTF-8 (with BOM, for Excel) KPI table; images: Content-ID -> PNG bytes."""

    subject: str
    html: str
    text: str
    csv: bytes
    images: dict[str, bytes]
    week: str
    language: str
    communities: tuple[str, ...] = ()
    has_data: bool = True
    verified: bool = True
    notes: tuple[str, ...] = field(default=())

    @property
    def csv_name(self) -> str:
        return f"kpis-{self.week}.csv"


# ---------------------------------------------------------------------------------------------------------------
# numbers


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _pct(now: float | None, base: float | None) -> float | None:
    if now is None or base is None or base == 0:
        return None
    return (now - base) / abs(base) * 100.0


def compute_kpis(df: pd.DataFrame, monday: dt.date, community: str) -> list[dict[str, Any]] | None:
    """Per KPI of `community` in the week of `monday`: value, previous (last week), change, change_pct,
    avg4 (mean of the 4 weeks before, over the weeks that have a row), vs_avg4_pct. None when the week has no row.
    """
    rows = df[df["community"] == community] if not df.empty else df
    if rows.empty:
        return None
    by_week = rows.groupby("week_start").first()
    if monday not in by_week.index:
        return None
    previous_week = monday - dt.timedelta(weeks=1)
    trailing = [monday - dt.timedelta(weeks=i) for i in range(1, 5)]
    out = []
    for kpi in KPIS:
        column = kpi.column
        if column not in by_week.columns:
            continue
        value = _num(by_week.at[monday, column])
        previous = _num(by_week.at[previous_week, column]) if previous_week in by_week.index else None
        history = [_num(by_week.at[w, column]) for w in trailing if w in by_week.index]
        history = [h for h in history if h is not None]
        avg4 = sum(history) / len(history) if history else None
        change = value - previous if value is not None and previous is not None else None
        out.append(
            {
                "key": column,
                "kpi": kpi,
                "decimals": kpi.decimals,
                "value": value,
                "previous": previous,
                "change": change,
                "change_pct": _pct(value, previous),
                "avg4": avg4,
                "avg4_weeks": len(history),
                "vs_avg4_pct": _pct(value, avg4),
            }
        )
    return out


def fmt_number(value: float | None, decimals: int = 0, none: str = "—") -> str:
    if value is None:
        return none
    return f"{value:,.{decimals}f}"


def fmt_change(value: float | None, decimals: int = 0, none: str = "—") -> str:
    if value is None:
        return none
    text = f"{abs(value):,.{decimals}f}"
    if round(value, decimals) == 0:
        return f"{0:.{decimals}f}"
    return ("+" if value > 0 else "-") + text


def fmt_pct(value: float | None, none: str = "—") -> str:
    if value is None:
        return none
    if round(value, 1) == 0:
        return "0.0%"
    return f"{value:+.1f}%"


def fmt_value(kpi: Kpi, value: float | None, language: str, currency: str | None = None) -> str:
    none = t(language, "none")
    if value is None:
        return t(language, "mixed_currencies") if kpi.kind == "money" and currency == "mixed" else none
    if kpi.kind == "share":
        return f"{value * 100:.1f}%"
    if kpi.kind == "hours":
        return t(language, "hours", h=f"{value:,.1f}")
    text = fmt_number(value, kpi.decimals)
    return f"{text} {currency}" if kpi.kind == "money" and currency else text


def fmt_delta(kpi: Kpi, change: float | None, language: str) -> str:
    """The absolute change in the KPI's unit: percentage points for shares, hours for durations."""
    if change is None:
        return t(language, "none")
    if kpi.kind == "share":
        pp = change * 100
        return ("0.0" if round(pp, 1) == 0 else f"{pp:+.1f}") + " pp"
    if kpi.kind == "hours":
        return fmt_change(change, 1) + " h"
    return fmt_change(change, kpi.decimals)


def _arrow(value: float | None) -> str:
    if value is None or value == 0:
        return ""
    return "▲" if value > 0 else "▼"


def _tone(kpi: Kpi, change: float | None) -> str:
    """'good', 'bad' or '' for the colour of a change."""
    if change is None or change == 0 or kpi.higher_is_better is None:
        return ""
    return "good" if (change > 0) == kpi.higher_is_better else "bad"


# ---------------------------------------------------------------------------------------------------------------
# templates


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(
            enabled_extensions=("html",), disabled_extensions=("txt",), default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _as_utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        value = value.to_pydatetime()
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _failed_checks(quality: dict) -> list[str]:
    out = []
    for f in quality.get("failed") or []:
        if str(f.get("severity", "critical")) != "critical":
            continue
        table = f.get("table") or f.get("tbl") or ""
        column = f.get("column") or f.get("col") or ""
        parts = [p for p in (table, column, f.get("expectation") or "") if p]
        out.append(" · ".join(str(p) for p in parts))
    return out


def _community_title(name: str, titles: dict[str, str], language: str) -> str:
    if name == ALL:
        return titles.get(ALL) or t(language, "all_communities")
    return titles.get(name) or name


class _Strings:
    """`s.key` in templates: the UI string in the report's language."""

    def __init__(self, language: str):
        self._language = language

    def __getattr__(self, key: str) -> str:
        try:
            return STRINGS[self._language][key]
        except KeyError:
            raise AttributeError(key) from None


# ---------------------------------------------------------------------------------------------------------------
# sections


def _shown(kpi: Kpi, change: float | None) -> float | None:
    """The change as the report prints it (a share's in percentage points), so 0.0 never gets an arrow."""
    if change is None:
        return None
    return (
        round(change * 100, 1)
        if kpi.kind == "share"
        else round(change, 1 if kpi.kind == "hours" else kpi.decimals)
    )


def _kpi_row(k: dict, language: str, currency: str | None) -> dict:
    kpi: Kpi = k["kpi"]
    change = _shown(kpi, k["change"])
    vs_avg4 = None if k["vs_avg4_pct"] is None else round(k["vs_avg4_pct"], 1)
    return {
        **k,
        "label": kpi_label(language, k["key"]),
        "value_text": fmt_value(kpi, k["value"], language, currency),
        "previous_text": fmt_value(kpi, k["previous"], language, currency),
        "change_text": fmt_delta(kpi, k["change"], language),
        "change_pct_text": fmt_pct(k["change_pct"], t(language, "none")),
        "arrow": _arrow(change),
        "tone": _tone(kpi, change),
        "avg4_text": fmt_value(kpi, k["avg4"], language, currency),
        "vs_avg4_text": fmt_pct(k["vs_avg4_pct"], t(language, "none")),
        "vs_avg4_arrow": _arrow(vs_avg4),
        "vs_avg4_tone": _tone(kpi, vs_avg4),
    }


def _currency(df: pd.DataFrame, monday: dt.date, community: str) -> str | None:
    if "revenue_currency" not in df.columns:
        return None
    rows = df[(df["community"] == community) & (df["week_start"] == monday)]
    if rows.empty or rows["revenue_currency"].isna().all():
        return None
    return scrub(rows["revenue_currency"].iloc[0])  # 'mixed': revenue is null, the stores' currencies differ


def _alerts(data: ReportData, shown: Sequence[str], titles: dict, language: str) -> list[str] | None:
    if data.metrics is None:
        return None
    m = data.metrics
    m = m[m["community"].isin(shown) & m["is_anomaly"].fillna(False).astype(bool)]
    if m.empty:
        return []
    m = m.assign(_z=m["robust_z"].abs() if "robust_z" in m.columns else 0).sort_values(
        ["_z", "community", "metric"], ascending=[False, True, True]
    )
    lines = []
    for r in m.head(ALERTS_SHOWN).to_dict("records"):
        kpi = KPI_BY_COLUMN.get(str(r["metric"]), Kpi(str(r["metric"]), "decimal", "other"))
        direction = str(r.get("anomaly_direction") or "")
        if direction not in ("burst", "drop"):
            direction = "burst" if (_num(r.get("robust_z")) or 0) > 0 else "drop"
        platform = str(r.get("platform") or ALL)
        lines.append(
            t(
                language,
                "alert_line",
                community=_community_title(str(r["community"]), titles, language),
                platform="" if platform == ALL else t(language, "alert_platform", platform=scrub(platform)),
                metric=kpi_label(language, kpi.column),
                direction=t(language, f"alert_{direction}"),
                value=fmt_value(kpi, _num(r.get("value")), language),
                median=fmt_value(kpi, _num(r.get("baseline_median")), language),
                z=fmt_number(_num(r.get("robust_z")), 1),
                threshold=fmt_number(_num(r.get("threshold")), 1),
            )
        )
    return lines


def _community_filter(
    frame: pd.DataFrame, headline: str, followed: Sequence[str], every: bool
) -> pd.DataFrame:
    """Rows of what the stakeholder follows: everything when they follow every community and the headline is
    'all' (rows with no community included), else rows of the followed communities."""
    if headline == ALL and every:
        return frame
    wanted = followed if headline == ALL else [headline]
    return frame[frame["community"].isin(wanted)]


def _responsiveness(data: ReportData, headline: str, followed, every, language: str) -> dict:
    monday = data.monday
    platforms = []
    if data.by_platform is not None and not data.by_platform.empty:
        rows = data.by_platform[data.by_platform["community"] == headline]
        for r in rows.sort_values("platform").to_dict("records"):
            questions = _num(r.get("questions"))
            if not questions:
                continue
            platforms.append(
                {
                    "platform": scrub(r["platform"]),
                    "questions": fmt_number(questions),
                    "within": fmt_value(
                        KPI_BY_COLUMN["answered_within_24h_share"],
                        _num(r.get("answered_within_24h_share")),
                        language,
                    ),
                    "median": fmt_value(
                        KPI_BY_COLUMN["first_response_median_hours"],
                        _num(r.get("first_response_median_hours")),
                        language,
                    ),
                    "p90": fmt_value(
                        KPI_BY_COLUMN["first_response_p90_hours"],
                        _num(r.get("first_response_p90_hours")),
                        language,
                    ),
                }
            )
    this_week = before = None
    if data.questions is not None:
        q = _community_filter(data.questions, headline, followed, every)
        this_week = q.loc[q["created_week"] == monday, "first_response_hours"]
        before = q.loc[q["created_week"] < monday, "first_response_hours"]
    return {"platforms": platforms, "this_week": this_week, "before": before}


def _feedback(data: ReportData, headline, followed, every, language: str, zone: ZoneInfo) -> dict | None:
    if data.feedback is None:
        return None
    f = _community_filter(data.feedback, headline, followed, every)
    f = f[~f["is_resolved"].fillna(False).astype(bool)]
    f = f.assign(
        _responded=f["first_response_at"].notna(),
        _created=pd.to_datetime(f["created_at"], utc=True),
        _score=pd.to_numeric(f["sentiment_score"], errors="coerce").fillna(0.0),
    ).sort_values(["_responded", "_score", "_created", "feedback_key"])
    items = []
    for r in f.head(FEEDBACK_SHOWN).to_dict("records"):
        hours = _num(r.get("first_response_hours"))
        response = (
            t(language, "feedback_responded", hours=t(language, "hours", h=f"{hours:,.1f}"))
            if r["_responded"] and hours is not None
            else t(language, "feedback_no_response")
        )
        created = r["_created"].to_pydatetime().astimezone(zone).strftime("%Y-%m-%d %H:%M")
        items.append(
            {
                "excerpt": excerpt(r.get("excerpt")),
                "meta": t(
                    language,
                    "feedback_meta",
                    platform=scrub(r.get("platform")),
                    channel=scrub(r.get("channel")) or t(language, "none"),
                    created=created,
                    response=response,
                ),
                "responded": bool(r["_responded"]),
            }
        )
    return {
        "items": items,
        "total": len(f),
        "intro": t(language, "feedback_intro", n=len(f), shown=len(items)),
    }


def _campaigns(
    data: ReportData, headline, followed, every, language: str, zone: ZoneInfo
) -> list[dict] | None:
    if data.campaigns is None:
        return None
    c = data.campaigns
    if not (headline == ALL and every):
        wanted = set(followed if headline == ALL else [headline])
        c = c[c["community"].isna() | c["community"].isin(wanted | {ALL})]
    week_end = dt.datetime.combine(data.monday + dt.timedelta(days=7), dt.time(), zone)
    out = []
    for r in c.to_dict("records"):
        start, end = _as_utc(r.get("start_at")), _as_utc(r.get("end_at"))
        currency = scrub(r.get("currency")) if r.get("currency") else ""
        low, high = _num(r.get("incremental_revenue_ci_low")), _num(r.get("incremental_revenue_ci_high"))
        incremental = _num(r.get("incremental_revenue"))
        inc_text = t(language, "none")
        if incremental is not None:
            inc_text = f"{fmt_change(incremental, 2)}"
            if low is not None and high is not None:
                inc_text += f" [{fmt_number(low, 2)}, {fmt_number(high, 2)}]"
        roi = _num(r.get("roi"))
        out.append(
            {
                "name": scrub(r.get("campaign_name") or r.get("campaign_id")),
                "channel": scrub(r.get("channel")),
                "period": " – ".join(
                    d.astimezone(zone).strftime("%m-%d") for d in (start, end) if d is not None
                ),
                "status": t(
                    language, "campaign_running" if end is None or end >= week_end else "campaign_ended"
                ),
                "participants": fmt_number(_num(r.get("participants"))),
                "orders": fmt_number(_num(r.get("attributed_orders"))),
                "revenue": fmt_number(_num(r.get("attributed_revenue")), 2)
                + (f" {currency}" if currency else ""),
                "roi": f"{roi * 100:,.0f}%" if roi is not None else t(language, "none"),
                "incremental": inc_text,
                "method": scrub(r.get("uplift_method")),
            }
        )
    return out


def _loyalty(data: ReportData, language: str) -> dict:
    none = t(language, "none")
    tiers = []
    if data.tiers is not None:
        for r in data.tiers.to_dict("records"):
            members, before = _num(r.get("members")) or 0, _num(r.get("members_week_before")) or 0
            tiers.append(
                {
                    "tier": scrub(r["tier"]),
                    "members": fmt_number(members),
                    "change": fmt_change(members - before),
                    "arrow": _arrow(members - before),
                    "upgraded": fmt_number(_num(r.get("upgraded_into"))),
                    "downgraded": fmt_number(_num(r.get("downgraded_into"))),
                }
            )
    segments, as_of = [], None
    if data.rfm is not None and not data.rfm.empty:
        order = ("champions", "loyal", "potential", "new", "at_risk", "hibernating", "lost")
        total = float(data.rfm["members"].sum()) or 1.0
        rank = {s: i for i, s in enumerate(order)}
        for r in sorted(data.rfm.to_dict("records"), key=lambda r: rank.get(r["segment"], 99)):
            key = f"segment.{r['segment']}"
            segments.append(
                {
                    "segment": STRINGS[language].get(key) or scrub(r["segment"]),
                    "members": fmt_number(_num(r["members"])),
                    "share": f"{(_num(r['members']) or 0) / total * 100:.1f}%",
                    "ordered": fmt_number(_num(r.get("ordered_this_week"))),
                }
            )
        as_of = data.rfm["as_of_date"].dropna().max() if "as_of_date" in data.rfm.columns else None
    points_line = None
    if data.points and "balance" in data.points:
        flows = data.points.get("flows") or {}
        p = data.points
        points_line = t(
            language,
            "points_line",
            earned=fmt_number(flows.get("earn", (0, 0))[0]),
            redeemed=fmt_number(abs(flows.get("redeem", (0, 0))[0])),
            expired=fmt_number(abs(flows.get("expire", (0, 0))[0])),
            holders=fmt_number(p["holders"]),
            balance=fmt_number(p["balance"]),
            expiring=fmt_number(p["expiring_30d"]),
            date=str(p.get("as_of_date") or none)[:10],
        )
    return {
        "tiers": tiers,
        "segments": segments,
        "rfm_as_of": t(language, "rfm_as_of", date=str(as_of)[:10]) if as_of is not None else None,
        "points_line": points_line,
    }


def _contributors(data: ReportData, headline: str) -> list[dict] | None:
    if data.contributors is None:
        return None
    c = data.contributors[data.contributors["community"] == headline].sort_values("rank")
    return [
        {
            "rank": int(r["rank"]),
            "handle": scrub(r.get("display_handle")),
            "platform": scrub(r.get("handle_platform")),
            "activities": fmt_number(_num(r.get("activities"))),
            "weighted": fmt_number(_num(r.get("weighted_activity")), 1),
        }
        for r in c.head(10).to_dict("records")
    ]


# ---------------------------------------------------------------------------------------------------------------
# the report


def render_report(
    con: Any = None,
    *,
    week: str,
    language: str,
    communities: list[str],
    titles: dict[str, str],
    quality: dict,
    freshness: list[dict],
    tz: str,
    data: ReportData | None = None,
    chart_cache: dict | None = None,
) -> Rendered:
    """Render the report of `week` (`2026-W47`) in `language` for `communities` (each shown, plus 'all').

    titles: community name -> display title. quality: {'passed': bool, 'checked': bool, 'failed': [...],
    'warnings': int}. freshness: [{'source', 'type', 'last_loaded_at', 'records', 'stale'}]. tz: the business time
    zone. data: what `reporting.data.load_report_data` read for this week (read from `con` when not given).
    chart_cache: a dict shared by the renderings of one run, so equal charts are drawn once.
    """
    check_language(language)
    monday = parse_week(week)
    zone = ZoneInfo(tz)
    every_name = sorted(n for n in titles if n != ALL)
    followed = [c for c in dict.fromkeys(communities) if c != ALL]
    every = not every_name or set(every_name) <= set(followed)
    shown = [*followed, ALL] if len(followed) == 1 else [ALL, *followed]
    if data is None:
        data = load_report_data(con, monday, shown, tz)
    elif data.monday != monday:
        raise ValueError(f"report data is for the week of {data.monday}, not {week}")
    df = data.weekly[data.weekly["community"].isin(shown)] if not data.weekly.empty else data.weekly
    none = t(language, "none")

    blocks = []
    for name in shown:
        kpis = compute_kpis(df, monday, name)
        currency = _currency(df, monday, name)
        blocks.append(
            {
                "name": name,
                "title": _community_title(name, titles, language),
                "has_data": kpis is not None,
                "kpis": [_kpi_row(k, language, currency) for k in kpis or []],
                "no_data": t(
                    language, "no_data_community", community=_community_title(name, titles, language)
                ),
            }
        )
    has_data = any(b["has_data"] for b in blocks)
    headline = blocks[0]
    head = {k["key"]: k for k in headline["kpis"]}

    checked = bool(quality.get("checked", True))
    quality_ok = bool(quality.get("passed")) and checked
    stale = [f for f in freshness if f.get("stale")]
    verified = quality_ok and not stale
    flag = "" if verified else t(language, "subject_flag")

    subject_kpi = head.get("health_score") or head.get("active_members")
    if subject_kpi is not None and subject_kpi["value"] is None:
        subject_kpi = head.get("active_members")
    if not has_data or subject_kpi is None:
        subject = t(language, "subject_no_data", flag=flag, week=week)
    else:
        change = None
        if subject_kpi["key"] == "health_score" and subject_kpi["change"] is not None:
            change = subject_kpi["change_text"]
        elif subject_kpi["change_pct"] is not None:
            change = subject_kpi["change_pct_text"]
        elif subject_kpi["change"]:  # no % against a zero week: the absolute change
            change = subject_kpi["change_text"]
        subject = t(
            language,
            "subject",
            flag=flag,
            week=week,
            kpi=subject_kpi["label"],
            value=subject_kpi["value_text"],
            change=t(language, "subject_change", change=change) if change else "",
        )

    banner: list[str] = []
    failed_checks: list[str] = []
    if not checked:
        banner.append(t(language, "banner_quality_not_run"))
    elif not quality_ok:
        banner.append(t(language, "banner_quality_failed"))
        failed_checks = _failed_checks(quality)
    if stale:
        banner.append(t(language, "banner_stale", sources=", ".join(str(f.get("source")) for f in stale)))

    fresh_rows = []
    for f in freshness:
        loaded = _as_utc(f.get("last_loaded_at"))
        records = _num(f.get("records"))
        fresh_rows.append(
            {
                "source": str(f.get("source", "")),
                "type": str(f.get("type") or ""),
                "records": fmt_number(records) if records is not None else none,
                "last_loaded": loaded.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                if loaded
                else t(language, "never"),
                "loaded": loaded is not None,
                "stale": bool(f.get("stale")),
                "stale_text": t(language, "yes" if f.get("stale") else "no"),
            }
        )

    if not checked:
        quality_summary = t(language, "quality_not_run")
    elif quality_ok:
        warnings = int(quality.get("warnings") or 0)
        quality_summary = (
            t(language, "quality_passed_warnings", n=warnings) if warnings else t(language, "quality_passed")
        )
    else:
        quality_summary = t(language, "quality_failed", n=len(failed_checks) or "?")

    # sections
    score = head.get("health_score")
    score_block = None
    if score is not None and score["value"] is not None:
        score_block = {
            "community": headline["title"],
            "value": score["value_text"],
            "change": score["change_text"],
            "arrow": score["arrow"],
            "tone": score["tone"],
            "vs_avg4": fmt_delta(
                score["kpi"], None if score["avg4"] is None else score["value"] - score["avg4"], language
            ),
            "vs_avg4_arrow": score["vs_avg4_arrow"],
            "vs_avg4_tone": score["vs_avg4_tone"],
            "components": [head[c] for c in SCORE_COMPONENTS if c in head],
        }
    tiles = [head[c] for c in TILES if c in head]
    groups = []
    for group in GROUPS:
        rows = []
        for kpi in KPIS:
            if kpi.group != group:
                continue
            cells = []
            for b in blocks:
                k = next((x for x in b["kpis"] if x["key"] == kpi.column), None)
                cells.append(k)
            if any(c is not None for c in cells):
                rows.append({"label": kpi_label(language, kpi.column), "cells": cells})
        if rows:
            groups.append({"title": t(language, f"group.{group}"), "rows": rows})

    missing = {name: t(language, "not_available", table=name) for name in data.missing}
    alerts = _alerts(data, shown, titles, language)
    resp = _responsiveness(data, headline["name"], followed, every, language)
    feedback = _feedback(data, headline["name"], followed, every, language, zone)
    campaigns = _campaigns(data, headline["name"], followed, every, language, zone)
    loyalty = _loyalty(data, language)
    contributors = _contributors(data, headline["name"])

    images: dict[str, bytes] = {}
    notes: list[str] = []
    style = charts.ChartStyle(language)
    cache = chart_cache if chart_cache is not None else {}

    def chart(cid: str, key: tuple, draw) -> None:
        full = (cid, language, week, *key)
        if full not in cache:
            cache[full] = draw()
        if cache[full] is not None:
            images[cid] = cache[full]

    if has_data and not df.empty:
        series = tuple(
            (b["name"], b["title"], t(style.language, "all_communities") if b["name"] == ALL else b["name"])
            for b in blocks
        )
        chart(TREND_CID, series, lambda: charts.trend_chart(df, monday, series, style))
        if {"new_members", "left_members"} <= set(df.columns):
            chart(
                MEMBERS_CID,
                (headline["name"],),
                lambda: charts.members_chart(df, monday, headline["name"], style),
            )
        if data.cohorts is not None and not data.cohorts.empty:
            chart(
                COHORTS_CID,
                (headline["name"],),
                lambda: charts.cohort_chart(data.cohorts, headline["name"], style),
            )
        if resp["this_week"] is not None and (len(resp["this_week"]) or len(resp["before"])):
            chart(
                RESPONSE_CID,
                (headline["name"], every, tuple(followed)),
                lambda: charts.response_chart(resp["this_week"], resp["before"], style),
            )
        if not style.localized:
            notes.append(t(language, "chart_note_english"))

    resp_summary = None
    if {"questions", "answered_within_24h_share"} <= set(head):
        resp_summary = t(
            language,
            "responsiveness_summary",
            questions=head["questions"]["value_text"],
            within=head["answered_within_24h_share"]["value_text"],
            median=head.get("first_response_median_hours", {}).get("value_text", none),
            p90=head.get("first_response_p90_hours", {}).get("value_text", none),
        )

    generated = f"{dt.datetime.now(zone):%Y-%m-%d %H:%M} ({tz})"
    csv_bytes = kpi_csv(week, monday, blocks, verified)
    context = {
        "lang": language,
        "tz": tz,
        "s": _Strings(language),
        "subject": subject,
        "week": week,
        "period": t(
            language,
            "period",
            week=week,
            start=monday.isoformat(),
            end=(monday + dt.timedelta(days=6)).isoformat(),
            tz=tz,
        ),
        "verified": verified,
        "banner": banner,
        "failed_checks": failed_checks[:8],
        "more_failed": max(0, len(failed_checks) - 8),
        "has_data": has_data,
        "no_data_week": t(language, "no_data_week", week=week),
        "blocks": blocks,
        "headline": headline,
        "score": score_block,
        "tiles": tiles,
        "groups": groups,
        "alerts": alerts,
        "alerts_missing": missing.get("marts.community_health_metrics"),
        "responsiveness": {**resp, "summary": resp_summary},
        "feedback": feedback,
        "feedback_missing": missing.get("marts.fct_feedback"),
        "campaigns": campaigns,
        "campaigns_missing": missing.get("marts.campaign_performance"),
        "loyalty": loyalty,
        "contributors": contributors,
        "contributors_missing": missing.get("marts.community_top_contributors_weekly"),
        "cohorts_missing": missing.get("marts.community_cohort_retention"),
        "images": {cid.split("@")[0]: (cid if cid in images else None) for cid in CIDS},
        "chart_notes": [n for n in notes if n],
        "freshness": fresh_rows,
        "last_loaded_header": t(language, "col_last_loaded", tz=tz),
        "quality_summary": quality_summary,
        "footer": t(language, "footer", generated=generated, csv_name=f"kpis-{week}.csv"),
    }
    env = _env()
    html = env.get_template("report.html").render(context)
    text = env.get_template("report.txt").render(context)
    log.info(
        "rendered report week=%s language=%s communities=%d has_data=%s verified=%s images=%d",
        week,
        language,
        len(shown),
        has_data,
        verified,
        len(images),
    )
    return Rendered(
        subject=subject,
        html=html,
        text=text,
        csv=csv_bytes,
        images=images,
        week=week,
        language=language,
        communities=tuple(shown),
        has_data=has_data,
        verified=verified,
        notes=tuple(n for n in notes if n),
    )


CSV_COLUMNS = (
    "iso_week",
    "week_start",
    "community",
    "community_title",
    "metric",
    "metric_label",
    "unit",
    "value",
    "previous_week",
    "change",
    "change_pct",
    "trailing_4w_avg",
    "vs_trailing_4w_avg_pct",
    "verified",
)


def _csv_num(value: float | None, kpi: Kpi) -> str:
    if value is None:
        return ""
    if kpi.kind == "count" and float(value).is_integer():
        return str(int(value))
    if kpi.kind == "money":
        return f"{value:.2f}"
    return f"{round(value, 4):.4f}".rstrip("0").rstrip(".")


def kpi_csv(week: str, monday: dt.date, blocks: list[dict], verified: bool) -> bytes:
    """The week's KPI table, one row per (community, metric); UTF-8 with a BOM so Excel shows Chinese. Shares are
    fractions (0.25), as in the mart."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for b in blocks:
        for k in b["kpis"]:
            kpi: Kpi = k["kpi"]
            writer.writerow(
                [
                    week,
                    monday.isoformat(),
                    b["name"],
                    b["title"],
                    k["key"],
                    k["label"],
                    kpi.kind,
                    _csv_num(k["value"], kpi),
                    _csv_num(k["previous"], kpi),
                    _csv_num(k["change"], kpi),
                    "" if k["change_pct"] is None else f"{k['change_pct']:.1f}",
                    "" if k["avg4"] is None else f"{k['avg4']:.4f}".rstrip("0").rstrip("."),
                    "" if k["vs_avg4_pct"] is None else f"{k['vs_avg4_pct']:.1f}",
                    "true" if verified else "false",
                ]
            )
    return buf.getvalue().encode("utf-8-sig")
