"""The whole pipeline, as a user runs it: `pulse demo` twice on DuckDB (no duplicates anywhere, the report's
numbers come from the marts), and the same steps on a real Postgres warehouse."""

from __future__ import annotations

import json
import os
import re

import duckdb
import pytest

from pulse import steps
from pulse.cli import DEMO_ENV, start_sandbox
from pulse.config import load_config
from pulse.testing.demo import WEEK, run_demo, small_config


def table_counts(con) -> dict[str, int]:
    tables = con.execute("""select table_schema, table_name from information_schema.tables
                            where table_schema in ('raw', 'staging', 'intermediate', 'marts')""").fetchall()
    return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}


@pytest.fixture(scope="module")
def demo_twice(small_demo):
    tmp, config, first_out = small_demo
    wh = tmp / "var" / "warehouse" / "pulse.duckdb"
    with duckdb.connect(str(wh), read_only=True) as con:
        first = table_counts(con)
    second_out = run_demo(config)
    return tmp, wh, first, first_out, second_out


def test_demo_prints_where_everything_is(demo_twice):
    tmp, wh, _, out, _ = demo_twice
    assert str(wh) in out and "report.html" in out and WEEK in out


def test_second_demo_adds_no_rows_anywhere(demo_twice):
    _, wh, first, _, _ = demo_twice
    with duckdb.connect(str(wh), read_only=True) as con:
        second = table_counts(con)
        for table in [t for t in second if t.startswith("raw.") and not t.startswith("raw._")]:
            dupes = con.execute(
                f"select count(*) - count(distinct (_source, _pk, _hash)) from {table}"
            ).fetchone()[0]
            assert dupes == 0, table
    changed = {
        t: (first.get(t), n) for t, n in second.items() if first.get(t) != n and t not in ("raw._batches",)
    }
    assert not changed, changed
    assert first["marts.community_health_weekly"] > 0


def built_target(var_dir) -> str:
    """The dbt target a deployment's last build ran against, read from its own run_results.json."""
    return json.loads((var_dir / "dbt" / "target" / "run_results.json").read_text())["args"]["target"]


def test_each_deployment_keeps_its_own_dbt_target(demo_twice):
    """dbt's manifest and run results go under the deployment's var_dir (the Postgres test below checks its own),
    so two deployments on one checkout do not write over each other's."""
    tmp, *_ = demo_twice
    assert built_target(tmp / "var") == "duckdb"


def test_clv_models_are_fitted_and_published(demo_twice):
    _, wh, first, _, _ = demo_twice
    with duckdb.connect(str(wh), read_only=True) as con:
        params = con.execute(
            "select currency, status, customers, bgnbd_r from marts.clv_model_params"
        ).fetchall()
        members, orphans = con.execute(
            """select count(*), count(*) filter (where member_id not in (select member_id from marts.dim_members))
               from marts.member_clv"""
        ).fetchone()
    assert params and all(status in ("fitted", "fitted, not converged") for _, status, _, _ in params), params
    assert members == sum(c for _, _, c, _ in params) and orphans == 0


def test_report_numbers_come_from_the_marts(demo_twice):
    tmp, wh, *_ = demo_twice
    with duckdb.connect(str(wh), read_only=True) as con:
        active, revenue = con.execute(
            """select active_members, revenue from marts.community_health_weekly
               where week = ? and community = 'all' and platform = 'all'""",
            [WEEK],
        ).fetchone()
    html = next((tmp / "var" / "reports" / WEEK).rglob("report.html")).read_text()
    assert active > 0 and f"{active:,}" in html
    if revenue is not None:  # null when the week's orders are in more than one currency
        assert f"{revenue:,.2f}" in html or f"{revenue:,.0f}" in html


def test_no_clear_contact_data_in_marts_or_reports(demo_twice):
    tmp, wh, *_ = demo_twice
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    with duckdb.connect(str(wh), read_only=True) as con:
        for schema, table in con.execute("""select table_schema, table_name from information_schema.tables
                                              where table_schema in ('staging', 'intermediate', 'marts')""").fetchall():
            df = con.execute(f'select * from "{schema}"."{table}"').df()
            for col in df.select_dtypes(include=["object", "string"]).columns:
                assert not df[col].astype(str).str.contains(email).any(), f"{schema}.{table}.{col}"
    for f in (tmp / "var" / "reports").rglob("report.*"):
        if f.suffix in (".html", ".txt"):
            assert not email.search(f.read_text().replace("example.com", "")), f


@pytest.mark.postgres
def test_same_pipeline_on_postgres(tmp_path, postgres):
    postgres = postgres.create_database("pipeline")  # its own database: other tests load raw rows too
    for k, v in DEMO_ENV.items():
        os.environ.setdefault(k, v)
    path = small_config(
        tmp_path,
        type="postgres",
        postgres={
            "host": postgres.host,
            "port": postgres.port,
            "user": postgres.user,
            "password": postgres.password or "",
            "dbname": postgres.dbname,
        },
    )
    config = load_config(path)
    server = start_sandbox(config)
    server.start()
    try:
        config.resolve_sandbox(server.url)
        result = steps.run(config, WEEK)
    finally:
        server.stop()
    assert result["check"]["passed"], result["check"]
    import psycopg2

    with psycopg2.connect(postgres.dsn) as con, con.cursor() as cur:
        cur.execute(
            "select count(*), sum(posts) from marts.community_health_weekly where community = 'all' and platform = 'all'"
        )
        weeks, posts = cur.fetchone()
        cur.execute("select count(*) from marts.member_clv")
        clv_members = cur.fetchone()[0]
        cur.execute("select sum(customers) from marts.clv_model_params")
        customers = cur.fetchone()[0]
    assert weeks >= 6 and posts > 0
    assert clv_members > 0 and clv_members == customers
    assert built_target(config.var_dir) == "postgres"


def test_report_send_reaches_a_real_smtp_server_once_per_recipient(demo_twice, smtp_server):
    tmp, *_ = demo_twice
    smtp, handler = smtp_server
    for k, v in DEMO_ENV.items():
        os.environ.setdefault(k, v)
    config = load_config(tmp / "pulse.yml")
    config.data["smtp"] = smtp
    first = steps.report(config, WEEK, send=True)
    assert sorted(e.rcpt_tos[0] for e in handler.envelopes) == sorted(
        s["email"] for s in config["stakeholders"]
    )
    assert all(r["status"] == "sent" for r in first["sent"])
    body = handler.envelopes[0].content.decode("utf-8", "replace")
    assert "multipart/related" in body and "Content-ID" in body and "kpis-" in body
    again = steps.report(config, WEEK, send=True)
    assert len(handler.envelopes) == len(config["stakeholders"])  # a week goes once per recipient
    assert all(r["status"] == "skipped" for r in again["sent"])
