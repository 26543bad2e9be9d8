"""Build the report's MIME message and send it over SMTP, once per week and recipient.

Message layout (what mail clients render best):

    multipart/mixed
      multipart/related
        multipart/alternative
          text/plain   (UTF-8)
          text/html    (UTF-8, images by cid:)
        image/png      (inline, Content-ID; one per chart: trend, members, cohorts, response)
      text/csv         (attachment kpis-<week>.csv)

`send_reports` keeps a JSON-lines sent log (week, recipient, language, message_id, sent_at): a week already sent
to a recipient is skipped unless force=True. Passwords are never logged, and log lines carry no addresses.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

from reporting.render import Rendered

log = logging.getLogger("pulse.reporting.mail")

SENDER_NAME = "Community Pulse"
WEEK_HEADER = "X-Pulse-Week"
LANGUAGE_HEADER = "X-Pulse-Language"


class SendError(RuntimeError):
    """Sending failed. `results` holds what happened to every message (sent ones are in the sent log)."""

    def __init__(self, message: str, results: list[dict] | None = None):
        super().__init__(message)
        self.results = results or []


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def build_message(rendered: Rendered, sender: str, recipient: str | None) -> EmailMessage:
    """The full MIME message of one rendered report (recipient None: no To header, e.g. for the archive)."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject  # non-ASCII is RFC 2047 encoded (UTF-8) by the default policy
    msg["From"] = formataddr((SENDER_NAME, sender))
    if recipient:
        msg["To"] = recipient
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(
        idstring=f"pulse.{rendered.week}.{rendered.language}", domain=_domain(sender)
    )
    msg["MIME-Version"] = "1.0"
    msg[WEEK_HEADER] = rendered.week
    msg[LANGUAGE_HEADER] = rendered.language

    # email.message refuses to wrap an alternative in a related part, so the tree is assembled by hand
    body = MIMEPart()
    body.set_content(rendered.text, subtype="plain", charset="utf-8")
    body.add_alternative(rendered.html, subtype="html", charset="utf-8")
    if rendered.images:
        related = MIMEPart()
        related.make_related()
        related.set_param("type", "multipart/alternative")
        related.attach(body)
        for cid, png in rendered.images.items():
            image = MIMEPart()
            image.set_content(
                png,
                maintype="image",
                subtype="png",
                cid=f"<{cid}>",
                disposition="inline",
                filename=f"{cid.split('@')[0]}.png",
            )
            related.attach(image)
        body = related
    attachment = MIMEPart()
    attachment.set_content(
        rendered.csv,
        maintype="text",
        subtype="csv",
        disposition="attachment",
        filename=rendered.csv_name,
        params={"charset": "utf-8"},
    )
    msg.make_mixed()  # before any Content-* header: make_mixed would move those into a part of their own
    msg["Content-Language"] = rendered.language
    msg.attach(body)
    msg.attach(attachment)
    return msg


def read_sent_log(sent_log: Path) -> list[dict]:
    """Every entry of the sent log; unreadable lines are skipped with a warning."""
    if not sent_log.exists():
        return []
    out = []
    for n, line in enumerate(sent_log.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            log.warning("sent log %s line %d is not JSON; ignored", sent_log, n)
    return out


def _append(sent_log: Path, entry: dict) -> None:
    sent_log.parent.mkdir(parents=True, exist_ok=True)
    with open(sent_log, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _connect(smtp: dict) -> smtplib.SMTP:
    host, port = smtp.get("host"), int(smtp.get("port") or 587)
    security = smtp.get("security") or "starttls"
    timeout = float(smtp.get("timeout_seconds") or 30.0)
    if not host:
        raise SendError("smtp.host is not set; cannot send")
    if security not in ("ssl", "starttls", "plain"):
        raise SendError(f"smtp.security {security!r}: expected ssl, starttls or plain")
    try:
        if security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        try:
            server.ehlo()
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if smtp.get("username"):
                server.login(smtp["username"], smtp.get("password") or "")
        except BaseException:
            server.close()
            raise
    except smtplib.SMTPAuthenticationError as e:
        raise SendError(
            f"SMTP {host}:{port} rejected the login of smtp.username (code {e.smtp_code}); check the credentials"
        ) from None
    except (OSError, smtplib.SMTPException) as e:
        raise SendError(f"SMTP {host}:{port} ({security}): {type(e).__name__}: {e}") from None
    return server


def send_reports(
    messages: Iterable[EmailMessage], smtp: dict, sent_log: Path, force: bool = False
) -> list[dict]:
    """Send each message (built by `build_message`) unless its week already went to its recipient.

    smtp: the config's `smtp` dict (host, port, security 'ssl'|'starttls'|'plain', username, password, sender,
    timeout_seconds). Returns one dict per message: week, recipient, language, message_id, status
    ('sent'|'skipped'|'failed'), sent_at, error. Every sent message is appended to `sent_log` at once, so a
    crash half-way never resends. Raises SendError when the server cannot be reached or a message failed.
    """
    sent_log = Path(sent_log)
    messages = list(messages)
    done = {(e.get("week"), str(e.get("recipient", "")).lower()) for e in read_sent_log(sent_log)}
    results: list[dict[str, Any]] = []
    todo: list[tuple[EmailMessage, dict]] = []
    for msg in messages:
        recipient = str(msg["To"] or "")
        entry = {
            "week": msg[WEEK_HEADER],
            "recipient": recipient,
            "language": msg[LANGUAGE_HEADER],
            "message_id": msg["Message-ID"],
        }
        if not recipient:
            raise SendError(f"message {entry['message_id']} for week {entry['week']} has no To address")
        if not force and (entry["week"], recipient.lower()) in done:
            results.append({**entry, "status": "skipped", "sent_at": None, "error": None})
            log.info("report already sent week=%s language=%s; skipped", entry["week"], entry["language"])
            continue
        todo.append((msg, entry))
    if not todo:
        return results
    sender = smtp.get("sender") or ""
    failed = 0
    server = _connect(smtp)
    try:
        for msg, entry in todo:
            try:
                server.send_message(msg, from_addr=sender or None, to_addrs=[entry["recipient"]])
            except (OSError, smtplib.SMTPException) as e:
                failed += 1
                results.append(
                    {**entry, "status": "failed", "sent_at": None, "error": f"{type(e).__name__}: {e}"}
                )
                log.error("report not sent week=%s message_id=%s: %s", entry["week"], entry["message_id"], e)
                continue
            sent_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            _append(sent_log, {**entry, "sent_at": sent_at})
            results.append({**entry, "status": "sent", "sent_at": sent_at, "error": None})
            log.info(
                "report sent week=%s language=%s message_id=%s",
                entry["week"],
                entry["language"],
                entry["message_id"],
            )
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    if failed:
        raise SendError(f"{failed} of {len(todo)} report message(s) could not be sent; see results", results)
    return results
