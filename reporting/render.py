"""Render one weekly community health report: subject, HTML, plain text, the KPI CSV and the trend chart.

`render_report` reads `marts.community_health_weekly` for the week and the 11 weeks before it, computes each
KPI's week-over-week change and its comparison with the trailing 4-week average, and renders the jinja2 templates
in `reporting/templates/` (autoescaped HTML: community names and titles are untrusted text). When the quality gate
did not pass or a source is stale, the report says so at the top and in the subject.
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

from pulse.warehouse import fetch_df
from pulse.weeks import parse_week, week_label
from reporting.i18n import KPIS, STRINGS, check_language, kpi_label, t

log = logging.getLogger("pulse.reporting")

MART = "marts.community_health_weekly"
ALL = "all"
TREND_WEEKS = 12
TREND_CID = "trend@community-pulse"
TEMPLATES = Path(__file__).resolve().parent / "templates"

# Families known to cover Chinese, best first; any other installed font that covers the test glyphs also works.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
    "Noto Sans CJK JP",
    "AR PL UMing CN",
)
CJK_PROBE = "社群活跃成员帖子"


class ReportDataError(RuntimeError):
    """The warehouse cannot give the report its data (e.g. the mart does not exist yet)."""


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
# data access


def _mart_exists(con: Any) -> bool:
    schema, table = MART.split(".")
    df = fetch_df(
        con,
        "select count(*) as n from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    )
    return int(df["n"].iloc[0]) > 0


def load_window(
    con: Any, monday: dt.date, communities: Sequence[str], weeks: int = TREND_WEEKS
) -> pd.DataFrame:
    """The mart's rows for `communities` in the `weeks` weeks ending with the week of `monday`, typed:
    week_start as date, every KPI column numeric (float, NaN for NULL)."""
    if not _mart_exists(con):
        raise ReportDataError(f"{MART} does not exist in the warehouse; build it first (pulse transform)")
    first = monday - dt.timedelta(weeks=weeks - 1)
    names = list(dict.fromkeys(communities))
    marks = ", ".join("?" for _ in names)
    df = fetch_df(
        con,
        f"select * from {MART} where week_start >= ? and week_start <= ? and community in ({marks})",
        [first, monday, *names],
    )
    if df.empty:
        return df
    df["week_start"] = pd.to_datetime(df["week_start"]).dt.date
    df["community"] = df["community"].astype(str)
    for column, _ in KPIS:
        if column in df.columns:
            df[column] = pd.to_numeric(df[column], errors="coerce").astype("float64")
    return df


# ---------------------------------------------------------------------------------------------------------------
# numbers


def _num(value: Any) -> float | None:
    if value is None:
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
    for column, decimals in KPIS:
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
                "decimals": decimals,
                "value": value,
                "previous": previous,
                "change": round(change, decimals) if change is not None else None,
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
        return text
    return ("+" if value > 0 else "-") + text


def fmt_pct(value: float | None, none: str = "—") -> str:
    if value is None:
        return none
    if round(value, 1) == 0:
        return "0.0%"
    return f"{value:+.1f}%"


def _arrow(value: float | None) -> str:
    if value is None or value == 0:
        return ""
    return "▲" if value > 0 else "▼"


# ---------------------------------------------------------------------------------------------------------------
# chart


def _has_glyphs(path: str, text: str) -> bool:
    try:
        from matplotlib.ft2font import FT2Font

        font = FT2Font(path)
        return all(font.get_char_index(ord(ch)) for ch in text if not ch.isspace())
    except Exception:  # noqa: BLE001 - an unreadable font file is just not a candidate
        return False


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """The family name of an installed font that renders Chinese, or None. Nothing is downloaded."""
    from matplotlib import font_manager

    fonts = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in fonts and _has_glyphs(fonts[family], CJK_PROBE):
            return family
    hints = ("CJK", "Hei", "Han", "Song", "Ming", "Kai", "WenQuanYi", "Fallback", "Gothic", "SC", "CN")
    for name, path in sorted(fonts.items()):
        if any(h in name for h in hints) and _has_glyphs(path, CJK_PROBE):
            return name
    return None


@lru_cache(maxsize=256)
def _renderable(text: str, families: tuple[str, ...]) -> bool:
    from matplotlib import font_manager

    paths = []
    for family in families:
        try:
            paths.append(
                font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
            )
        except ValueError:
            continue
    return all(any(_has_glyphs(p, ch) for p in paths) for ch in text if not ch.isspace())


def render_chart(
    df: pd.DataFrame, monday: dt.date, series: Sequence[tuple[str, str]], language: str
) -> tuple[bytes, bool]:
    """A small PNG: active members and posts per week for each (community, label) of `series`, over the 12
    weeks ending with `monday`. Returns (png, localized): localized is False when the labels fell back to English
    because no installed font renders Chinese."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    cjk = find_cjk_font()
    families = ("DejaVu Sans", cjk) if cjk else ("DejaVu Sans",)
    chart_language = language if (language == "en" or cjk) else "en"
    weeks = [monday - dt.timedelta(weeks=i) for i in range(TREND_WEEKS - 1, -1, -1)]
    ticks = [week_label(w).split("-")[1] for w in weeks]
    palette = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6")
    with rc_context({"font.family": list(families), "font.size": 8, "axes.unicode_minus": False}):
        fig = Figure(figsize=(6.4, 2.5), dpi=100)
        axes = fig.subplots(1, 2)
        for ax, column, title_key in zip(
            axes, ("active_members", "posts"), ("chart_active", "chart_posts"), strict=True
        ):
            ax.set_title(t(chart_language, title_key), fontsize=9, loc="left")
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
            ax.spines[["top", "right"]].set_visible(False)
            for i, (community, label) in enumerate(series):
                rows = df[df["community"] == community] if not df.empty else df
                values = rows.groupby("week_start")[column].first() if column in rows.columns else pd.Series()
                ys = [_num(values.get(w)) for w in weeks]
                ys = [y if y is not None else float("nan") for y in ys]
                if _renderable(label, families):
                    shown = label
                elif community == ALL:
                    shown = t(chart_language, "all_communities")
                else:
                    shown = community
                ax.plot(
                    range(len(weeks)),
                    ys,
                    marker="o",
                    markersize=2.5,
                    linewidth=2.0 if i == 0 else 1.2,
                    color=palette[i % len(palette)],
                    label=shown,
                )
            ax.set_xticks(range(len(weeks)), ticks, rotation=0)
            for lbl in ax.get_xticklabels()[:-1:2]:
                lbl.set_visible(False)
            ax.set_ylim(bottom=0)
        handles, labels = axes[0].get_legend_handles_labels()
        if handles:
            fig.legend(
                handles, labels, loc="lower center", ncol=min(len(labels), 4), frameon=False, fontsize=8
            )
        fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.28, wspace=0.22)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue(), chart_language == language


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


def render_report(
    con: Any,
    *,
    week: str,
    language: str,
    communities: list[str],
    titles: dict[str, str],
    quality: dict,
    freshness: list[dict],
    tz: str,
) -> Rendered:
    """Render the report of `week` (`2026-W47`) in `language` for `communities` (each shown, plus 'all').

    titles: community name -> display title. quality: {'passed': bool, 'checked': bool, 'failed': [...],
    'warnings': int}. freshness: [{'source', 'last_loaded_at', 'stale'}]. tz: the business time zone.
    """
    check_language(language)
    monday = parse_week(week)
    zone = ZoneInfo(tz)
    followed = [c for c in dict.fromkeys(communities) if c != ALL]
    shown = [*followed, ALL] if len(followed) == 1 else [ALL, *followed]
    df = load_window(con, monday, shown)
    none = t(language, "none")

    blocks = []
    for name in shown:
        kpis = compute_kpis(df, monday, name)
        title = _community_title(name, titles, language)
        rows = []
        for k in kpis or []:
            d = k["decimals"]
            rows.append(
                {
                    **k,
                    "label": kpi_label(language, k["key"]),
                    "value_text": fmt_number(k["value"], d, none),
                    "previous_text": fmt_number(k["previous"], d, none),
                    "change_text": fmt_change(k["change"], d, none),
                    "change_pct_text": fmt_pct(k["change_pct"], none),
                    "arrow": _arrow(k["change"]),
                    "avg4_text": fmt_number(k["avg4"], d, none),
                    "vs_avg4_text": fmt_pct(k["vs_avg4_pct"], none),
                    "vs_avg4_arrow": _arrow(k["vs_avg4_pct"]),
                }
            )
        blocks.append(
            {
                "name": name,
                "title": title,
                "has_data": kpis is not None,
                "kpis": rows,
                "no_data": t(language, "no_data_community", community=title),
            }
        )
    has_data = any(b["has_data"] for b in blocks)

    checked = bool(quality.get("checked", True))
    quality_ok = bool(quality.get("passed")) and checked
    stale = [f for f in freshness if f.get("stale")]
    verified = quality_ok and not stale
    flag = "" if verified else t(language, "subject_flag")

    headline = blocks[0]
    head_kpi = next((k for k in headline["kpis"] if k["key"] == "active_members"), None)
    if not has_data or head_kpi is None:
        subject = t(language, "subject_no_data", flag=flag, week=week)
    else:
        change = head_kpi["change_pct_text"] if head_kpi["change_pct"] is not None else None
        if change is None and head_kpi["change"]:  # no % against a zero week: the absolute change, if any
            change = head_kpi["change_text"]
        subject = t(
            language,
            "subject",
            flag=flag,
            week=week,
            kpi=head_kpi["label"],
            value=head_kpi["value_text"],
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
        fresh_rows.append(
            {
                "source": str(f.get("source", "")),
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

    images: dict[str, bytes] = {}
    notes: list[str] = []
    if not df.empty:
        png, localized = render_chart(df, monday, [(b["name"], b["title"]) for b in blocks], language)
        images[TREND_CID] = png
        if not localized:
            notes.append(t(language, "chart_note_english"))

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
        "chart_cid": TREND_CID if images else None,
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
        "rendered report week=%s language=%s communities=%d has_data=%s verified=%s",
        week,
        language,
        len(shown),
        has_data,
        verified,
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


class _Strings:
    """`s.key` in templates: the UI string in the report's language."""

    def __init__(self, language: str):
        self._language = language

    def __getattr__(self, key: str) -> str:
        try:
            return STRINGS[self._language][key]
        except KeyError:
            raise AttributeError(key) from None


CSV_COLUMNS = (
    "iso_week",
    "week_start",
    "community",
    "community_title",
    "metric",
    "metric_label",
    "value",
    "previous_week",
    "change",
    "change_pct",
    "trailing_4w_avg",
    "vs_trailing_4w_avg_pct",
    "verified",
)


def kpi_csv(week: str, monday: dt.date, blocks: list[dict], verified: bool) -> bytes:
    """The week's KPI table, one row per (community, metric); UTF-8 with a BOM so Excel shows Chinese."""

    def num(value: float | None, decimals: int) -> str:
        return "" if value is None else f"{value:.{decimals}f}"

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for b in blocks:
        for k in b["kpis"]:
            d = k["decimals"]
            writer.writerow(
                [
                    week,
                    monday.isoformat(),
                    b["name"],
                    b["title"],
                    k["key"],
                    k["label"],
                    num(k["value"], d),
                    num(k["previous"], d),
                    num(k["change"], d),
                    num(k["change_pct"], 1),
                    num(k["avg4"], 2),
                    num(k["vs_avg4_pct"], 1),
                    "true" if verified else "false",
                ]
            )
    return buf.getvalue().encode("utf-8-sig")
