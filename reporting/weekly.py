"""One rendered report per stakeholder, from the validated config dict."""

from __future__ import annotations

import logging
from typing import Any

from pulse.weeks import parse_week
from reporting.data import load_report_data
from reporting.i18n import LANGUAGES
from reporting.render import Rendered, render_report

log = logging.getLogger("pulse.reporting")


def _titles(config_data: dict) -> dict[str, str]:
    return {c["name"]: (c.get("title") or c["name"]) for c in config_data.get("communities") or []}


def build_weekly_reports(
    con: Any, config_data: dict, week: str, quality: dict, freshness: list[dict]
) -> list[tuple[dict, Rendered]]:
    """(stakeholder, Rendered) for each configured stakeholder, in their language and communities.

    With no stakeholders, two renderings of every community (English and Chinese) with the stakeholder
    `{"email": None, "name": None, "language": ..., "communities": [...]}`, so `pulse report` still writes files.
    Stakeholders with the same language and communities share one rendering. The marts are read once for all of
    them, and a chart that two renderings share is drawn once.
    """
    titles = _titles(config_data)
    every = sorted(titles)
    tz = config_data.get("timezone") or "Asia/Shanghai"
    stakeholders = list(config_data.get("stakeholders") or [])
    if not stakeholders:
        stakeholders = [
            {"email": None, "name": None, "language": language, "communities": every}
            for language in ("en", "zh-CN")
            if language in LANGUAGES
        ]
    wanted = {c for s in stakeholders for c in (s.get("communities") or every)}
    data = load_report_data(con, parse_week(week), sorted(wanted), tz)
    charts: dict = {}
    cache: dict[tuple[str, tuple[str, ...]], Rendered] = {}
    out = []
    for s in stakeholders:
        language = s.get("language") or "zh-CN"
        communities = tuple(s.get("communities") or every)
        key = (language, communities)
        if key not in cache:
            cache[key] = render_report(
                con,
                week=week,
                language=language,
                communities=list(communities),
                titles=titles,
                quality=quality,
                freshness=freshness,
                tz=tz,
                data=data,
                chart_cache=charts,
            )
        out.append((s, cache[key]))
    log.info("weekly reports week=%s stakeholders=%d renderings=%d", week, len(out), len(cache))
    return out
