"""File drops: the sandbox's exports (GBK and UTF-8-BOM CSV, XLSX, JSONL, with broken rows) land and load exactly
once, broken rows are quarantined with their reason, each file is read once (re-dropped identical files add
nothing, changed ones are read again), and the streams a source declares in its options are validated like any
stream. Readers are also pinned on small hand-made files."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import shutil

import pytest

from ingestion.files import OPTIONS, SOURCE_TYPE, detect_encoding, read_csv, read_file, read_jsonl, read_xlsx
from ingestion.landing import committed_batches
from ingestion.load import load_landing
from ingestion.runner import ingest_source
from ingestion.runtime.errors import SourceRequestError
from pulse.config import Config, load_config
from pulse.sandbox.filedrops import DROP_OPTIONS, write_drops
from pulse.sandbox.world import generate_world
from pulse.schema import ConfigError
from pulse.warehouse import DuckDBWarehouse

POS = {
    "format": "csv",
    "encoding": "auto",
    "delimiter": ",",
    "primary_key": "order_no",
    "columns": {
        "order_no": {"header": "订单编号", "type": "str"},
        "paid_at": {"header": "付款时间", "type": "datetime"},
        "amount": {"header": "实付金额", "type": "decimal"},
        "phone": {"header": "手机号", "type": "str"},
    },
}


@pytest.fixture(scope="module")
def world():
    return generate_world(17, 500, 4)


def options() -> dict:
    return OPTIONS.clean(DROP_OPTIONS, "options", {})


def source(folder, **extra) -> dict:
    opts = options()
    return {
        "name": "drops",
        "type": "files",
        "base_url": f"file://{folder}",
        "credentials": {},
        "streams": list(opts["streams"]),
        "start_date": dt.date(2020, 1, 1),
        "timeout_seconds": 1.0,
        "max_retries": 0,
        "options": opts,
        **extra,
    }


def warehouse(tmp_path) -> DuckDBWarehouse:
    data = {
        "warehouse": {
            "type": "duckdb",
            "path": str(tmp_path / "wh" / "pulse.duckdb"),
            "memory_limit": "1GB",
            "threads": 1,
            "postgres": {},
        }
    }
    return DuckDBWarehouse(Config(data=data, file=tmp_path / "p.yml", root=tmp_path))


def raw(wh, sql: str) -> list[tuple]:
    with wh.writer() as con:
        return con.execute(sql).fetchall()


# ------------------------------------------------------------------------------------------------ end to end


def test_drops_land_and_load_exactly_once_with_broken_rows_quarantined(tmp_path, world):
    drops = tmp_path / "drops"
    manifest = write_drops(world, drops)
    landing, state = tmp_path / "landing", tmp_path / "state"
    results = ingest_source(source(drops), landing, state)
    assert {r.stream: r.pages for r in results} == {k: len(v) for k, v in manifest.files.items()}
    wh = warehouse(tmp_path)
    report = load_landing(wh, landing, [])
    assert report.quarantined == sum(manifest.broken.values()) == 11
    for stream, keys in manifest.keys.items():
        got = sorted(r[0] for r in raw(wh, f"select _pk from raw.files__{stream}"))
        assert got == sorted(keys), stream
    reasons = sorted(r[0] for r in raw(wh, "select reason from raw._quarantine"))
    for part in (
        "has 8 fields, the header has 10",
        "bytes that are not gb18030 text",
        "no order_no (订单编号)",
        "amount (实付金额): '12O.00' is not a decimal",
        "paid_at (付款时间): '明天' is not a datetime",
        "not JSON",
        "no checkin_id (signin_id)",
        "no checkin_id (Ticket ID)",
        "'TBD' is not a datetime",
        "no member_no (会员卡号)",
        "cost (Cost (CNY)): 'TBD' is not a decimal",
    ):
        assert any(part in r for r in reasons), (part, reasons)
    assert all(r.split(":", 2)[0].endswith((".csv", ".jsonl", ".xlsx")) for r in reasons)  # <file>:<line>:
    # records: the mapped names only, values as the files hold them, plus where they came from
    rec = json.loads(
        raw(wh, "select _record from raw.files__pos_orders where _pk like 'SH01-%' limit 1")[0][0]
    )
    assert set(rec) == {*options()["streams"]["pos_orders"]["columns"], "_file", "_line"}
    assert rec["_file"].startswith("pos_SH01_") and rec["_line"] >= 2 and "备注" not in rec
    hz = json.loads(
        raw(wh, "select _record from raw.files__pos_orders where _pk like 'HZ02-%' limit 1")[0][0]
    )
    assert (
        hz["amount"].startswith("¥") and "/" in hz["paid_at"]
    )  # UTF-8-BOM export, its own formats, verbatim
    cn = json.loads(raw(wh, "select _record from raw.files__checkins_cn limit 1")[0][0])
    assert cn["event_id"].startswith("EV") and cn["name"]  # nested JSON keys by path
    xl = json.loads(raw(wh, "select _record from raw.files__checkins_global limit 1")[0][0])
    assert dt.datetime.fromisoformat(xl["checked_in_at"])  # a datetime cell, as ISO text


def test_each_file_is_read_once_and_changed_files_again(tmp_path, world):
    drops = tmp_path / "drops"
    manifest = write_drops(world, drops)
    landing, state = tmp_path / "landing", tmp_path / "state"
    s = source(drops)
    first = {r.stream: r for r in ingest_source(s, landing, state)}
    again = {r.stream: r for r in ingest_source(s, landing, state)}
    assert all(r.records == 0 and r.pages == 0 for r in again.values())
    # the same file dropped again (new mtime, same bytes): still nothing
    name = manifest.files["pos_orders"][-1]
    body = (drops / name).read_bytes()
    (drops / name).unlink()
    (drops / name).write_bytes(body)
    os.utime(drops / name, (1e9, 1e9))
    assert ingest_source(s, landing, state, streams=["pos_orders"])[0].pages == 0
    # a changed file (a row appended) is read again; a new file is read; partial downloads are not
    extra = "HZ02-EXTRA-0001,杭州西湖店,2026/01/04 12:00,¥10.00,1,,,现金,阿茗,\r\n".encode()
    (drops / name).write_bytes(body + extra)
    shutil.copy(drops / manifest.files["pos_orders"][0], drops / "pos_SH01_copy.csv")
    (drops / "pos_late.csv.part").write_bytes(b"half")
    (drops / "~$pos_open.csv").write_bytes(b"lock")
    third = ingest_source(s, landing, state, streams=["pos_orders"])[0]
    assert third.pages == 2
    paths = [p["path"] for p in committed_batches(landing)[-1].meta["pages"]]
    assert paths == sorted([name, "pos_SH01_copy.csv"])
    wh = warehouse(tmp_path)
    load_landing(wh, landing, [])
    keys = [r[0] for r in raw(wh, "select _pk from raw.files__pos_orders where _pk like 'HZ02-%'")]
    assert len(keys) == len(set(keys))  # unchanged rows of the changed file were not stored twice
    assert "HZ02-EXTRA-0001" in keys
    assert first["pos_orders"].records > 0


def test_missing_folder_and_bad_base_url_fail_clearly(tmp_path):
    with pytest.raises(SourceRequestError, match="does not exist"):
        ingest_source(source(tmp_path / "nowhere"), tmp_path / "l", tmp_path / "s")
    with pytest.raises(SourceRequestError, match="file:///"):
        ingest_source(source(tmp_path, base_url="http://example.com/drops"), tmp_path / "l", tmp_path / "s")


def test_young_files_wait_for_the_next_run(tmp_path, world):
    drops = tmp_path / "drops"
    write_drops(world, drops)
    s = source(drops)
    s["options"]["min_age_seconds"] = 3600
    assert all(r.pages == 0 for r in ingest_source(s, tmp_path / "l", tmp_path / "s"))


# ------------------------------------------------------------------------------------------------ config


def write_config(tmp_path, streams_yaml: str, options_yaml: str) -> str:
    text = f"""
hash_salt: s
communities: [{{name: offline, channels: [drops]}}]
sources:
  - name: drops
    type: files
    base_url: file://{tmp_path}
    start_date: 2025-01-01
{streams_yaml}
    options:
{options_yaml}
"""
    path = tmp_path / "pulse.yml"
    path.write_text(text, encoding="utf-8")
    return str(path)


OPTS = """      streams:
        pos_orders:
          pattern: "pos_*.csv"
          primary_key: order_no
          columns: {order_no: 订单编号, amount: {header: 实付金额, type: decimal}}
"""


def test_config_accepts_the_streams_the_options_declare(tmp_path):
    cfg = load_config(write_config(tmp_path, "", OPTS), environ={})
    src = cfg.source("drops")
    assert src["streams"] == ["pos_orders"]
    spec = src["options"]["streams"]["pos_orders"]
    assert spec["format"] == "csv" and spec["encoding"] == "auto"  # from the extension; auto by default
    assert spec["columns"]["order_no"] == {"header": "订单编号", "type": "str"}
    assert SOURCE_TYPE.streams_for(src["options"])["pos_orders"].primary_key == "order_no"
    load_config(write_config(tmp_path, "    streams: [pos_orders]", OPTS), environ={})


@pytest.mark.parametrize(
    ("streams_yaml", "options_yaml", "where"),
    [
        ("    streams: [orders]", OPTS, "sources[0].streams[0]"),
        ("", OPTS.replace("primary_key: order_no", "primary_key: order_id"), "pos_orders.primary_key"),
        ("", OPTS.replace('"pos_*.csv"', '"pos_*.dat"'), "pos_orders.format"),
        ("", OPTS.replace("type: decimal", "type: money"), "amount.type"),
        ("", OPTS.replace("pos_orders:", "POS-orders:"), "streams.POS-orders"),
        ("", "      streams: {}", "options.streams"),
    ],
)
def test_config_rejects_bad_stream_declarations(tmp_path, streams_yaml, options_yaml, where):
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, streams_yaml, options_yaml), environ={})
    assert where in str(err.value)


# ------------------------------------------------------------------------------------------------ readers


def test_encodings_are_detected():
    text = "订单编号,实付金额\r\nA1,1.00\r\n"
    assert detect_encoding(text.encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(text.encode("gbk")) == "gb18030"
    assert detect_encoding(text.encode("utf-16")) == "utf-16"
    mostly_utf8 = (text + "A2,2.00,好\r\nA3,3.00,好\r\n").encode("utf-8") + "A4,4.00,坏\r\n".encode("gbk")
    assert detect_encoding(mostly_utf8) == "utf-8"  # one bad line does not make the file GBK
    assert detect_encoding(text.encode("gbk"), "utf-8") == "utf-8-sig"  # declared wins


def test_csv_quoting_trailing_commas_and_types():
    body = (
        "订单编号,付款时间,实付金额,手机号,备注\r\n"
        'A1,2025-10-13 10:22:54,"1,234.50",13800138000,"line one\r\nline two"\r\n'
        "A2,2025/10/13 10:22,￥88,,,,\r\n"  # GBK has the full-width yuan sign only
        "A3,2025-10-13T10:22:54+08:00,-5.00,,\r\n"
        "A4,13/10/2025,1.00,,\r\n"
        "\r\n"
    ).encode("gbk")
    out = read_csv(body, "pos.csv", POS)
    good = {r["order_no"]: r for r in out if "_quarantine_reason" not in r}
    bad = [r for r in out if "_quarantine_reason" in r]
    assert set(good) == {"A1", "A2", "A3"}
    assert good["A1"]["amount"] == "1,234.50" and good["A1"]["_line"] == 2
    assert good["A2"]["_line"] == 4  # A1 spans lines 2-3
    assert (
        len(bad) == 1
        and bad[0]["_quarantine_reason"] == "pos.csv:6: paid_at (付款时间): '13/10/2025' is not a datetime"
    )
    assert bad[0]["_raw"] == "A4,13/10/2025,1.00,,"


def test_csv_header_without_a_declared_column_quarantines_the_file():
    out = read_csv("订单编号,金额\nA1,1\n".encode(), "x.csv", POS)
    assert len(out) == 1 and "header lacks 付款时间, 实付金额, 手机号" in out[0]["_quarantine_reason"]


def test_jsonl_paths_and_bad_lines():
    spec = {
        "format": "jsonl",
        "encoding": "auto",
        "primary_key": "id",
        "columns": {"id": {"header": "id", "type": "str"}, "city": {"header": "where.city", "type": "str"}},
    }
    body = b'{"id": "a", "where": {"city": "SH"}}\n[1, 2]\n{"id": \n\n{"where": {}}\n'
    out = read_jsonl(body, "x.jsonl", spec)
    assert out[0] == {"id": "a", "city": "SH", "_file": "x.jsonl", "_line": 1}
    reasons = [r["_quarantine_reason"] for r in out[1:]]
    assert reasons[0] == "x.jsonl:2: a JSON list, not an object"
    assert reasons[1].startswith("x.jsonl:3: not JSON")
    assert reasons[2] == "x.jsonl:5: no id (id)"


def test_xlsx_cells_sheet_and_types():
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Other"
    ws = wb.create_sheet("Orders")
    ws.append(["Order", "When", "Qty"])
    ws.append(["X1", dt.datetime(2025, 12, 1, 9, 30), 3])
    ws.append([None, None, None])
    ws.append(["X2", "soon", 2.0])
    ws.append(["X3", dt.datetime(2025, 12, 2), "two"])
    buf = io.BytesIO()
    wb.save(buf)
    spec = {
        "format": "xlsx",
        "sheet": "Orders",
        "primary_key": "order",
        "columns": {
            "order": {"header": "Order", "type": "str"},
            "at": {"header": "When", "type": "datetime"},
            "qty": {"header": "Qty", "type": "int"},
        },
    }
    out = read_xlsx(buf.getvalue(), "o.xlsx", spec)
    assert out[0] == {"order": "X1", "at": "2025-12-01T09:30:00", "qty": 3, "_file": "o.xlsx", "_line": 2}
    assert out[1]["_quarantine_reason"] == "o.xlsx:4: at (When): 'soon' is not a datetime"
    assert out[2]["_quarantine_reason"] == "o.xlsx:5: qty (Qty): 'two' is not a int"
    assert read_file(b"not a zip", "o.xlsx", spec)[0]["_quarantine_reason"].startswith(
        "o.xlsx:1: not an xlsx"
    )
    missing = read_xlsx(buf.getvalue(), "o.xlsx", dict(spec, sheet="Nope"))
    assert "no sheet 'Nope'" in missing[0]["_quarantine_reason"]


def test_landed_files_keep_their_hash_in_batch_metadata(tmp_path, world):
    import hashlib

    drops = tmp_path / "drops"
    write_drops(world, drops)
    ingest_source(source(drops), tmp_path / "landing", tmp_path / "state")
    for batch in committed_batches(tmp_path / "landing"):
        for page in batch.meta["pages"]:
            assert page["sha256"] == hashlib.sha256((drops / page["path"]).read_bytes()).hexdigest()
        files = batch.meta["cursor_after"]["files"]
        assert set(files) == {p["path"] for p in batch.meta["pages"]}
        lines = gzip.open(batch.records_file).read().splitlines()
        assert len(lines) == batch.meta["records"]


def test_a_re_exported_file_is_read_again_but_quarantines_nothing_twice(tmp_path, world):
    """A spreadsheet saved again (new bytes, same rows) is a new file to the connector; its good rows are already
    loaded (same content) and its bad rows already quarantined: neither is stored twice."""
    drops = tmp_path / "drops"
    write_drops(world, drops)
    landing, state = tmp_path / "landing", tmp_path / "state"
    wh = warehouse(tmp_path)
    ingest_source(source(drops), landing, state)
    first = load_landing(wh, landing, [])
    sheet = drops / "checkins_global.xlsx"
    body = sheet.read_bytes()
    from openpyxl import load_workbook

    wb = load_workbook(sheet)
    wb.create_sheet("Notes")["A1"] = "re-exported"  # saved again with a note: other bytes, the same check-ins
    wb.save(sheet)
    assert sheet.read_bytes() != body
    results = ingest_source(source(drops), landing, state)
    assert {r.stream: r.records for r in results if r.records}.keys() == {"checkins_global"}
    second = load_landing(wh, landing, [])
    assert first.quarantined > 0 and second.quarantined == 0 and second.records == 0
    assert raw(wh, "select count(*) from raw._quarantine")[0][0] == first.quarantined
