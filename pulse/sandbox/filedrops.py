"""The sandbox's file drops: what the shops and the event team export by hand, written into a folder from the
World's `offline_pos_orders` and `offline_checkins`, the way such exports really look.

    manifest = write_drops(world, Path("var/drops"))
    # a `files` source reading them: base_url file:///.../var/drops, options = DROP_OPTIONS

| stream | files | what |
|---|---|---|
| `pos_orders` | `pos_SH01_<ISO week>.csv` (GBK, CRLF, Chinese headers, one per week) and `pos_HZ02_export.csv` (UTF-8 with BOM, `2025/10/13 10:22` times, `¥` amounts) | the two shops' POS exports; a free-text 备注 column (commas, quotes, line breaks) that is not mapped |
| `checkins_cn` | `checkins_cn_export.jsonl` (UTF-8, nested objects) | the mini-program sign-in tool of the Chinese community's events |
| `checkins_global` | `checkins_global.xlsx` (sheet "Check-ins", datetime cells in UTC) | the global events' ticketing export |
| `members` | `members_export.csv` (UTF-8 with BOM, Chinese headers, local times) | the membership center's member list with the accounts each member bound (kind `member_bindings`) |
| `campaigns` | `campaigns.csv` (UTF-8 with BOM, local times) | the marketing calendar: one row per campaign with its coupon code, UTM tag, holdout share, target segment and launch event (kind `campaigns`) |
| `campaign_audience` | `audience_export.csv` (UTF-8) | the CRM's audience export: per campaign, every member (member number) of its community in the `treatment` or the `holdout` group; persons without a member number are not in the CRM and left out (kind `campaign_audience`). With `ab_test=<campaign id>` that campaign is an A/B test: its treatment is split into `variant_a` and `variant_b` as the world split its persons (`campaign_variant_b`; generate_world's `variant_b_lift` gives variant_b a different order lift on the first campaign, else both arms work the same) |

Deliberately broken rows (`broken=True`, the default), each of which the `files` connector quarantines with its
reason: a POS row with a field missing, one with bytes that are not GBK, one without an order number, one whose
amount is `12O.00`; a UTF-8 POS row whose time is `明天`; a truncated JSON line and one without its id; a
spreadsheet row without a ticket id and one checked in at `TBD`; a member-list row without a member number; a
planned campaign whose cost is `TBD`. They
are extra rows (their keys are not in the World), so every World record is in the files exactly once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from pulse.sandbox.tables import World
from pulse.sandbox.world import campaign_exposure, campaign_variant_b
from pulse.sandbox.worlds.membership import member_no

# the world tables write_drops reads (a caller holding only some of the world reads these)
TABLES = ("offline_pos_orders", "offline_checkins", "member_bindings", "campaigns", "persons")
POS_HEADERS = (
    "订单编号",
    "门店",
    "付款时间",
    "实付金额",
    "件数",
    "手机号",
    "会员卡号",
    "支付方式",
    "收银员",
    "备注",
)
XLSX_HEADERS = ("Ticket ID", "Event", "City", "Attendee", "Email", "Phone", "Checked In At (UTC)")
NOTES = (
    "",
    "",
    "",
    "",
    "",
    "顾客要求分开包装",
    '送人，写"生日快乐"',
    "会员日, 9折",
    "发票抬头：\n上海某某公司",
)

# The options of a `files` source that reads these drops (pulse.yml: options: ...).
DROP_OPTIONS = {
    "streams": {
        "pos_orders": {
            "pattern": "pos_*.csv",
            "format": "csv",
            "encoding": "auto",
            "primary_key": "order_no",
            "kind": "pos_orders",
            "columns": {
                "order_no": "订单编号",
                "store": "门店",
                "paid_at": {"header": "付款时间", "type": "datetime"},
                "amount": {"header": "实付金额", "type": "decimal"},
                "items": {"header": "件数", "type": "int"},
                "phone": "手机号",
                "member_card": "会员卡号",
                "payment_method": "支付方式",
            },
        },
        "checkins_cn": {
            "pattern": "checkins_cn_*.jsonl",
            "format": "jsonl",
            "primary_key": "checkin_id",
            "kind": "event_checkins",
            "columns": {
                "checkin_id": "signin_id",
                "event_id": "activity.id",
                "event": "activity.name",
                "city": "activity.city",
                "name": "user.name",
                "phone": "user.mobile",
                "email": "user.email",
                "checked_in_at": {"header": "signin_time", "type": "datetime"},
            },
        },
        "checkins_global": {
            "pattern": "checkins_global*.xlsx",
            "format": "xlsx",
            "sheet": "Check-ins",
            "primary_key": "checkin_id",
            "kind": "event_checkins",
            "columns": {
                "checkin_id": "Ticket ID",
                "event": "Event",
                "city": "City",
                "name": "Attendee",
                "email": "Email",
                "phone": "Phone",
                "checked_in_at": {"header": "Checked In At (UTC)", "type": "datetime"},
            },
        },
        "campaigns": {
            "pattern": "campaigns*.csv",
            "format": "csv",
            "primary_key": "campaign_id",
            "kind": "campaigns",
            "columns": {
                "campaign_id": "Campaign ID",
                "name": "Campaign",
                "community": "Community",
                "channel": "Channel",
                "start_at": {"header": "Start (local)", "type": "datetime"},
                "end_at": {"header": "End (local)", "type": "datetime"},
                "cost": {"header": "Cost (CNY)", "type": "decimal"},
                "coupon_code": "Coupon code",
                "utm_campaign": "UTM campaign",
                "holdout_share": {"header": "Holdout share", "type": "decimal"},
                "target_segment": "Target segment",
                "event_name": "Launch event",
            },
        },
        "campaign_audience": {
            "pattern": "audience_*.csv",
            "format": "csv",
            "primary_key": "entry_id",
            "kind": "campaign_audience",
            "columns": {
                "entry_id": "entry_id",
                "campaign_id": "campaign_id",
                "member_no": "member_no",
                "group": "group",
            },
        },
        "members": {
            "pattern": "members_*.csv",
            "format": "csv",
            "encoding": "auto",
            "primary_key": "member_no",
            "kind": "member_bindings",
            "columns": {
                "member_no": "会员卡号",
                "phone": "手机号",
                "email": "邮箱",
                "unionid": "微信UnionID",
                "forum_user_id": {"header": "论坛用户ID", "type": "int"},
                "discord_user_id": "Discord ID",
                "reddit_username": "Reddit用户名",
                "registered_at": {"header": "注册时间", "type": "datetime"},
            },
        },
    }
}
MEMBER_HEADERS = (
    "会员卡号",
    "手机号",
    "邮箱",
    "微信UnionID",
    "论坛用户ID",
    "Discord ID",
    "Reddit用户名",
    "注册时间",
    "会员等级",
)
CAMPAIGN_HEADERS = (
    "Campaign ID",
    "Campaign",
    "Community",
    "Channel",
    "Start (local)",
    "End (local)",
    "Cost (CNY)",
    "Coupon code",
    "UTM campaign",
    "Holdout share",
    "Target segment",
    "Launch event",
)
AUDIENCE_HEADERS = ("entry_id", "campaign_id", "member_no", "group")


@dataclass
class DropManifest:
    """What was written: per stream its files, the World keys in them, and the broken rows added."""

    folder: Path
    files: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[str, list[str]] = field(default_factory=dict)
    broken: dict[str, int] = field(default_factory=dict)


def _local(series: pd.Series, fmt: str, hours: int = 8) -> list[str]:
    shifted = pd.Series(series.to_numpy(dtype="datetime64[us]")) + pd.Timedelta(hours=hours)
    return shifted.dt.strftime(fmt).tolist()


def _csv_text(header: tuple[str, ...], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _opt(value) -> str:
    return (
        "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)
    )


def _pos_rows(pos: pd.DataFrame, time_fmt: str, yuan_sign: bool) -> list[list[str]]:
    times = _local(pos["paid_at"], time_fmt)
    rows = []
    for i, r in enumerate(pos.itertuples(index=False)):
        amount = f"{Decimal(r.amount):.2f}"
        rows.append(
            [
                r.order_no,
                r.store_name,
                times[i],
                f"¥{amount}" if yuan_sign else amount,
                str(r.items),
                _opt(r.phone),
                _opt(r.member_card),
                r.payment_method,
                r.cashier,
                NOTES[int(r.order_no[-4:]) % len(NOTES)],
            ]
        )
    return rows


def write_drops(world: World, folder: Path, broken: bool = True, ab_test: str | None = None) -> DropManifest:
    """Write the World's offline exports into `folder` (created if needed); return what was written. `ab_test`: a
    campaign id whose treatment the audience export splits into two variants (none by default)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    m = DropManifest(folder)
    pos = world["offline_pos_orders"].sort_values(["paid_at", "order_no"], kind="stable")
    checkins = world["offline_checkins"].sort_values(["checked_in_at", "checkin_id"], kind="stable")

    # SH01: the old POS, one GBK file per ISO week (Excel on a Chinese Windows desktop)
    sh = pos[pos["store_code"] == "SH01"]
    week = [
        f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}"
        for d in pd.to_datetime(_local(sh["paid_at"], "%Y-%m-%d"))
    ]
    files = []
    first = True
    for label in sorted(set(week)):
        part = sh[np.asarray(week) == label]
        rows = _pos_rows(part, "%Y-%m-%d %H:%M:%S", yuan_sign=False)
        raw = _csv_text(POS_HEADERS, rows).encode("gbk", errors="replace")
        if broken and first:
            bad = [
                "SH01-BAD-0001,上海旗舰店,2025-10-13 12:00:00,88.00,1,13800000000,,微信支付\r\n",  # fields missing
                "SH01-BAD-0002,上海旗舰店,2025-10-13 12:01:00,88.00,1,,,微信支付,",  # then bytes that are not GBK
                ",上海旗舰店,2025-10-13 12:02:00,88.00,1,,,现金,小鹿,\r\n",  # no order number
                "SH01-BAD-0004,上海旗舰店,2025-10-13 12:03:00,12O.00,1,,,现金,小鹿,\r\n",  # amount 12O.00
            ]
            lines = [b.encode("gbk") for b in bad]
            lines[1] += b"\xff\xfe\xff\r\n"
            raw += b"".join(lines)
            m.broken["pos_orders"] = m.broken.get("pos_orders", 0) + 4
            first = False
        name = f"pos_SH01_{label}.csv"
        (folder / name).write_bytes(raw)
        files.append(name)
    # HZ02: a newer POS, one UTF-8-with-BOM export of everything, other time and amount formats
    hz = pos[pos["store_code"] == "HZ02"]
    text = _csv_text(POS_HEADERS, _pos_rows(hz, "%Y/%m/%d %H:%M", yuan_sign=True))
    if broken:
        text += "HZ02-BAD-0001,杭州西湖店,明天,¥88.00,1,,,支付宝,阿茗,\r\n"
        m.broken["pos_orders"] = m.broken.get("pos_orders", 0) + 1
    (folder / "pos_HZ02_export.csv").write_bytes(text.encode("utf-8-sig"))
    files.append("pos_HZ02_export.csv")
    m.files["pos_orders"] = files
    m.keys["pos_orders"] = pos["order_no"].tolist()

    # the Chinese community's sign-in tool: JSON lines with nested objects
    cn = checkins[checkins["community"] == "brand_cn"]
    times = _local(cn["checked_in_at"], "%Y-%m-%d %H:%M:%S")
    lines = []
    for i, r in enumerate(cn.itertuples(index=False)):
        record = {
            "signin_id": r.checkin_id,
            "activity": {"id": r.event_id, "name": r.event_name, "city": r.city},
            "user": {"name": r.name, "mobile": _opt(r.phone) or None, "email": _opt(r.email) or None},
            "signin_time": times[i],
            "source": "miniprogram",
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    if broken:
        lines.insert(min(3, len(lines)), '{"signin_id": "QD999-0001", "activity": {"id": "EV0')  # cut off
        lines.append(
            json.dumps(
                {"activity": {"id": "EV999"}, "user": {"name": "无名"}, "signin_time": "2025-10-18 14:00:00"}
            )
        )
        m.broken["checkins_cn"] = 2
    (folder / "checkins_cn_export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    m.files["checkins_cn"] = ["checkins_cn_export.jsonl"]
    m.keys["checkins_cn"] = cn["checkin_id"].tolist()

    # the global events' ticketing export: a spreadsheet
    from openpyxl import Workbook

    gl = checkins[checkins["community"] == "brand_global"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Check-ins"
    ws.append(list(XLSX_HEADERS))
    for r in gl.itertuples(index=False):
        when = pd.Timestamp(r.checked_in_at).to_pydatetime().replace(microsecond=0)
        ws.append(
            [r.checkin_id, r.event_name, r.city, r.name, _opt(r.email) or None, _opt(r.phone) or None, when]
        )
    if broken:
        ws.append(
            [
                None,
                "Tea tasting night, London",
                "London",
                "Walk-in guest",
                None,
                None,
                dt.datetime(2025, 10, 18, 14),
            ]
        )
        ws.append(
            [
                "T999999999",
                "Tea tasting night, London",
                "London",
                "Late guest",
                "late@example.com",
                None,
                "TBD",
            ]
        )
        m.broken["checkins_global"] = 2
    wb.properties.created = wb.properties.modified = dt.datetime(2026, 1, 5)
    buf = io.BytesIO()
    wb.save(buf)
    (folder / "checkins_global.xlsx").write_bytes(buf.getvalue())
    m.files["checkins_global"] = ["checkins_global.xlsx"]
    m.keys["checkins_global"] = gl["checkin_id"].tolist()

    # the membership center's member list (its CRM's CSV export), with the accounts each member bound
    if "member_bindings" in world.tables:
        members = world["member_bindings"]
        times = _local(members["registered_at"], "%Y-%m-%d %H:%M:%S")
        rows = [
            [*(_opt(v) for v in r[:7]), times[i], "普通会员"]
            for i, r in enumerate(members.itertuples(index=False))
        ]
        if broken:  # a member the CRM exported before the number was assigned
            rows.insert(
                min(5, len(rows)), ["", "13800000000", "", "", "", "", "", "2025-10-13 12:00:00", "普通会员"]
            )
            m.broken["members"] = 1
        (folder / "members_export.csv").write_bytes(_csv_text(MEMBER_HEADERS, rows).encode("utf-8-sig"))
        m.files["members"] = ["members_export.csv"]
        m.keys["members"] = members["member_no"].tolist()

    # the marketing calendar; a campaign's launch event is named the way the event team names it (stores._offline)
    if "campaigns" in world.tables:
        cmp = world["campaigns"]
        starts = _local(cmp["start_at"], "%Y-%m-%d %H:%M")
        ends = _local(cmp["end_at"], "%Y-%m-%d %H:%M")
        rows = [
            [
                c.campaign_id,
                c.name,
                c.community,
                c.channel,
                starts[i],
                ends[i],
                f"{Decimal(c.cost):.2f}",
                _opt(c.coupon_code),
                _opt(c.utm_campaign),
                f"{c.holdout_share:.2f}",
                "all members",
                f"{c.name} 线下活动" if c.community == "brand_cn" else f"{c.name} launch party",
            ]
            for i, c in enumerate(cmp.itertuples(index=False))
        ]
        if broken:  # a planned campaign without a budget yet
            rows.append(
                ["cmp-99", "中秋礼盒", "brand_cn", "wechat", "2026-09-20 00:00", "2026-10-01 00:00", "TBD"]
                + ["", "", "0.20", "all members", ""]
            )
            m.broken["campaigns"] = 1
        (folder / "campaigns.csv").write_bytes(_csv_text(CAMPAIGN_HEADERS, rows).encode("utf-8-sig"))
        m.files["campaigns"] = ["campaigns.csv"]
        m.keys["campaigns"] = cmp["campaign_id"].tolist()

    # the CRM's audience export: the members (by member number) of each campaign's community and their group
    if "campaigns" in world.tables and "member_bindings" in world.tables and len(world["campaigns"]):
        exp = campaign_exposure(world)
        exp["member_no"] = member_no(exp["person_id"].to_numpy())
        exp = exp[exp["member_no"].isin(set(world["member_bindings"]["member_no"]))]
        exp = exp.sort_values(["campaign_id", "member_no"], kind="stable")
        entry = (exp["campaign_id"] + "-" + exp["member_no"]).tolist()
        group = np.where(exp["exposed"].to_numpy(dtype=bool), "treatment", "holdout").astype(object)
        if ab_test is not None:  # the A/B test's treatment: the world's variant_a / variant_b
            split = (exp["campaign_id"] == ab_test).to_numpy() & (group == "treatment")
            if not split.any():
                raise ValueError(f"ab_test={ab_test!r}: no campaign of that id has a treatment group")
            number = int(ab_test.rsplit("-", 1)[1])
            b = campaign_variant_b(int(world.meta["seed"]), number, exp["person_id"].to_numpy()[split])
            group[split] = np.where(b, "variant_b", "variant_a")
        rows = [list(r) for r in zip(entry, exp["campaign_id"], exp["member_no"], group, strict=True)]
        (folder / "audience_export.csv").write_bytes(_csv_text(AUDIENCE_HEADERS, rows).encode("utf-8"))
        m.files["campaign_audience"] = ["audience_export.csv"]
        m.keys["campaign_audience"] = entry
    for stream in m.files:
        m.broken.setdefault(stream, 0)
    return m
