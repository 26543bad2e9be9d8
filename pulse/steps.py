"""The pipeline's steps as plain functions. The `pulse` CLI and the Airflow DAGs both call these, nothing else.

ingest -> load -> transform -> check -> publish -> report. Only ingest may run concurrently (it never touches the
warehouse); load and transform write the working warehouse under its lock; check reads it; publish swaps it in.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pulse.config import Config
from pulse.parent_death import die_with_parent
from pulse.warehouse import DuckDBWarehouse, fetch_df, open_warehouse
from pulse.weeks import latest_complete_week, parse_week

log = logging.getLogger("pulse.steps")

REPO = Path(__file__).resolve().parent.parent
DBT_PROJECT = REPO / "dbt_project"


class StepError(RuntimeError):
    """A step failed; the message says which and why."""


class QualityGateFailed(StepError):
    """Critical expectations failed: nothing is published and the report says so."""


def ingest(config: Config, sources: list[str] | None = None, streams: list[str] | None = None) -> list[dict]:
    """Land the given sources (default: all enabled) at once, each in its own process. Touches only the landing
    folder and cursors.

    Processes, not threads: landing decodes and re-encodes every record, and a backfill keeps a core busy per
    source; threads share one core under the GIL (bench/profile_landing.py). A single source (an Airflow task)
    lands in this process."""
    names = sources or config.source_names()
    for n in names:
        config.source(n)  # unknown names fail before any work
    if any(str(config.source(n)["base_url"]).startswith("sandbox:") for n in names):
        raise StepError(
            "sources point at the sandbox (base_url sandbox:...) but no sandbox is running; use `pulse demo`"
            " or start `pulse sandbox serve` and pass --sandbox-url"
        )
    jobs = {n: (config.source(n), config.landing_dir, config.state_dir, streams) for n in names}
    out, errors = [], []
    if len(jobs) == 1:
        outcomes = {n: _outcome(_land_source, *job) for n, job in jobs.items()}
    else:
        # spawn: a fork would copy the caller's threads' locks (the CLI's sandbox, Airflow's supervisor)
        with ProcessPoolExecutor(
            max_workers=min(8, len(jobs)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_child_init,
            initargs=(os.getpid(), logging.getLogger().getEffectiveLevel()),
        ) as pool:
            futures = {n: pool.submit(_land_source, *job) for n, job in jobs.items()}
            outcomes = {n: _outcome(fut.result) for n, fut in futures.items()}
    for name, (results, error) in outcomes.items():
        out.extend(results or [])
        if error:
            errors.append(f"{name}: {error}")
    if errors:
        raise StepError("ingest failed for " + "; ".join(errors))
    return out


def _land_source(source: dict, landing_dir: Path, state_dir: Path, streams: list[str] | None) -> list[dict]:
    from ingestion.runner import ingest_source

    return [asdict(r) for r in ingest_source(source, landing_dir, state_dir, streams)]


def _outcome(call, *args) -> tuple[list[dict] | None, str | None]:
    try:
        return call(*args), None
    except Exception as e:  # noqa: BLE001 - every source's failure is reported, then raised together
        return None, str(e)


def _child_init(parent: int, level: int) -> None:
    """A landing process dies with its parent: a killed `pulse ingest` (SIGKILL, the OOM killer, a task timeout)
    must not leave landers writing behind the retry. It logs as its parent would: to stderr, at its level."""
    die_with_parent(parent)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def load(config: Config) -> dict:
    from ingestion.load import load_landing

    report = load_landing(open_warehouse(config), config.landing_dir, config.channel_map())
    return asdict(report)


def _dbt_vars(config: Config) -> dict[str, Any]:
    from ingestion.files import tables_by_kind

    return {
        "hash_salt": str(config["hash_salt"]),
        "business_timezone": config["timezone"],
        "bot_usernames": config["rules"]["bot_usernames"],
        "identity_exclusions": config["rules"]["identity"]["exclusions"],
        "identity_max_accounts_per_identifier": int(
            config["rules"]["identity"]["max_accounts_per_identifier"]
        ),
        "file_streams": tables_by_kind(config["sources"]),
        "experiments": config["experiments"],
        **rule_vars(config["rules"]),
    }


def rule_vars(rules: dict[str, Any]) -> dict[str, Any]:
    """The engagement, loyalty and health rules of pulse.yml (validated `rules`) as dbt vars: every activity
    weight (defaults filled), durations in days, tiers without the thresholds they do not set, every health
    component weight (defaults filled)."""
    from pulse.config import ACTIVITY_WEIGHTS

    return {
        "activity_weights": {**ACTIVITY_WEIGHTS, **rules["activity_weights"]},
        "lifecycle_days": {k: v.total_seconds() / 86400 for k, v in rules["lifecycle"].items()},
        "engagement": {
            k: (v.total_seconds() / 86400 if k == "window" else v) for k, v in rules["engagement"].items()
        },
        "loyalty_tiers": [{k: v for k, v in t.items() if v is not None} for t in rules["tiers"]],
        "tier_policy": {
            "window_days": rules["tier_policy"]["window"].total_seconds() / 86400,
            "review_every": rules["tier_policy"]["review_every"],
            "currency": rules["tier_policy"]["currency"],
            "exchange_rates": rules["tier_policy"]["exchange_rates"],
        },
        "points_rules": {
            **{k: v for k, v in rules["points"].items() if k != "expire_after"},
            "expire_after_days": rules["points"]["expire_after"].total_seconds() / 86400,
        },
        "health": {
            "weights": dict(rules["health"]["weights"]),
            "anomaly_threshold": rules["health"]["anomaly_threshold"],
            "anomaly_min_weeks": rules["health"]["anomaly_min_weeks"],
        },
    }


def dbt_target(config: Config) -> Path:
    """dbt's target folder for this deployment (manifest, run_results.json, partial parse state), under its var_dir:
    two deployments on one checkout (a brand on DuckDB and one on Postgres, the bench beside the demo) build at the
    same time without writing each other's manifest. Its logs go beside it."""
    return config.var_dir / "dbt" / "target"


def dbt(config: Config, *args: str) -> subprocess.CompletedProcess:
    """Run a dbt command against the configured warehouse (working copy), in a subprocess so that its memory and
    global state end with it."""
    wh = open_warehouse(config)
    target = dbt_target(config)
    env = {**os.environ, **wh.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    env["PULSE_HASH_SALT"] = str(config["hash_salt"])
    dbt_bin = Path(sys.executable).with_name("dbt")
    cmd = [
        str(dbt_bin),
        *args,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target",
        wh.dbt_target,
        "--vars",
        json.dumps(_dbt_vars(config)),
        "--target-path",
        str(target),
        "--log-path",
        str(target.parent / "logs"),
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=DBT_PROJECT)


def transform(config: Config) -> dict:
    """`dbt build` (models and their data tests) into the working warehouse. Unit tests check the SQL's logic,
    not the data: `make test` runs them, the pipeline does not pay for them on every run."""
    started = time.perf_counter()
    wh = open_warehouse(config)
    lock = wh.write_lock() if isinstance(wh, DuckDBWarehouse) else _nullcontext()
    with lock:
        proc = dbt(config, "build", "--exclude-resource-type", "unit_test", "--no-use-colors")
    tail = "\n".join(proc.stdout.splitlines()[-25:])
    if proc.returncode != 0:
        raise StepError(f"dbt build failed (exit {proc.returncode}):\n{tail}\n{proc.stderr[-2000:]}")
    return {"seconds": round(time.perf_counter() - started, 2), "summary": proc.stdout.splitlines()[-1:]}


def clv(config: Config) -> dict:
    """Fit BG/NBD + Gamma-Gamma on the working warehouse's orders; write member_clv and clv_model_params
    (pulse.predict). Runs after transform and before the quality gate."""
    from pulse.predict import predict_clv

    return predict_clv(config)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _read_frames(config: Config, tables: list[str]):
    wh = open_warehouse(config)
    frames = {}
    with wh.reader(published=False) as con:
        present = {
            f"{s}.{n}"
            for s, n in fetch_df(
                con, "select table_schema, table_name from information_schema.tables"
            ).itertuples(index=False)
        }
        for t in tables:
            name = _work_name(wh, t)
            if name in present:  # a raw table of a source type this deployment does not use is simply absent
                frames[t] = fetch_df(con, f"select * from {name}")
    return frames


def _work_name(wh, table: str) -> str:
    schema, name = table.split(".", 1)
    if wh.kind == "postgres" and schema != "raw":
        schema += wh.suffix
    return f"{schema}.{name}"


def check(config: Config) -> dict:
    """The quality gate on the working warehouse (`quality`: raw tables, marts, reconciliations, data docs).
    Results are stored in `audit.quality_results`; critical failures raise QualityGateFailed so nothing downstream
    publishes wrong numbers."""
    return quality(config)


def _store_quality(config: Config, results: list[dict], passed: bool) -> None:
    run_at = dt.datetime.now(dt.UTC).isoformat()
    rows = [
        (
            run_at,
            r["suite"],
            r["table"],
            r["expectation"],
            r.get("column"),
            r["severity"],
            bool(r["success"]),
            str(r.get("details", ""))[:2000],
        )
        for r in results
    ]
    wh = open_warehouse(config)
    with wh.writer() as con:
        if wh.kind == "duckdb":
            con.execute("create schema if not exists audit")
            con.execute("""create table if not exists audit.quality_results (run_at timestamptz, suite varchar,
                tbl varchar, expectation varchar, col varchar, severity varchar, success boolean, details varchar)""")
            if rows:
                con.executemany(
                    "insert into audit.quality_results values (?::timestamptz, ?, ?, ?, ?, ?, ?, ?)", rows
                )
        else:
            with con.cursor() as cur:
                cur.execute("create schema if not exists audit")
                cur.execute("""create table if not exists audit.quality_results (run_at timestamptz, suite text,
                    tbl text, expectation text, col text, severity text, success boolean, details text)""")
                cur.executemany(
                    "insert into audit.quality_results values (%s, %s, %s, %s, %s, %s, %s, %s)", rows
                )


def publish(config: Config) -> dict:
    return open_warehouse(config).publish()


def freshness(config: Config, con) -> list[dict]:
    """Per source: when its data was last loaded, and whether that is older than twice its schedule allows."""
    rows = fetch_df(
        con,
        "select source, max(loaded_at) as last_loaded, sum(records) as records from raw._batches group by source",
    )
    now = dt.datetime.now(dt.UTC)
    out = []
    for s in config["sources"]:
        match = rows[rows["source"] == s["name"]]
        last = match["last_loaded"].iloc[0] if len(match) else None
        last_ts = last.to_pydatetime() if last is not None and hasattr(last, "to_pydatetime") else last
        if last_ts is not None and last_ts.tzinfo is None:
            last_ts = last_ts.replace(tzinfo=dt.UTC)
        stale = last_ts is None or (now - last_ts) > dt.timedelta(days=2)
        records = int(match["records"].iloc[0] or 0) if len(match) else 0
        out.append(
            {
                "source": s["name"],
                "type": s["type"],
                "last_loaded_at": last_ts,
                "records": records,
                "stale": bool(stale),
            }
        )
    return out


def latest_quality(con) -> dict:
    """The latest quality gate run: {'passed', 'failed' (critical failures), 'checked', 'warnings'}; checked is
    False when the gate never ran (no audit.quality_results), and the report then says its numbers are unverified."""
    present = fetch_df(
        con,
        """select count(*) as n from information_schema.tables
           where table_schema = 'audit' and table_name = 'quality_results'""",
    )
    if not int(present["n"].iloc[0]):
        return {"passed": False, "failed": [], "checked": False}
    df = fetch_df(
        con,
        """select * from audit.quality_results
                            where run_at = (select max(run_at) from audit.quality_results)""",
    )
    if df.empty:
        return {"passed": False, "failed": [], "checked": False}
    failed = df[(~df["success"]) & (df["severity"] == "critical")]
    return {
        "passed": failed.empty,
        "failed": failed.to_dict("records"),
        "checked": True,
        "warnings": int(((~df["success"]) & (df["severity"] == "warning")).sum()),
    }


def newest_quality(config: Config) -> dict | None:
    """The latest quality gate run as `latest_quality` gives it, read from the working warehouse (where the gate
    runs and where a failed run stays); None when there is no working warehouse or the gate never ran in it."""
    wh = open_warehouse(config)
    try:
        with wh.reader(published=False) as con:
            return latest_quality(con) if "audit.quality_results" in _tables(con) else None
    except FileNotFoundError:
        return None


def report(config: Config, week: str | None = None, send: bool = False, force: bool = False) -> dict:
    """Render (and with send=True, email) the week's report from the published warehouse. The quality verdict is
    the newest gate run's: when the newest data failed the gate, the report says so above the last published
    numbers."""
    from reporting.archive import archive
    from reporting.mailer import build_message, send_reports
    from reporting.weekly import build_weekly_reports

    week = week or latest_complete_week(config["timezone"])
    parse_week(week)
    wh = open_warehouse(config)
    newest = newest_quality(config)  # a failed gate is in the working warehouse only: never published
    with wh.reader(published=True) as con:
        quality = newest if newest is not None else latest_quality(con)
        fresh = freshness(config, con)
        rendered = build_weekly_reports(con, config.data, week, quality, fresh)
    paths, messages = [], []
    for stakeholder, r in rendered:
        recipient = stakeholder.get("email") if stakeholder else None
        files = archive(r, config.reports_dir, recipient, sender=config["smtp"]["sender"])
        paths.append({k: str(v) for k, v in files.items()})
        if send and recipient:
            messages.append(build_message(r, config["smtp"]["sender"], recipient))
    sent = []
    if send:
        if not config["smtp"]["host"]:
            raise StepError(
                "smtp.host is not set; cannot --send (set it in the config, e.g. env:PULSE_SMTP_HOST)"
            )
        sent = send_reports(messages, config["smtp"], config.reports_dir / "sent.jsonl", force=force)
    return {"week": week, "files": paths, "sent": sent, "quality_passed": quality["passed"]}


def run(config: Config, week: str | None = None, send: bool = False) -> dict:
    """Every step in order. A failed quality gate stops before publish: the report still goes out from the last
    published warehouse and says the newest data did not pass."""
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    out["ingest"] = ingest(config)
    out["load"] = load(config)
    out["transform"] = transform(config)
    out["clv"] = clv(config)
    try:
        out["check"] = check(config)
        out["publish"] = publish(config)
    except QualityGateFailed as e:
        out["check"] = {"passed": False, "error": str(e)}
        log.error("quality gate failed; not publishing: %s", e)
    out["report"] = report(config, week, send=send)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


# ---------------------------------------------------------------------------------------------------------------
# The quality gate in full, and the steps the Airflow DAGs (dags/) add: which week a run reports, whether it may be
# sent, the "report delayed" note, retention.


def configured(path: str | Path | None = None) -> Config:
    """The deployment's validated config, as a task loads it: `path`, else `$PULSE_CONFIG`, else `./pulse.yml`.
    Sources on the sandbox point at the running `pulse sandbox serve` (its address file, <var_dir>/sandbox/url)."""
    from pulse.config import load_config

    config = load_config(Path(path or os.environ.get("PULSE_CONFIG") or "pulse.yml"))
    url_file = config.var_dir / "sandbox" / "url"
    if config.uses_sandbox() and url_file.exists():
        config.resolve_sandbox(url_file.read_text().strip())
    return config


def _tables(con) -> set[str]:
    df = fetch_df(con, "select table_schema, table_name from information_schema.tables")
    return {f"{s}.{n}" for s, n in df.itertuples(index=False)}


def _quality_settings(config: Config):
    from expectations.suites import QualitySettings

    q = config["quality"]
    return QualitySettings(
        max_duplicate_rate=float(q["max_duplicate_rate"]),
        revenue_tolerance=float(q["revenue_tolerance"]),
        row_count_drift_min=float(q["row_count_drift"]["min"]),
        row_count_drift_max=float(q["row_count_drift"]["max"]),
        raw_sample_rows=int(q["raw_sample_rows"]),
    )


def _execute(con, sql: str) -> None:
    """A statement without rows (SET) on a DuckDB or a DB-API (psycopg2) connection."""
    if "duckdb" in type(con).__module__:
        con.execute(sql)
        return
    with con.cursor() as cur:
        cur.execute(sql)


def quality(config: Config, docs: bool = True) -> dict:
    """The quality gate (expectations/) on the working warehouse: every raw table, the marts, the reconciliations
    (member accounts vs staging, mart revenue vs raw orders) and the week-over-week row-count drift. Whole-table
    counts and the revenue run in SQL; the raw suites read a sample of at most `quality.raw_sample_rows` rows per
    table, the mart suites only their columns, one table at a time (expectations/inputs.py). Every result,
    warnings included, is stored in `audit.quality_results`; with `docs`, GX data docs are written to
    <var_dir>/quality/data_docs/. Critical failures raise QualityGateFailed naming each failed expectation."""
    from zoneinfo import ZoneInfo

    from expectations.gate import run_gate
    from expectations.inputs import Sql, gate_inputs

    started = time.perf_counter()
    settings = _quality_settings(config)
    wh = open_warehouse(config)
    with wh.reader(published=False) as con:
        actual = _tables(con)
        # Postgres builds into marts_work, staging_work...: to the suites they are marts.x, staging.x
        logical = {t.replace(f"{wh.suffix}.", ".", 1) for t in actual} if wh.kind == "postgres" else actual
        present = {t for t in logical if _work_name(wh, t) in actual}
        sql = Sql(
            query=lambda text, params=None: fetch_df(con, text, params),
            execute=lambda text: _execute(con, text),
            name=lambda t: _work_name(wh, t),
            dialect=wh.kind,
        )
        today = dt.datetime.now(ZoneInfo(config["timezone"])).date()
        inputs = gate_inputs(sql, present, settings.raw_sample_rows, today=today)
        frames = inputs.frames
        # the marts and raw samples are read as the gate reaches them: the connection stays open until it is done
        result = run_gate(
            frames,
            communities=[c["name"] for c in config["communities"]],
            tiers=[t["name"] for t in config["rules"]["tiers"]],
            settings=settings,
            docs_dir=config.var_dir / "quality" / "data_docs" if docs else None,
            total_rows=inputs.total_rows,
        )
    _store_quality(config, result.results, result.passed)
    failed = [r for r in result.results if not r["success"]]
    summary = {
        "passed": result.passed,
        "failed": failed,
        "warnings": sum(r["severity"] == "warning" for r in failed),
        "expectations": len(result.results),
        "tables": len(frames),
        "docs": str(result.docs) if result.docs else None,
        "seconds": round(time.perf_counter() - started, 2),
    }
    log.info(
        "quality gate passed=%s expectations=%d failed=%d tables=%d",
        result.passed,
        len(result.results),
        len(failed),
        len(frames),
    )
    if not result.passed:
        names = "; ".join(
            f"{r['table']}.{r.get('column') or ''} {r['expectation']}: {r['details']}"
            for r in failed
            if r["severity"] == "critical"
        )
        raise QualityGateFailed(f"quality gate failed: {names}")
    return summary


def report_week(config: Config, when: dt.datetime | None = None) -> str:
    """The week a run at `when` (default now) reports: the last ISO week that ended before it, in the business time
    zone. The Monday 09:00 run of weekly_report reports the week that ended the night before."""
    return latest_complete_week(config["timezone"], when)


def report_readiness(config: Config, week: str) -> dict:
    """Whether the week's report may go out: the latest quality gate passed (its results are in the working
    warehouse: a failed run is never published), the published marts have the week, and every enabled source was
    loaded after the week ended. Returns {week, ready, reasons: [one line each], failed_expectations}."""
    from pulse.weeks import week_bounds

    parse_week(week)
    _, week_end = week_bounds(week, config["timezone"])
    reasons: list[str] = []
    failed: list[str] = []
    wh = open_warehouse(config)
    quality_state = newest_quality(config)
    if not quality_state or not quality_state["checked"]:
        reasons.append("the quality gate has not run on the working warehouse")
    elif not quality_state["passed"]:
        for r in quality_state["failed"]:
            failed.append(f"{r['tbl']}.{r.get('col') or ''} {r['expectation']}")
        reasons.append(
            f"the latest quality gate failed ({len(failed)} critical expectation(s)): " + "; ".join(failed)
        )
    try:
        with wh.reader(published=True) as con:
            tables = _tables(con)
            mart = "marts.community_health_weekly"  # published: no _work suffix on either warehouse
            if mart not in tables:
                reasons.append("the published warehouse has no marts.community_health_weekly")
            else:
                rows = fetch_df(
                    con, f"select count(*) as n from {mart} where week_start = ?", [parse_week(week)]
                )["n"].iloc[0]
                if not rows:
                    reasons.append(f"the published marts have no rows for {week}")
            loaded = (
                fetch_df(con, "select source, max(loaded_at) as last from raw._batches group by source")
                if "raw._batches" in tables
                else None
            )
    except FileNotFoundError:
        reasons.append("nothing has been published yet")
        loaded = None
    if loaded is not None:
        last = {s: t for s, t in loaded.itertuples(index=False)}
        for name in config.source_names():
            at = last.get(name)
            at = at.to_pydatetime() if hasattr(at, "to_pydatetime") else at
            if at is not None and at.tzinfo is None:
                at = at.replace(tzinfo=dt.UTC)
            if at is None or at < week_end:
                when = at.isoformat(timespec="minutes") if at else "never"
                reasons.append(f"source {name} was last loaded {when}, before {week} ended")
    return {"week": week, "ready": not reasons, "reasons": reasons, "failed_expectations": failed}


def report_delayed(config: Config, week: str, reasons: list[str], send: bool = True) -> dict:
    """Tell every stakeholder, in their language, that the week's report is delayed (reporting/delayed.py); once
    per week and recipient (sent log <reports_dir>/delayed.jsonl)."""
    from reporting.delayed import send_delay_notes

    parse_week(week)
    if send and not config["smtp"]["host"]:
        raise StepError("smtp.host is not set; cannot send the delay note (set it in the config)")
    sent = send_delay_notes(config, week, reasons, send=send)
    return {"week": week, "sent": sent}


def maintenance(config: Config, now: dt.datetime | None = None) -> dict:
    """Retention (pulse.yml `retention`): landing batches already loaded into the warehouse and extracted before
    `retention.landing` ago are deleted (never one that is not loaded: it would be lost); archived report weeks that
    ended before `retention.reports` ago are deleted (the sent logs stay, so no week is ever sent twice)."""
    import shutil
    from zoneinfo import ZoneInfo

    from ingestion.landing import committed_batches

    now = now or dt.datetime.now(dt.UTC)
    keep = config["retention"]
    wh = open_warehouse(config)
    loaded: set[str] = set()
    try:
        with wh.reader(published=False) as con:
            if "raw._batches" in _tables(con):
                loaded = set(fetch_df(con, "select batch_id from raw._batches")["batch_id"])
    except FileNotFoundError:
        pass
    landing_cutoff = now - keep["landing"]
    batches = kept_unloaded = 0
    for b in committed_batches(config.landing_dir):
        extracted = dt.datetime.fromisoformat(str(b.meta["extracted_at"]).replace("Z", "+00:00"))
        if extracted.tzinfo is None:
            extracted = extracted.replace(tzinfo=dt.UTC)
        if extracted >= landing_cutoff:
            continue
        if b.batch_id not in loaded:
            kept_unloaded += 1
            continue
        shutil.rmtree(b.path)
        batches += 1
    today = now.astimezone(ZoneInfo(config["timezone"])).date()
    reports_cutoff = today - dt.timedelta(days=keep["reports"].days)
    weeks = []
    if config.reports_dir.exists():
        for folder in sorted(config.reports_dir.iterdir()):
            try:
                monday = parse_week(folder.name)
            except ValueError:
                continue  # sent logs and anything else that is not a week's folder
            if folder.is_dir() and monday + dt.timedelta(days=7) <= reports_cutoff:
                shutil.rmtree(folder)
                weeks.append(folder.name)
    log.info(
        "retention landing_batches=%d kept_unloaded=%d report_weeks=%d", batches, kept_unloaded, len(weeks)
    )
    return {
        "landing_batches_deleted": batches,
        "landing_batches_kept_unloaded": kept_unloaded,
        "report_weeks_deleted": weeks,
    }
