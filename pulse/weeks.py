"""ISO weeks (Monday to Sunday) in the business time zone, labelled `YYYY-Www` with the ISO year."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(label: str) -> dt.date:
    """The Monday of an ISO week label; a clear error for anything else (`2026-W47`, not `2026-47`)."""
    m = WEEK.match(label or "")
    if not m:
        raise ValueError(f"week {label!r}: expected YYYY-Www, e.g. 2026-W47")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"week {label!r}: {year} has no ISO week {week}") from None


def week_label(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(label: str, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the week as aware datetimes in the business time zone."""
    monday = parse_week(label)
    zone = ZoneInfo(tz)
    start = dt.datetime.combine(monday, dt.time(), tzinfo=zone)
    return start, start + dt.timedelta(days=7)


def latest_complete_week(tz: str, now: dt.datetime | None = None) -> str:
    """The last ISO week that has fully ended in the business time zone."""
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(ZoneInfo(tz)).date()
    this_monday = today - dt.timedelta(days=today.weekday())
    return week_label(this_monday - dt.timedelta(days=7))
