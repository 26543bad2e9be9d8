"""The report's charts as small PNGs (matplotlib's object API, no pyplot): 12-week trends, new vs left members,
cohort retention heatmap and the response-time distribution.

Chinese labels need a font with Chinese glyphs. The project depends on `pylopdf-fonts-zh-cn` (Noto Sans SC, SIL
OFL), so `make` gives every machine one; `find_cjk_font` registers it with matplotlib and also accepts any
installed CJK font. Without one, the charts fall back to English labels and the report says so.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

from pulse.weeks import week_label
from reporting.i18n import t

# Families known to cover Chinese, best first; any other installed font that covers the test glyphs also works.
CJK_FAMILIES = (
    "Noto Sans SC",
    "Noto Sans CJK SC",
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
PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6")
GOOD, BAD, MUTED = "#2f855a", "#c53030", "#a0aec0"
RESPONSE_BUCKETS = ((0, 1), (1, 4), (4, 12), (12, 24), (24, 72), (72, math.inf))


def packaged_font_files() -> list[str]:
    """CJK font files shipped by a Python package the project depends on (pylopdf-fonts-zh-cn)."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return []
    path = pylopdf_fonts_zh_cn.sans_path()
    return [str(path)] if path.exists() else []


def _has_glyphs(path: str, text: str) -> bool:
    try:
        from matplotlib.ft2font import FT2Font

        font = FT2Font(path)
        return all(font.get_char_index(ord(ch)) for ch in text if not ch.isspace())
    except Exception:  # noqa: BLE001 - an unreadable font file is just not a candidate
        return False


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """The family name of a font that renders Chinese (the packaged Noto Sans SC first), or None."""
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in packaged_font_files():
        if path not in known:
            font_manager.fontManager.addfont(path)
    fonts = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in fonts and _has_glyphs(fonts[family], CJK_PROBE):
            return family
    hints = ("CJK", "Hei", "Han", "Song", "Ming", "Kai", "WenQuanYi", "Fallback", "Gothic", "SC", "CN")
    for name, path in sorted(fonts.items()):
        if any(h in name for h in hints) and _has_glyphs(path, CJK_PROBE):
            return name
    return None


def cjk_font_file() -> str | None:
    """The file of the font `find_cjk_font` chose."""
    from matplotlib import font_manager

    family = find_cjk_font()
    if family is None:
        return None
    return font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)


@lru_cache(maxsize=512)
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


class ChartStyle:
    """Fonts and the labels' language for one report's charts."""

    def __init__(self, language: str):
        cjk = find_cjk_font()
        # one family, no per-glyph fallback (much faster to lay out): the CJK font has Latin letters too
        self.families = (cjk,) if cjk else ("DejaVu Sans",)
        self.language = language if (language == "en" or cjk) else "en"
        self.localized = self.language == language

    def label(self, text: str, fallback: str) -> str:
        return text if _renderable(text, self.families) else fallback

    def t(self, key: str, **values: object) -> str:
        return t(self.language, key, **values)

    def rc(self) -> dict:
        return {"font.family": list(self.families), "font.size": 8, "axes.unicode_minus": False}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _axes_style(ax) -> None:
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)


def _weeks(monday: dt.date, n: int) -> list[dt.date]:
    return [monday - dt.timedelta(weeks=i) for i in range(n - 1, -1, -1)]


def _series(df: pd.DataFrame, community: str, column: str, weeks: Sequence[dt.date]) -> list[float]:
    rows = df[df["community"] == community] if not df.empty else df
    if column not in rows.columns:
        return [float("nan")] * len(weeks)
    values = rows.groupby("week_start")[column].first()
    out = []
    for w in weeks:
        v = values.get(w)
        out.append(float(v) if v is not None and not pd.isna(v) else float("nan"))
    return out


def trend_chart(
    df: pd.DataFrame, monday: dt.date, series: Sequence[tuple[str, str, str]], style: ChartStyle
) -> bytes:
    """Health score, active members and posts per week for each (community, title, fallback label) of `series`,
    over the 12 weeks ending with `monday` (a panel whose column the mart lacks is left out)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    weeks = _weeks(monday, 12)
    ticks = [week_label(w).split("-")[1] for w in weeks]
    panels = [
        (c, k)
        for c, k in (
            ("health_score", "chart_score"),
            ("active_members", "chart_active"),
            ("posts", "chart_posts"),
        )
        if c in df.columns
    ]
    with rc_context(style.rc()):
        fig = Figure(figsize=(6.4, 2.6), dpi=100)
        axes = fig.subplots(1, max(1, len(panels)), squeeze=False)[0]
        for ax, (column, title_key) in zip(axes, panels, strict=False):
            ax.set_title(style.t(title_key), fontsize=9, loc="left")
            _axes_style(ax)
            for i, (community, title, fallback) in enumerate(series):
                ax.plot(
                    range(len(weeks)),
                    _series(df, community, column, weeks),
                    marker="o",
                    markersize=2.5,
                    linewidth=2.0 if i == 0 else 1.2,
                    color=PALETTE[i % len(PALETTE)],
                    label=style.label(title, fallback),
                )
            shown = [i for i in range(len(weeks)) if (len(weeks) - 1 - i) % 4 == 0]
            ax.set_xticks(shown, [ticks[i] for i in shown])
            ax.set_ylim(bottom=0, top=100 if column == "health_score" else None)
        handles, labels = axes[0].get_legend_handles_labels()
        if handles:
            fig.legend(
                handles, labels, loc="lower center", ncol=min(len(labels), 4), frameon=False, fontsize=8
            )
        fig.subplots_adjust(left=0.06, right=0.98, top=0.88, bottom=0.26, wspace=0.28)
        return _png(fig)


def members_chart(df: pd.DataFrame, monday: dt.date, community: str, style: ChartStyle) -> bytes:
    """New (up) and left (down) members per week of `community`, with the net change as a line."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    weeks = _weeks(monday, 12)
    new = _series(df, community, "new_members", weeks)  # NaN before the first week with data: no bar
    left = _series(df, community, "left_members", weeks)
    xs = range(len(weeks))
    with rc_context(style.rc()):
        fig = Figure(figsize=(6.4, 2.2), dpi=100)
        ax = fig.subplots()
        _axes_style(ax)
        ax.bar(xs, new, color=GOOD, width=0.7, label=style.t("chart_new"))
        ax.bar(xs, [-v for v in left], color=BAD, width=0.7, label=style.t("chart_left"))
        ax.plot(
            xs,
            [a - b for a, b in zip(new, left, strict=True)],
            color="#1a202c",
            marker="o",
            markersize=2.5,
            linewidth=1.2,
            label=style.t("chart_net"),
        )
        ax.axhline(0, color="#4a5568", linewidth=0.6)
        ax.set_xticks(list(xs), [week_label(w).split("-")[1] for w in weeks])
        ax.set_title(style.t("chart_members"), fontsize=9, loc="left")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7, ncol=3)
        fig.subplots_adjust(left=0.07, right=0.98, top=0.86, bottom=0.14)
        return _png(fig)


def cohort_chart(cohorts: pd.DataFrame, community: str, style: ChartStyle) -> bytes | None:
    """Retention heatmap: one row per weekly cohort, one column per week since joining, the share still active."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    rows = cohorts[cohorts["community"] == community]
    if rows.empty:
        return None
    grid = rows.pivot_table(
        index="cohort_week", columns="weeks_since", values="retention_rate", aggfunc="first"
    )
    sizes = rows.groupby("cohort_week")["cohort_size"].first() if "cohort_size" in rows.columns else None
    grid = grid.sort_index()
    n_cols = int(max(grid.columns.max() + 1, 1)) if len(grid.columns) else 1
    grid = grid.reindex(columns=range(n_cols))
    values = grid.to_numpy(dtype="float64")
    with rc_context(style.rc()):
        fig = Figure(figsize=(6.4, 0.5 + 0.22 * len(grid) + 0.5), dpi=100)
        ax = fig.subplots()
        import numpy as np

        masked = np.ma.masked_invalid(values)
        ax.imshow(masked, cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(values):
            if not math.isnan(v):
                ax.text(
                    j,
                    i,
                    f"{v * 100:.0f}",
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if v > 0.55 else "#1a202c",
                )
        labels = []
        for w in grid.index:
            size = int(sizes.get(w)) if sizes is not None and not pd.isna(sizes.get(w)) else None
            labels.append(f"{week_label(w)}" + (f" ({size})" if size is not None else ""))
        ax.set_yticks(range(len(grid)), labels, fontsize=7)
        ax.set_xticks(range(n_cols), [str(c) for c in range(n_cols)], fontsize=7)
        ax.set_xlabel(style.t("chart_weeks_since"), fontsize=7)
        ax.set_title(style.t("chart_cohorts"), fontsize=9, loc="left")
        ax.tick_params(length=0)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        fig.subplots_adjust(
            left=0.2, right=0.99, top=1 - 0.45 / fig.get_figheight(), bottom=0.55 / fig.get_figheight()
        )
        return _png(fig)


def response_buckets(hours: pd.Series) -> list[int]:
    """Questions per RESPONSE_BUCKETS bucket of first-response hours, then the unanswered ones (NaN)."""
    values = pd.to_numeric(hours, errors="coerce")
    out = [int(((values >= lo) & (values < hi)).sum()) for lo, hi in RESPONSE_BUCKETS]
    return [*out, int(values.isna().sum())]


def response_chart(this_week: pd.Series, before: pd.Series, style: ChartStyle) -> bytes:
    """Share of questions per first-response bucket: this week, and the 4 weeks before for comparison."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    labels = ["<1h", "1-4h", "4-12h", "12-24h", "1-3d", ">3d", style.t("chart_unanswered")]
    now, then = response_buckets(this_week), response_buckets(before)
    share_now = [v / sum(now) if sum(now) else 0.0 for v in now]
    share_then = [v / sum(then) if sum(then) else 0.0 for v in then]
    xs = list(range(len(labels)))
    with rc_context(style.rc()):
        fig = Figure(figsize=(6.4, 2.2), dpi=100)
        ax = fig.subplots()
        _axes_style(ax)
        ax.bar(
            [x - 0.2 for x in xs],
            share_now,
            width=0.4,
            color=PALETTE[0],
            label=style.t("chart_this_week", n=sum(now)),
        )
        ax.bar(
            [x + 0.2 for x in xs],
            share_then,
            width=0.4,
            color=MUTED,
            label=style.t("chart_4_weeks_before", n=sum(then)),
        )
        for x, v, n in zip(xs, share_now, now, strict=True):
            if n:
                ax.text(x - 0.2, v, str(n), ha="center", va="bottom", fontsize=6.5)
        ax.set_xticks(xs, labels)
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v * 100:.0f}%")
        ax.set_title(style.t("chart_response"), fontsize=9, loc="left")
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7, ncol=2)
        fig.subplots_adjust(left=0.07, right=0.98, top=0.86, bottom=0.14)
        return _png(fig)
