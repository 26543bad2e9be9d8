"""The whole chain under Airflow: every `ingest_<source>` DAG against the real sandbox HTTP server, `transform`,
`quality`, `weekly_report`, each run with `dag.test()` (real Airflow, in-process), on a real DuckDB warehouse; the
report and the alerts arrive at a real SMTP server. Then a corrupted mart (a negative points balance): the gate
fails, nothing is published, the report is not sent, the delay note is, and the alert names the expectation."""

from __future__ import annotations

import email
import json
import time
from email import policy

import duckdb
import pendulum
import pytest

from pulse.cli import start_sandbox
from pulse.config import load_config

pytestmark = pytest.mark.slow

TZ = "Asia/Shanghai"
W44 = pendulum.datetime(2026, 11, 2, 9, 0, tz=TZ)  # Monday 09:00 after 2026-W44
W43 = pendulum.datetime(2026, 10, 26, 9, 0, tz=TZ)  # Monday 09:00 after 2026-W43
ALERTS = "data-eng@example.com"  # orchestration.alert_emails of the test config (conftest.py)


def states(run) -> dict[str, str]:
    return {ti.task_id: str(ti.state) for ti in run.get_task_instances()}


def messages(handler, start: int = 0) -> list:
    return [
        (env.rcpt_tos, email.message_from_bytes(env.content, policy=policy.default))
        for env in handler.envelopes[start:]
    ]


def body(msg) -> str:
    part = msg.get_body(preferencelist=("html", "plain"))
    return part.get_content() if part is not None else ""


@pytest.fixture(scope="module")
def sandbox(pulse_config):
    config = load_config(pulse_config)
    server = start_sandbox(config)
    server.start()
    url_file = config.var_dir / "sandbox" / "url"
    url_file.parent.mkdir(parents=True, exist_ok=True)
    url_file.write_text(server.url)
    try:
        yield config
    finally:
        server.stop()
        url_file.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def chain(sandbox, airflow_db, dagbag, smtp):
    """ingest_* -> transform -> quality -> weekly_report (2026-W44), as the scheduler would chain them."""
    _, handler = smtp
    runs, seconds = {}, {}

    def run(dag_id, **kwargs):
        started = time.perf_counter()
        runs[dag_id] = dagbag.dags[dag_id].test(**kwargs)
        seconds[dag_id] = round(time.perf_counter() - started, 1)

    for dag_id in sorted(d for d in dagbag.dag_ids if d.startswith("ingest_")):
        run(dag_id)
    run("transform")
    run("quality")
    before = len(handler.envelopes)
    run("weekly_report", logical_date=W44)
    print(f"dag.test seconds: {seconds}")
    return runs, messages(handler, before)


def test_every_dag_of_the_chain_succeeds(chain, sandbox):
    runs, _ = chain
    failed = {d: states(r) for d, r in runs.items() if str(r.state) != "success"}
    assert not failed, failed
    assert len([d for d in runs if d.startswith("ingest_")]) == len(sandbox.source_names())
    assert states(runs["weekly_report"]) == {
        "readiness": "success",
        "decide": "success",
        "send_report": "success",
        "send_delay_note": "skipped",
        "alert_data_engineers": "skipped",
    }
    with duckdb.connect(str(sandbox.warehouse_path), read_only=True) as con:
        loaded = {s for (s,) in con.execute("select distinct source from raw._batches").fetchall()}
        weeks = con.execute(
            "select count(distinct week_start) from marts.community_health_weekly where week_start <= '2026-10-26'"
        ).fetchone()[0]
        results = con.execute(
            "select count(*), count(*) filter (where not success and severity = 'critical') "
            "from audit.quality_results"
        ).fetchone()
    assert loaded == set(sandbox.source_names())
    assert weeks >= 4
    assert results[0] > 100 and results[1] == 0  # the gate ran on raw and marts, nothing critical failed


def test_the_report_arrives_once_per_stakeholder(chain, sandbox):
    _, sent = chain
    reports = [(to, m) for to, m in sent if m["X-Pulse-Week"] == "2026-W44" and not m["X-Pulse-Kind"]]
    assert sorted(to[0] for to, _ in reports) == sorted(s["email"] for s in sandbox["stakeholders"])
    assert all(ALERTS not in to for to, _ in sent)  # nothing failed: no alert
    html = body(reports[0][1])
    with duckdb.connect(str(sandbox.warehouse_path), read_only=True) as con:
        cols = {
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_name = 'community_health_weekly'"
            ).fetchall()
        }
        where = "community = 'all'" + (" and platform = 'all'" if "platform" in cols else "")
        active = con.execute(
            f"select active_members from marts.community_health_weekly where {where} and week_start = '2026-10-26'"
        ).fetchone()[0]
    assert active > 0 and f"{active:,}" in html


def test_gx_data_docs_are_written(chain, sandbox):
    docs = sandbox.var_dir / "quality" / "data_docs"
    assert (docs / "index.html").exists()
    assert list((docs / "validations").rglob("*.html"))


def test_rerunning_the_week_sends_nothing_twice(chain, dagbag, smtp):
    _, handler = smtp
    before = len(handler.envelopes)
    again = dagbag.dags["weekly_report"].test(logical_date=W44)
    assert states(again)["send_report"] == "success"
    assert len(handler.envelopes) == before  # every stakeholder already has 2026-W44


def test_a_negative_balance_stops_the_report_and_alerts(chain, sandbox, dagbag, smtp):
    _, handler = smtp
    work = sandbox.warehouse_path.parent / "work" / sandbox.warehouse_path.name
    published_before = sandbox.warehouse_path.stat().st_mtime_ns
    with duckdb.connect(str(work)) as con:
        member = con.execute("select min(member_id) from marts.member_points_balance").fetchone()[0]
        con.execute("update marts.member_points_balance set balance = -5 where member_id = ?", [member])

    before = len(handler.envelopes)
    gate = dagbag.dags["quality"].test()
    assert str(gate.state) == "failed"
    assert states(gate) == {"gate": "failed", "publish": "upstream_failed"}
    assert sandbox.warehouse_path.stat().st_mtime_ns == published_before  # nothing published

    report = dagbag.dags["weekly_report"].test(logical_date=W43)
    assert states(report) == {
        "readiness": "success",
        "decide": "success",
        "send_report": "skipped",
        "send_delay_note": "success",
        "alert_data_engineers": "failed",
    }
    sent = messages(handler, before)
    alerts = [m for to, m in sent if to == [ALERTS]]
    notes = [(to, m) for to, m in sent if m["X-Pulse-Kind"] == "report-delayed"]
    reports = [m for to, m in sent if m["X-Pulse-Week"] == "2026-W43" and not m["X-Pulse-Kind"]]
    assert not reports  # the report is not sent
    assert sorted(to[0] for to, _ in notes) == sorted(s["email"] for s in sandbox["stakeholders"])
    assert all(m["X-Pulse-Week"] == "2026-W43" for _, m in notes)
    zh = next(m for _, m in notes if m["X-Pulse-Language"] == "zh-CN")
    assert "延迟" in str(zh["Subject"]) and "质量检查" in body(zh)
    # two alerts: the gate's task failure and the delayed report's, both naming the failed expectation
    assert {m["Subject"] for m in alerts} == {
        "[Community Pulse] quality.gate failed",
        "[Community Pulse] weekly_report.alert_data_engineers failed",
    }
    for m in alerts:
        text = body(m)
        assert "marts.member_points_balance.balance expect_column_values_to_be_between" in text, text
    gate_alert = next(m for m in alerts if "quality.gate" in m["Subject"])
    assert "balance is never negative" in body(gate_alert) and "-5" in body(gate_alert)
    sent_log = sandbox.reports_dir / "sent.jsonl"
    assert not any(json.loads(line)["week"] == "2026-W43" for line in sent_log.read_text().splitlines())

    # the note goes once per week: running the delayed week again sends no second note
    again_from = len(handler.envelopes)
    dagbag.dags["weekly_report"].test(logical_date=W43)
    assert not [m for to, m in messages(handler, again_from) if m["X-Pulse-Kind"] == "report-delayed"]
