"""The "report delayed" note: what stakeholders get instead of the weekly report when its data is not ready.

Short, in the stakeholder's language, with the week and a plain reason (the data did not pass its quality checks,
or not all of the week's data has arrived); the technical detail goes to the data engineers' alert, not here. Sent
with the report's SMTP settings (`smtp` in pulse.yml, reporting.mailer), once per week and recipient: the sent log
is <reports_dir>/delayed.jsonl, so re-running or backfilling the week never sends a second note.
"""

from __future__ import annotations

import datetime as dt
import html
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from reporting.mailer import LANGUAGE_HEADER, SENDER_NAME, WEEK_HEADER, send_reports

DELAYED_LOG = "delayed.jsonl"
KIND_HEADER = "X-Pulse-Kind"

TEXT = {
    "zh-CN": {
        "subject": "【社群周报】{week} 周报延迟发送",
        "greeting": "您好{name}，",
        "body": "{week}（{start} 至 {end}）的社群周报暂缓发送：{reason}。",
        "quality": "最新数据未通过质量检查",
        "fresh": "本周数据尚未全部到齐",
        "other": "数据尚未准备好",
        "next": "数据团队已收到通知，正在处理；数据就绪后周报会照常发送给您，无需任何操作。",
        "sign": "Community Pulse",
    },
    "en": {
        "subject": "Community Pulse {week}: the weekly report is delayed",
        "greeting": "Hello{name},",
        "body": "The community report for {week} ({start} to {end}) is on hold: {reason}.",
        "quality": "the newest data did not pass its quality checks",
        "fresh": "not all of the week's data has arrived yet",
        "other": "its data is not ready yet",
        "next": "The data team has been alerted and is on it; the report will follow as usual once the data is "
        "ready. There is nothing you need to do.",
        "sign": "Community Pulse",
    },
}


def reason_kind(reasons: list[str]) -> str:
    """'quality' when the gate failed or has not run, 'fresh' when data is missing, else 'other'."""
    text = " ".join(reasons).lower()
    if "quality" in text:
        return "quality"
    if "loaded" in text or "no rows" in text or "published" in text:
        return "fresh"
    return "other"


def build_note(
    week: str, start: dt.date, end: dt.date, reasons: list[str], sender: str, stakeholder: dict[str, Any]
) -> EmailMessage:
    """The note for one stakeholder (`email`, `language`, optional `name`)."""
    language = stakeholder.get("language") if stakeholder.get("language") in TEXT else "en"
    t = TEXT[language]
    name = stakeholder.get("name") or ""
    if name:
        name = f" {name}" if language == "en" else name
    reason = t[reason_kind(reasons)]
    lines = [
        t["greeting"].format(name=name),
        "",
        t["body"].format(week=week, start=start.isoformat(), end=end.isoformat(), reason=reason),
        t["next"],
        "",
        f"-- {t['sign']}",
    ]
    msg = EmailMessage()
    msg["Subject"] = t["subject"].format(week=week)
    msg["From"] = formataddr((SENDER_NAME, sender))
    msg["To"] = stakeholder["email"]
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(idstring=f"pulse.delayed.{week}.{language}", domain=domain)
    msg[WEEK_HEADER] = week
    msg[LANGUAGE_HEADER] = language
    msg[KIND_HEADER] = "report-delayed"
    msg["Content-Language"] = language
    text = "\n".join(lines) + "\n"
    msg.set_content(text, charset="utf-8")
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    msg.add_alternative(
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"></head><body>{body}</body></html>',
        subtype="html",
        charset="utf-8",
    )
    return msg


def send_delay_notes(config: Any, week: str, reasons: list[str], send: bool = True) -> list[dict]:
    """Build (and with send, send) the note to every stakeholder of `config` (a pulse.config.Config). Returns
    reporting.mailer.send_reports' results (status 'sent' | 'skipped' | 'failed'), or the notes' recipients when
    not sending."""
    from pulse.weeks import parse_week

    monday = parse_week(week)
    sender = config["smtp"]["sender"] or "community-pulse@localhost"
    messages = [
        build_note(week, monday, monday + dt.timedelta(days=6), reasons, sender, s)
        for s in config["stakeholders"]
        if s.get("email")
    ]
    if not send:
        return [{"week": week, "recipient": str(m["To"]), "status": "not sent"} for m in messages]
    return send_reports(messages, config["smtp"], Path(config.reports_dir) / DELAYED_LOG)
