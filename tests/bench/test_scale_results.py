"""bench/scale.py's results: a run without its incremental day still gives a results file and a docs table that
say the day was not run, rather than failing at the end of a multi-hour L run."""

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _scale_module():
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))  # scale.py imports its sibling children.py
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stage(seconds, peak=100, **extra):
    return {"seconds": seconds, "peak_rss_mb": peak, **extra}


def _full():
    return {
        "land": _stage(10.0, records=1000),
        "load": _stage(2.0),
        "dbt_build": _stage(40.0, peak=900),
        "clv": _stage(1.0),
        "quality": _stage(5.0, passed=True),
        "publish": _stage(0.5),
        "report": _stage(3.0),
    }


def _summary(scale, incremental):
    world = {"records": 5000, "seconds": 1.0, "peak_rss_mb": 50}
    floor = {"seconds": 2.0, "peak_rss_mb": 80, "rows": 800, "member_weeks": 90}
    counts = {"landing_mb": 1, "members": 10, "engagement_events": 20, "orders": 5, "warehouse_mb": 7}
    warehouse = {"type": "duckdb", "memory_limit": "1GB", "threads": 2}
    result = scale._summary(scale.SCALES["S"], world, _full(), floor, incremental, counts, {}, warehouse, 0.0)
    return json.loads(json.dumps(result, default=str))  # as the results file holds it


def test_a_run_without_its_incremental_day_says_so():
    scale = _scale_module()
    result = _summary(scale, {})
    assert result["incremental_day"] == {"seconds": None, "stages": {}}
    day = result["targets"]["incremental_day_seconds"]
    assert day["measured"] is None and day["met"] is False
    assert result["targets"]["dbt_build_floor_multiple"]["measured"] == 20.0  # 40 s over a 2 s floor
    table = scale.docs_table([result])
    assert "incremental day not run (--without-incremental-day)" in table
    assert "incremental_day_seconds not measured (vs 60)" in table
    day_rows = [line for line in table.splitlines() if line.startswith("| incremental day:")]
    assert day_rows and all(line.replace(" ", "").endswith("||||") for line in day_rows)  # three empty cells


def test_a_run_with_its_incremental_day_totals_it():
    scale = _scale_module()
    day = {name: _stage(1.5) for name in scale.INCREMENTAL}
    day["land"]["records"] = 40
    result = _summary(scale, day)
    assert result["incremental_day"]["seconds"] == 1.5 * len(scale.INCREMENTAL)
    assert "the incremental day 40 records" in scale.docs_table([result])


def test_a_day_stopped_after_its_load_keeps_what_was_measured(tmp_path):
    scale = _scale_module()
    progress = scale.Progress(tmp_path, resume=False)
    progress.run("incremental_day.land", "land", lambda: _stage(4.0, records=40))
    progress.run("incremental_day.load", "load", lambda: _stage(1.0))
    progress.run("incremental_day.clv", "clv", lambda: _stage(0.5))  # after a stage never measured: not kept
    resumed = scale.Progress(tmp_path, resume=True)
    day = resumed.finished("incremental_day", scale.INCREMENTAL)
    assert list(day) == ["land", "load"]
    result = _summary(scale, day)
    assert result["incremental_day"]["seconds"] is None  # no total for a day cut short
    assert result["targets"]["incremental_day_seconds"]["measured"] is None
    table = scale.docs_table([result])
    assert "the incremental day 40 records (stopped after land, load)" in table
    assert "| incremental day: load | 1.0 | 100 | 0.5 |" in table
    total = next(line for line in table.splitlines() if line.startswith("| **incremental day**"))
    assert total.replace(" ", "") == "|**incrementalday**||||"  # three empty cells


def test_a_failed_build_still_gives_a_table():
    scale = _scale_module()
    result = _summary(scale, {})
    result["counts"] = {"error": "no marts: the build failed"}
    assert "marts: ? members" in scale.docs_table([result])


def test_a_failed_stage_gives_no_total():
    scale = _scale_module()
    full = _full()
    full["dbt_build"] = _stage(1620.0, peak=4100, error="OutOfMemoryException: 3.7 GiB/3.7 GiB used")
    world = {"records": 5000, "seconds": 1.0, "peak_rss_mb": 50}
    floor = {"seconds": 2.0, "peak_rss_mb": 80, "rows": 800, "member_weeks": 90}
    warehouse = {"type": "duckdb", "memory_limit": "1GB", "threads": 2}
    result = scale._summary(
        scale.SCALES["S"], world, full, floor, {}, {"error": "no marts"}, {}, warehouse, 0.0
    )
    assert result["full_run"]["seconds"] is None  # not 1,620 s plus the rest, as if it had been measured
    assert result["targets"]["full_run_seconds"]["measured"] is None
    assert result["errors"] == {
        "full_run.dbt_build": "OutOfMemoryException: 3.7 GiB/3.7 GiB used",
        "counts": "no marts",
    }
