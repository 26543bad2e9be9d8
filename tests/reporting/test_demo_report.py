"""The demo week's report end to end: a copy of the session's small demo (`pulse demo`, shared with
tests/pulse/test_pipeline.py), sent to a real SMTP server (aiosmtpd) on loopback, parsed back from what arrived,
and compared with the marts; then the HTML rendered by headless Chromium (Debian's `chromium`).

Set PULSE_WRITE_SCREENSHOT=1 to also write the English screenshot to docs/report-screenshot.png.
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import io
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import duckdb
import pytest

from pulse import steps
from pulse.cli import DEMO_ENV
from pulse.config import load_config
from pulse.testing.demo import WEEK, copy_demo
from pulse.testing.paths import REPO
from pulse.weeks import parse_week
from reporting.charts import packaged_font_files

MONDAY = parse_week(WEEK)
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE_RES = (
    re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),  # Chinese mobile
    re.compile(r"\+\d{1,3}[\s-]?\d[\d\s-]{6,}\d"),  # E.164 with a + sign
    re.compile(r"(?<!\d)\d{3}[\s-]\d{4}[\s-]\d{4}(?!\d)"),  # 138 0013 8000
)


@pytest.fixture(scope="module")
def demo(small_demo, tmp_path_factory):
    """The demo world's published warehouse, with two hostile posts added to this week's negative feedback."""
    tmp = tmp_path_factory.mktemp("demo_report")
    config_path = copy_demo(small_demo[0], tmp)  # a private copy: this module adds posts to its marts
    wh = tmp / "var" / "warehouse" / "pulse.duckdb"
    created = dt.datetime.combine(MONDAY + dt.timedelta(days=2), dt.time(3), dt.UTC)
    with duckdb.connect(str(wh)) as con:
        columns = {r[0] for r in con.execute("describe marts.fct_feedback").fetchall()}
        values = {
            "feedback_key": None,
            "platform": "discourse",
            "community": "brand_cn",
            "channel": "cn-feedback",
            "created_at": created,
            "created_week": MONDAY,
            "is_resolved": False,
            "sentiment_score": -0.99,  # the most negative: shown first
            "excerpt": None,
        }
        values = {k: v for k, v in values.items() if k in columns}
        for n, title in enumerate((XSS_SCRIPT, XSS_IMG)):
            row = {
                **values,
                "feedback_key": f"discourse:forum:xss{n}@brand_cn",
                "excerpt": f"{title} 太差了 mail evil.person@example.net 13912345678",
            }
            con.execute(
                f"insert into marts.fct_feedback ({', '.join(row)}) values ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
    for k, v in DEMO_ENV.items():
        os.environ.setdefault(k, v)
    config = load_config(config_path)
    return config, wh


@pytest.fixture(scope="module")
def mart_week(demo):
    """This week's rows of community_health_weekly (platform 'all' where the mart has platforms), by community."""
    _, wh = demo
    with duckdb.connect(str(wh), read_only=True) as con:
        df = con.execute("select * from marts.community_health_weekly where week_start = ?", [MONDAY]).df()
    if "platform" in df.columns:
        df = df[df["platform"] == "all"]
    return {row["community"]: row for row in df.to_dict("records")}


@pytest.fixture(scope="module")
def delivered(demo, tmp_path_factory):
    """Send the demo week to a real aiosmtpd on loopback; the parsed messages by recipient, and the result."""
    from aiosmtpd.controller import Controller

    config, _ = demo

    class Handler:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            self.envelopes.append(envelope)
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config.data["smtp"] = {
            "host": "127.0.0.1",
            "port": port,
            "security": "plain",
            "username": None,
            "password": None,
            "sender": "pulse@example.com",
            "timeout_seconds": 30,
        }
        first = steps.report(config, WEEK, send=True)
        again = steps.report(config, WEEK, send=True)
    finally:
        controller.stop()
    messages = {
        e.rcpt_tos[0]: email.message_from_bytes(e.original_content, policy=email.policy.default)
        for e in handler.envelopes
    }
    return messages, first, again, len(handler.envelopes)


def parts(msg):
    """(html, text, images by cid, csv text) of a received message."""
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    images = {
        p["Content-ID"].strip("<>"): p.get_content()
        for p in msg.walk()
        if p.get_content_maintype() == "image"
    }
    (attachment,) = list(msg.iter_attachments())
    return html, text, images, attachment


def test_one_email_per_stakeholder_once(delivered, demo):
    config, _ = demo
    messages, first, again, count = delivered
    assert sorted(messages) == sorted(s["email"] for s in config["stakeholders"])
    assert count == len(config["stakeholders"])  # the second run sent nothing
    assert all(r["status"] == "sent" for r in first["sent"])
    assert all(r["status"] == "skipped" for r in again["sent"])
    languages = {addr: msg["X-Pulse-Language"] for addr, msg in messages.items()}
    assert sorted(languages.values()) == ["en", "zh-CN"]
    for s in config["stakeholders"]:
        assert languages[s["email"]] == s["language"]


def test_subject_images_and_csv_match_the_mart(delivered, demo, mart_week):
    config, _ = demo
    messages, *_ = delivered
    for s in config["stakeholders"]:
        msg = messages[s["email"]]
        html, text, images, attachment = parts(msg)
        assert WEEK in msg["Subject"]
        followed = s.get("communities") or [c["name"] for c in config["communities"]]
        headline = followed[0] if len(followed) == 1 else "all"
        row = mart_week[headline]
        if row.get("health_score") is not None and row["health_score"] == row["health_score"]:
            assert f"{row['health_score']:.1f}" in msg["Subject"]
        # every image the HTML references arrived inline, and every inline image is referenced
        referenced = set(re.findall(r'src="cid:([^"]+)"', html))
        assert referenced and referenced == set(images)
        assert all(png.startswith(b"\x89PNG") for png in images.values())
        # the CSV: one row per community shown and metric, each value the mart's
        assert attachment.get_filename() == f"kpis-{WEEK}.csv" and attachment.get_content_type() == "text/csv"
        rows = list(csv.DictReader(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig"))))
        assert {r["community"] for r in rows} == {*followed, "all"}
        checked = 0
        for r in rows:
            value = mart_week[r["community"]][r["metric"]]
            if value is None or value != value:  # NULL in the mart: empty in the CSV
                assert r["value"] == ""
                continue
            assert float(r["value"]) == pytest.approx(float(value), abs=1e-4), r
            checked += 1
        assert checked >= 8
        active = int(mart_week[headline]["active_members"])
        assert f"{active:,}" in html and f"{active:,}" in text


def test_posts_escaped_and_no_personal_data_in_any_part(delivered):
    messages, *_ = delivered
    lead = next(m for m in messages.values() if m["X-Pulse-Language"] == "zh-CN")
    html, text, _, _ = parts(lead)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html.lower() and "<img src=x" not in html.lower()
    assert XSS_SCRIPT in text
    for msg in messages.values():
        html, text, _, attachment = parts(msg)
        for part in (html, text, attachment.get_payload(decode=True).decode("utf-8-sig")):
            assert not EMAIL_RE.search(part), EMAIL_RE.search(part)
            for pattern in PHONE_RES:
                assert not pattern.search(part), pattern.search(part)
        assert "evil.person" not in html and "13912345678" not in text


def _fontconfig(folder: Path) -> Path:
    """A fontconfig file: the system's fonts plus the packaged Noto Sans SC, so Chromium has Chinese glyphs."""
    dirs = "".join(f"<dir>{Path(f).parent}</dir>" for f in packaged_font_files())
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include>{dirs}'
        f"<cachedir>{folder / 'fc-cache'}</cachedir></fontconfig>"
    )
    return conf


def screenshot(html_file: Path, out: Path, width: int = 700) -> Path:
    """The archived report (its PNGs beside it) in headless Chromium, cropped below the last content row."""
    from PIL import Image

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    folder = html_file.parent
    page = folder / "view.html"
    page.write_text(re.sub(r'src="cid:([a-z]+)@[^"]+"', r'src="\1.png"', html_file.read_text()))
    raw = folder / "raw.png"
    proc = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--window-size={width},6000",
            f"--screenshot={raw}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FONTCONFIG_FILE": str(_fontconfig(folder)), "HOME": str(folder)},
    )
    assert proc.returncode == 0 and raw.exists(), proc.stderr[-2000:]
    image = Image.open(raw).convert("RGB")
    background = image.getpixel((2, image.height - 2))
    pixels = image.load()
    last = max(
        y for y in range(image.height) if any(pixels[x, y] != background for x in range(0, image.width, 4))
    )
    image.crop((0, 0, image.width, min(image.height, last + 24))).save(out, optimize=True)
    return out


@pytest.mark.skipif(
    not (shutil.which("chromium") or shutil.which("chromium-browser")),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)
def test_the_html_renders_in_headless_chromium(delivered, demo, tmp_path):
    from PIL import Image

    config, _ = demo
    shots = {}
    for language in ("en", "zh-CN"):
        html_file = next((config.reports_dir / WEEK / language).rglob("report.html"))
        shots[language] = screenshot(html_file, tmp_path / f"{language}.png")
        image = Image.open(shots[language]).convert("RGB")
        assert image.width == 700 and image.height > 2000  # the whole report, charts included
        # the charts loaded: the screenshot holds the blue of the trend lines (#1f4e79) somewhere
        colours = image.getcolors(maxcolors=1 << 20) or []
        assert (
            sum(
                n
                for n, c in colours
                if abs(c[0] - 0x1F) < 12 and abs(c[1] - 0x4E) < 12 and abs(c[2] - 0x79) < 12
            )
            > 200
        )
    assert shots["en"].read_bytes() != shots["zh-CN"].read_bytes()
    if os.environ.get("PULSE_WRITE_SCREENSHOT"):
        shutil.copyfile(shots["en"], REPO / "docs" / "report-screenshot.png")
