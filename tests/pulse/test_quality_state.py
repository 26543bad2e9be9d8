"""Which quality verdict the report and the weekly_report DAG see: the newest gate run, which lives in the working
warehouse. A failed run is never published, so the published file still holds the last passing run."""

from __future__ import annotations

from pulse.steps import _store_quality, latest_quality, newest_quality
from pulse.testing.warehouse import duckdb_config
from pulse.warehouse import DuckDBWarehouse


def _result(success: bool) -> dict:
    return {
        "suite": "member_points_balance",
        "table": "marts.member_points_balance",
        "expectation": "expect_column_values_to_be_between",
        "column": "balance",
        "severity": "critical",
        "success": success,
        "details": "1 unexpected value" if not success else "",
    }


def test_a_failed_gate_is_seen_though_only_the_passing_run_was_published(tmp_path):
    config = duckdb_config(tmp_path)
    wh = DuckDBWarehouse(config)
    assert newest_quality(config) is None  # no working warehouse yet
    _store_quality(config, [_result(True)], True)
    wh.publish()  # a passing run is published
    assert newest_quality(config)["passed"] is True
    _store_quality(config, [_result(False)], False)  # the next run fails: nothing is published
    newest = newest_quality(config)
    assert newest["checked"] and newest["passed"] is False
    assert [f["expectation"] for f in newest["failed"]] == ["expect_column_values_to_be_between"]
    with wh.reader(published=True) as con:
        assert latest_quality(con)["passed"] is True  # what the report used to read
