"""The MIME message, the archive on disk, and sending through a real SMTP server (plain, STARTTLS and SSL, with
login) exactly once per week."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import logging
import ssl

import pytest

from pulse.testing.servers import free_port, smtp_server
from reporting.archive import archive
from reporting.mailer import SendError, build_message, read_sent_log, send_reports
from reporting.render import CIDS, render_report
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
    alternative, *images = related.get_payload()
    plain, html = alternative.get_payload()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    crlf = str.maketrans({"\r": None})  # SMTP delivers CRLF line ends
    assert plain.get_content().translate(crlf) == rendered.text
    assert html.get_content().translate(crlf) == rendered.html
    assert len(images) == len(rendered.images) == len(CIDS)
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f"cid:{cid}" in html.get_content()
        assert image.get_content_type() == "image/png"
        assert image.get_content_disposition() == "inline"
        assert image.get_content() == rendered.images[cid]
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "kpis-2026-W47.csv"
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_payload(decode=True) == rendered.csv


def test_message_layout_and_utf8_subject(rendered):
    msg = build_message(rendered, "pulse@example.com", "lead@example.com")
    raw = msg.as_bytes()
    assert b"=?utf-8?" in raw.split(b"\n\n", 1)[0]  # the Chinese subject is RFC 2047 encoded
    back = parse(raw)
    assert back["Subject"] == rendered.subject and back["Subject"].startswith(
        "【社群周报】2026-W47 · 健康分 "
    )
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
        "members.png",
        "cohorts.png",
        "response.png",
        "report.eml",
    }
    assert paths["csv"].read_bytes() == rendered.csv
    for cid in CIDS:
        assert paths[f"image:{cid.split('@')[0]}"].read_bytes() == rendered.images[cid]
    check_structure(parse(paths["eml"].read_bytes()), rendered)
    again = archive(rendered, reports, None)
    assert again == paths
    assert {p.name for p in folder.iterdir()} == {
        "report.html",
        "report.txt",
        "kpis.csv",
        "trend.png",
        "members.png",
        "cohorts.png",
        "response.png",
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
    port = free_port()  # nothing listens there
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


def _certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1: (cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login_against_a_real_server(security, rendered, tmp_path, monkeypatch):
    """aiosmtpd with a self-signed certificate the client trusts (SSL_CERT_FILE), a login it checks, and for
    STARTTLS a server that refuses mail and login before the upgrade."""
    from aiosmtpd.smtp import AuthResult

    cert_file, key_file = _certificate(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert_file, key_file)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, server.transport.get_extra_info("ssl_object") is not None))
        ok = auth_data.login == b"pulse" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 on failure

    kwargs = {"authenticator": authenticator}
    if security == "ssl":  # the whole connection is TLS (aiosmtpd's auth_require_tls only knows STARTTLS)
        kwargs.update(ssl_context=server_ctx, auth_require_tls=False)
    else:
        kwargs.update(tls_context=server_ctx, require_starttls=True, auth_require_tls=True)
    with smtp_server(**kwargs) as (port, handler):
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        smtp = {
            "host": "127.0.0.1",
            "port": port,
            "security": security,
            "username": "pulse",
            "password": "s3cret",
            "sender": "pulse@example.com",
            "timeout_seconds": 10,
        }
        msg = build_message(rendered, smtp["sender"], "lead@example.com")
        out = send_reports([msg], smtp, tmp_path / "sent.jsonl")
        assert [r["status"] for r in out] == ["sent"]
        assert len(handler.envelopes) == 1 and handler.envelopes[0].rcpt_tos == ["lead@example.com"]
        check_structure(parse(handler.envelopes[0].original_content), rendered)
        assert logins and all(encrypted for _, _, encrypted in logins)  # the password only went over TLS

        wrong = {**smtp, "password": "wrong-s3cret"}
        with pytest.raises(SendError, match="rejected the login") as info:
            send_reports(
                [build_message(rendered, smtp["sender"], "b@example.com")], wrong, tmp_path / "b.jsonl"
            )
        assert "wrong-s3cret" not in str(info.value)

        other = tmp_path / "other"
        other.mkdir()
        untrusted = _certificate(other)[0]
        monkeypatch.setenv("SSL_CERT_FILE", str(untrusted))  # a certificate the client does not trust
        with pytest.raises(SendError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            send_reports(
                [build_message(rendered, smtp["sender"], "c@example.com")], smtp, tmp_path / "c.jsonl"
            )
        assert len(handler.envelopes) == 1
