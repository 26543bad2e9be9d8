"""Every DAG file imports without errors, fast, and every DAG carries what operating it needs: tags, owners,
retries with exponential backoff, failure alerts, one active run where the warehouse is written, the one-slot
warehouse pool on every task that opens it, and the schedule the config gives."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from airflow.providers.smtp.notifications.smtp import SmtpNotifier

from pulse.config import dag_plan
from pulse.testing.paths import REPO

DAGS = REPO / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))
PROBE = """
import sys, time
import airflow.sdk  # loaded once by the DAG processor before it parses any file
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
import runpy
runpy.run_path(sys.argv[2], run_name="dag_file")
print(f"{time.perf_counter() - started:.3f}")
"""
# tasks that open the warehouse, and so run in the one-slot pool
WAREHOUSE_TASKS = {
    "load",
    "dbt_build",
    "fit_clv",
    "gate",
    "publish",
    "readiness",
    "retention",
}


def test_the_dag_files_are_the_issue_s():
    assert [p.name for p in DAG_FILES] == [
        "ingest.py",
        "maintenance.py",
        "quality.py",
        "transform.py",
        "weekly_report.py",
    ]


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_each_dag_file_imports_in_under_two_seconds(path, pulse_config):
    """Measured in a fresh interpreter per file with airflow.sdk already loaded (as the DAG processor has it), so
    each file pays for everything it imports: the shared module, providers, pulse."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(DAGS), str(path)],
        env={**os.environ, "PULSE_CONFIG": str(pulse_config)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    seconds = float(proc.stdout.strip().splitlines()[-1])
    print(f"{path.name} imports in {seconds:.3f} s")
    assert seconds < 2.0


def test_no_import_errors_and_every_dag_is_there(dagbag, pulse_config):
    assert dagbag.import_errors == {}
    sources = [s["name"] for s in dag_plan(pulse_config)["sources"]]
    assert len(sources) == 10
    assert set(dagbag.dag_ids) == {f"ingest_{s}" for s in sources} | {
        "transform",
        "quality",
        "weekly_report",
        "maintenance",
    }


def test_every_dag_is_operable(dagbag):
    for dag_id in dagbag.dag_ids:
        dag = dagbag.dags[dag_id]
        dag.check_cycle()
        assert "pulse" in dag.tags and len(dag.tags) >= 2, dag_id
        assert dag.max_active_runs == 1, dag_id
        assert dag.catchup is False, dag_id
        assert dag.start_date.tzinfo is not None, dag_id
        assert dag.doc_md and len(dag.doc_md) > 100, dag_id
        for task in dag.tasks:
            where = f"{dag_id}.{task.task_id}"
            assert task.owner == "data-engineering", where
            if task.task_id != "alert_data_engineers":  # it reports a delay: retrying would not change that
                assert task.retries >= 2, where
                assert task.retry_exponential_backoff >= 2, where
                assert task.max_retry_delay is not None, where
            callbacks = task.on_failure_callback
            assert callbacks and isinstance(callbacks[0], SmtpNotifier), where
            assert callbacks[0].to == ["data-eng@example.com"], where
            in_pool = task.pool == "pulse_warehouse"
            assert in_pool == (task.task_id in WAREHOUSE_TASKS), where


def test_schedules_follow_the_config_and_the_assets(dagbag, pulse_config):
    plan = dag_plan(pulse_config)
    for source in plan["sources"]:
        dag = dagbag.dags[f"ingest_{source['name']}"]
        assert dag.schedule == source["schedule"]
        load = dag.get_task("load")
        assert [a.uri for a in load.outlets] == [f"raw/{source['name']}"]
        assert dag.get_task("land").downstream_task_ids == {"load"}
    transform = dagbag.dags["transform"]
    raw = {f"raw/{s['name']}" for s in plan["sources"]}
    condition = transform.timetable.asset_condition
    assert type(condition).__name__ == "AssetAll"  # every source has new data, not just any one
    assert {a.uri for a in condition.objects} == raw
    assert [a.uri for a in transform.get_task("fit_clv").outlets] == ["marts"]
    quality = dagbag.dags["quality"]
    assert {a.uri for a in quality.timetable.asset_condition.objects} == {"marts"}
    assert quality.get_task("gate").downstream_task_ids == {"publish"}
    report = dagbag.dags["weekly_report"]
    assert report.timetable.expression == "0 9 * * 1"
    assert getattr(report.timetable.timezone, "name", str(report.timetable.timezone)) == "Asia/Shanghai"
    assert report.get_task("decide").downstream_task_ids == {"send_report", "send_delay_note"}
    assert report.get_task("send_delay_note").downstream_task_ids == {"alert_data_engineers"}


def test_no_airflow_2_paths():
    ruff = os.path.join(os.path.dirname(sys.executable), "ruff")
    proc = subprocess.run([ruff, "check", "--select", "AIR3", str(DAGS)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_the_plan_names_a_bad_schedule_like_the_config_does(tmp_path):
    from pulse.schema import ConfigError

    path = tmp_path / "pulse.yml"
    path.write_text(
        "timezone: Asia/Shanghai\nsources:\n  - {name: forum, type: discourse, schedule: hourly}\n"
    )
    with pytest.raises(ConfigError, match=r"sources\[0\]\.schedule: a cron expression"):
        dag_plan(path)
    path.write_text("sources:\n  - {name: forum, type: discourse, schedule: '15 */2 * * *'}\n")
    assert dag_plan(path)["sources"] == [{"name": "forum", "type": "discourse", "schedule": "15 */2 * * *"}]
