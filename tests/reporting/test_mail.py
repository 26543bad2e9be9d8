"""The MIME message, the archive on disk, and sending through a real SMTP server exactly once per week."""

from __future__ import annotations

import email
import email.policy
import json
import logging

import pytest

from reporting.archive import archive
from reporting.mailer import SendError, build_message, read_sent_log, send_reports
from reporting.render import TREND_CID, render_report
from reporting.weekly import build_weekly_reports

QUALITY = {"passed": True, "checked": True, "failed": [], "warnings": 0}
CONFIG = {
    "timezone": "Asia/Shanghai",
    "communities": [
        {"name": "brand_cn", "title": "品牌中文社区", "channels": ["forum:wen-da"]},
        {"name": "brand_global", "title": "Brand Global Community", "channels": ["forum:general"]},
    ],
    "stakeholders": [
        {"email": "lead@example.com", "name": "社群负责人", "language": "zh-CN", "communities": ["brand_cn"]},
        {
            "email": "marketing@example.com",
            "name": None,
            "language": "en",
            "communities": ["brand_cn", "brand_global"],
        },
    ],
}


@pytest.fixture
def rendered(mart_con):
    return render_report(
        mart_con,
        week="2026-W47",
        language="zh-CN",
        communities=["brand_cn"],
        titles={"brand_cn": "品牌中文社区"},
        quality=QUALITY,
        freshness=[],
        tz="Asia/Shanghai",
    )


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def check_structure(msg: email.message.EmailMessage, rendered) -> None:
    assert msg.get_content_type() == "multipart/mixed"
    related, attachment = msg.get_payload()
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "multipart/alternative"
    alternative, image = related.get_payload()
    plain, html = alternative.get_payload()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    crlf = str.maketrans({"\r": None})  # SMTP delivers CRLF line ends
    assert plain.get_content().translate(crlf) == rendered.text
    assert html.get_content().translate(crlf) == rendered.html
    assert f"cid:{TREND_CID}" in html.get_content()
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == f"<{TREND_CID}>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == rendered.images[TREND_CID]
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "kpis-2026-W47.csv"
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_payload(decode=True) == rendered.csv


def test_message_layout_and_utf8_subject(rendered):
    msg = build_message(rendered, "pulse@example.com", "lead@example.com")
    raw = msg.as_bytes()
    assert b"=?utf-8?" in raw.split(b"\n\n", 1)[0]  # the Chinese subject is RFC 2047 encoded
    back = parse(raw)
    assert back["Subject"] == rendered.subject == "【社群周报】2026-W47 · 活跃成员 143（+10.0%）"
    assert back["To"] == "lead@example.com"
    assert back["X-Pulse-Week"] == "2026-W47" and back["X-Pulse-Language"] == "zh-CN"
    assert back["Message-ID"].endswith("@example.com>")
    check_structure(back, rendered)


def test_archive_writes_every_file_and_overwrites(rendered, tmp_path):
    reports = tmp_path / "reports"
    paths = archive(rendered, reports, None)
    folder = reports / "2026-W47" / "zh-CN"
    assert paths["html"] == folder / "report.html"
    assert {p.name for p in folder.iterdir()} == {
        "report.html",
        "report.txt",
        "kpis.csv",
        "trend.png",
        "report.eml",
    }
    assert paths["csv"].read_bytes() == rendered.csv
    assert paths["image:trend"].read_bytes() == rendered.images[TREND_CID]
    check_structure(parse(paths["eml"].read_bytes()), rendered)
    again = archive(rendered, reports, None)
    assert again == paths
    assert {p.name for p in folder.iterdir()} == {
        "report.html",
        "report.txt",
        "kpis.csv",
        "trend.png",
        "report.eml",
    }
    mine = archive(rendered, reports, "Lead@Example.com")
    assert mine["html"] == folder / "lead@example.com" / "report.html"
    assert parse(mine["eml"].read_bytes())["To"] == "Lead@Example.com"


def test_weekly_reports_per_stakeholder_and_default(mart_con):
    out = build_weekly_reports(mart_con, CONFIG, "2026-W47", QUALITY, [])
    assert [(s["email"], r.language, r.communities) for s, r in out] == [
        ("lead@example.com", "zh-CN", ("brand_cn", "all")),
        ("marketing@example.com", "en", ("all", "brand_cn", "brand_global")),
    ]
    assert "品牌中文社区" in out[0][1].html
    default = build_weekly_reports(mart_con, {**CONFIG, "stakeholders": []}, "2026-W47", QUALITY, [])
    assert [(s["email"], r.language, r.communities) for s, r in default] == [
        (None, "en", ("all", "brand_cn", "brand_global")),
        (None, "zh-CN", ("all", "brand_cn", "brand_global")),
    ]


def test_send_once_per_week_and_recipient(smtp_server, rendered, tmp_path, caplog):
    smtp, handler = smtp_server
    smtp = {**smtp, "password": "s3cret-never-logged"}
    sent_log = tmp_path / "reports" / "sent.jsonl"
    msg = build_message(rendered, smtp["sender"], "lead@example.com")
    caplog.set_level(logging.DEBUG, logger="pulse")

    first = send_reports([msg], {**smtp, "username": None}, sent_log)
    assert [r["status"] for r in first] == ["sent"]
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.mail_from == "pulse@example.com" and envelope.rcpt_tos == ["lead@example.com"]
    arrived = parse(envelope.original_content)
    assert arrived["Subject"] == rendered.subject
    check_structure(arrived, rendered)

    entries = read_sent_log(sent_log)
    assert [(e["week"], e["recipient"], e["language"], e["message_id"]) for e in entries] == [
        ("2026-W47", "lead@example.com", "zh-CN", msg["Message-ID"])
    ]
    assert entries[0]["sent_at"]

    second = send_reports([build_message(rendered, smtp["sender"], "lead@example.com")], smtp, sent_log)
    assert [r["status"] for r in second] == ["skipped"]
    assert len(handler.envelopes) == 1

    forced = send_reports(
        [build_message(rendered, smtp["sender"], "lead@example.com")], smtp, sent_log, force=True
    )
    assert [r["status"] for r in forced] == ["sent"]
    assert len(handler.envelopes) == 2 and len(read_sent_log(sent_log)) == 2

    other = send_reports([build_message(rendered, smtp["sender"], "other@example.com")], smtp, sent_log)
    assert [r["status"] for r in other] == ["sent"] and len(handler.envelopes) == 3

    assert "s3cret" not in caplog.text
    assert "s3cret" not in sent_log.read_text()
    assert all("s3cret" not in json.dumps(r) for r in first + second + forced + other)


def test_unreachable_server_is_a_clear_error_without_the_password(rendered, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    smtp = {
        "host": "127.0.0.1",
        "port": port,
        "security": "plain",
        "username": "u",
        "password": "s3cret",
        "sender": "pulse@example.com",
        "timeout_seconds": 2,
    }
    msg = build_message(rendered, smtp["sender"], "lead@example.com")
    with pytest.raises(SendError, match=rf"SMTP 127.0.0.1:{port} \(plain\)") as info:
        send_reports([msg], smtp, tmp_path / "sent.jsonl")
    assert "s3cret" not in str(info.value)
    assert not (tmp_path / "sent.jsonl").exists()


def test_security_modes_pick_the_right_client(monkeypatch, rendered, tmp_path):
    import reporting.mailer as mailer

    calls = []

    class FakeSMTP:
        def __init__(self, host, port, timeout=None, context=None):
            calls.append((type(self).__name__, host, port))

        def ehlo(self):
            pass

        def starttls(self, context=None):
            calls.append(("starttls",))

        def login(self, user, password):
            calls.append(("login", user))

        def send_message(self, msg, from_addr=None, to_addrs=None):
            calls.append(("send", to_addrs))

        def quit(self):
            pass

        def close(self):
            pass

    class SMTP_SSL(FakeSMTP):  # noqa: N801 - mirrors smtplib's name
        pass

    monkeypatch.setattr(mailer.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(mailer.smtplib, "SMTP_SSL", SMTP_SSL)
    base = {
        "host": "mail.example.com",
        "username": "u",
        "password": "p",
        "sender": "pulse@example.com",
        "timeout_seconds": 5,
    }
    for security, port in (("ssl", 465), ("starttls", 587)):
        calls.clear()
        msg = build_message(rendered, base["sender"], "lead@example.com")
        send_reports([msg], {**base, "security": security, "port": port}, tmp_path / f"{security}.jsonl")
        if security == "ssl":
            assert calls[0] == ("SMTP_SSL", "mail.example.com", 465) and ("starttls",) not in calls
        else:
            assert calls[0] == ("FakeSMTP", "mail.example.com", 587) and ("starttls",) in calls
        assert ("login", "u") in calls and ("send", ["lead@example.com"]) in calls
