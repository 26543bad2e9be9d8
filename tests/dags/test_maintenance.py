"""Retention (the `maintenance` DAG's step) on real folders and a real DuckDB working warehouse: old loaded landing
batches and old report weeks go, anything not yet loaded or still recent stays, and a second run deletes nothing."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import yaml

from pulse import steps
from pulse.config import load_config
from pulse.testing.paths import REPO

NOW = dt.datetime(2026, 11, 30, 3, 30, tzinfo=dt.UTC)


def batch(landing, source, stream, extracted: dt.datetime, tag: str) -> str:
    batch_id = f"{extracted.strftime('%Y%m%dT%H%M%S%fZ')}-{source}-{stream}-{tag}"
    folder = landing / source / stream / batch_id
    folder.mkdir(parents=True)
    meta = {"batch_id": batch_id, "source": source, "stream": stream, "extracted_at": extracted.isoformat()}
    (folder / "_batch.json").write_text(json.dumps(meta))
    (folder / "records.jsonl.gz").write_bytes(b"")
    return batch_id


def test_retention_deletes_only_what_is_loaded_and_old(tmp_path):
    data = yaml.safe_load((REPO / "demo" / "pulse.yml").read_text())
    data["var_dir"] = str(tmp_path / "var")
    data["warehouse"]["path"] = str(tmp_path / "var" / "warehouse" / "pulse.duckdb")
    data["retention"] = {"landing": "30d", "reports": "8w"}
    (tmp_path / "pulse.yml").write_text(yaml.safe_dump(data, allow_unicode=True))
    config = load_config(tmp_path / "pulse.yml")
    landing = config.landing_dir
    old_loaded = batch(landing, "forum", "posts", NOW - dt.timedelta(days=45), "a")
    old_unloaded = batch(landing, "forum", "posts", NOW - dt.timedelta(days=45), "b")
    recent_loaded = batch(landing, "shop", "orders", NOW - dt.timedelta(days=3), "c")
    work = config.warehouse_path.parent / "work" / config.warehouse_path.name
    work.parent.mkdir(parents=True)
    with duckdb.connect(str(work)) as con:
        con.execute("create schema raw; create table raw._batches (batch_id varchar)")
        con.executemany("insert into raw._batches values (?)", [[old_loaded], [recent_loaded]])
    reports = config.reports_dir
    for week in ("2026-W30", "2026-W40", "2026-W41", "2026-W48"):
        (reports / week / "en").mkdir(parents=True)
        (reports / week / "en" / "report.html").write_text("<html></html>")
    (reports / "sent.jsonl").write_text('{"week": "2026-W30"}\n')

    first = steps.maintenance(config, now=NOW)
    assert first == {
        "landing_batches_deleted": 1,
        "landing_batches_kept_unloaded": 1,
        "report_weeks_deleted": ["2026-W30", "2026-W40"],  # W40 ended 2026-10-04: 8 weeks before 2026-11-30
    }
    remaining = {p.name for p in landing.glob("*/*/*")}
    assert remaining == {old_unloaded, recent_loaded}
    assert sorted(p.name for p in reports.iterdir()) == ["2026-W41", "2026-W48", "sent.jsonl"]
    again = steps.maintenance(config, now=NOW)
    assert again["landing_batches_deleted"] == 0 and again["report_weeks_deleted"] == []
