"""The whole pipeline at a named scale: time and peak memory of every stage, a full run and an incremental day.

    .venv/bin/python bench/scale.py --scale S|M|L        (make bench SCALE=S)

Sizes: pulse/sandbox/scales.py (S is the world the dbt tests build on DuckDB and Postgres; L a million members over
52 weeks). The pipeline is the demo's (demo/pulse.yml: every platform, both communities, the A/B test) pointed at
this world, run stage by stage through `pulse.steps`, as `pulse run` and the Airflow tasks run it:

1. world: generate it straight to Parquet (write_world: each table is dropped once written, so L fits in memory).
2. full run on the world without its last day (pulse/sandbox/timecut.py): land (every source over loopback HTTP
   from the sandbox, rate limits off, platform by platform: the sandbox serves one platform's tables at a time, as
   a million members' world does not fit in memory whole; file drops written before their source lands; only the
   landing is timed), load, dbt build, CLV fit, quality gate, publish, report (render and archive every
   stakeholder's report of the last week; no mail).
3. floor: what DuckDB takes to scan the raw engagement and order tables once and count rows per member and week
   (one `group by member, week`); every stage is also given as a multiple of it.
4. incremental day: the sandbox now serves the whole world; land (the cursors fetch the new day; full-refresh
   streams re-read everything, as they do in production), load, dbt build, CLV, gate, publish.

Each finished stage is kept in <dir>/progress.json: `--resume` goes on after the last one (an L run takes hours).
`--without-incremental-day` stops after the floor: at L the day rebuilds every model (~the full run's build), more
than a working session here has left after the full run. With `--resume` it keeps the day's stages measured
before (say, its landing and load); the results then give no total for the day.
Every stage runs in a fresh process, so its peak resident memory (ru_maxrss, its own and its subprocesses', e.g.
dbt's) is its alone; the sandbox server runs in another (a platform's memory is not ours). Imports are timed apart
(Great Expectations alone takes seconds). Results: bench/results/scale-<S>.json, and the table in
docs/benchmarks.md is rebuilt from every results file present.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from children import SPAWN, child_process, cpu_seconds, in_child, peak_rss_mb, process_cpu_seconds  # noqa: E402  (bench/children.py)

from pulse.sandbox.scales import SCALES  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
END_DATE = dt.date(2026, 1, 5)  # the generator's default: data ends Sunday 2026-01-04 (2026-W01)
PIPELINE = ("land", "load", "dbt_build", "clv", "quality", "publish", "report")
INCREMENTAL = ("land", "load", "dbt_build", "clv", "quality", "publish")
# issue #8's targets at L
TARGETS = {"full_run_seconds": 900, "peak_rss_mb": 8000, "incremental_day_seconds": 60, "report_seconds": 10}
DBT_FLOOR_MULTIPLE = 5

# The floor's inputs: raw engagement and order tables -> (member key path, event time path, how the time is written)
FLOOR_STREAMS = {
    "raw.discourse__posts": ("user_id", "created_at", "iso"),
    "raw.discord__messages": ("author.id", "timestamp", "iso"),
    "raw.reddit__comments": ("data.author", "data.created_utc", "epoch"),
    "raw.reddit__submissions": ("data.author", "data.created_utc", "epoch"),
    "raw.youzan__points": ("yz_open_id", "create_time", "local"),
    "raw.shopify__orders": ("customer.id", "created_at", "iso"),
    "raw.woocommerce__orders": ("customer_id", "date_created_gmt", "local"),
    "raw.youzan__trades": (
        "full_order_info.buyer_info.yz_open_id",
        "full_order_info.order_info.created",
        "local",
    ),
}


def floor_sql(kind: str, tables: list[str]) -> str:
    """One `group by member, week` over the raw engagement and order tables present, in the warehouse's dialect."""

    def text(path: str) -> str:
        if kind == "duckdb":
            return f"json_extract_string(_record, '$.{path}')"
        return f"(_record #>> '{{{path.replace('.', ',')}}}')"

    def when(path: str, form: str) -> str:
        value = text(path)
        if form == "epoch":
            return f"to_timestamp(cast({value} as double precision))"
        return f"cast({value} as {'timestamptz' if form == 'iso' else 'timestamp'})"

    parts = [
        f"select _source || ':' || {text(member)} as member, {when(at, form)} as event_at from {table}"
        for table, (member, at, form) in FLOOR_STREAMS.items()
        if table in tables
    ]
    return f"""select count(*) as member_weeks, sum(n) as n_rows from (
                 select member, date_trunc('week', event_at) as week, count(*) as n
                 from ({" union all ".join(parts)}) as e group by member, date_trunc('week', event_at)) as g"""


# ------------------------------------------------------------------------------------------------ the work folder


def bench_config(scale, work: Path, memory_limit: str, threads: int) -> dict[str, Any]:
    """demo/pulse.yml pointed at this scale's world: its var folder, warehouse, size and the world's own Discord
    guilds and subreddits; client-side rate limits at their maximum (the sandbox's are off)."""
    from pulse.testing.demo import demo_config

    return demo_config(
        work,
        members=scale.members,
        weeks=scale.weeks,
        end_date=END_DATE,
        seed=scale.seed,
        memory_limit=memory_limit,
        threads=threads,
    )


def _fit_sources(data: dict, world_dir: Path) -> None:
    """The demo names seed 7's Discord guilds and subreddits; any other seed has its own."""
    from pulse.sandbox.tables import World

    world = World.read(world_dir, names=("discord_guilds", "reddit_submissions"))
    guilds = world["discord_guilds"]["guild_id"].astype(str).tolist()
    subreddits = sorted(world["reddit_submissions"]["subreddit"].astype(str).unique())
    discord = [s for s in data["sources"] if s["type"] == "discord"]
    for source, gid in zip(discord, guilds, strict=True):
        source["options"]["guild_id"] = gid
    for s in data["sources"]:
        s["requests_per_second"] = 10000
        if s["type"] == "reddit":
            s["options"]["subreddits"] = subreddits


# ------------------------------------------------------------------------------------------------ child processes


def _world(scale_name: str, variant_b_lift: float, world_dir: str, out) -> None:
    """Generate the world straight to Parquet (write_world: a table is dropped once written, so L fits)."""
    from pulse.sandbox.world import write_world

    scale = SCALES[scale_name]
    t0 = time.perf_counter()
    meta = write_world(
        Path(world_dir), scale.seed, scale.members, scale.weeks, END_DATE, variant_b_lift=variant_b_lift
    )
    out.put(
        {
            "seconds": round(time.perf_counter() - t0, 2),  # generation and writing, interleaved
            "records": meta["records"],
            "rows": meta["rows"],
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def _cut(world, cut: bool):
    from pulse.sandbox.timecut import last_day_start, world_until

    return world_until(world, last_day_start(world)) if cut else world


def _serve(config_path: str, world_dir: str, cut: bool, platform: str, ready) -> None:
    """The sandbox serving one platform of this world (without its last day when `cut`), its address where
    `steps.configured` finds it. One platform at a time: a million members' world does not fit in memory whole."""
    from pulse.cli import sandbox_credentials
    from pulse.config import load_config
    from pulse.sandbox.platforms import discover
    from pulse.sandbox.server import make_server
    from pulse.sandbox.tables import World

    config = load_config(Path(config_path))
    spec = {s.name: s for s in discover()}[platform]
    names = json.loads((Path(world_dir) / "world.json").read_text())["rows"]
    world = _cut(World.read(Path(world_dir), spec.tables(names)), cut)
    server = make_server(world, rate_limits=False, credentials=sandbox_credentials(config)).warm()
    url_file = config.var_dir / "sandbox" / "url"
    url_file.parent.mkdir(parents=True, exist_ok=True)
    url_file.write_text(server.url)
    ready.put({"url": server.url, "records": world.record_count(), "peak_rss_mb": peak_rss_mb()})
    server.serve_forever()


def _drops(config_path: str, world_dir: str, cut: bool, out) -> None:
    """The CRM's and the stores' file drops of this world (without its last day when `cut`)."""
    from pulse.config import load_config
    from pulse.sandbox.filedrops import TABLES, write_drops
    from pulse.sandbox.tables import World
    from pulse.sandbox.world import AB_TEST_CAMPAIGN

    config = load_config(Path(config_path))
    world = _cut(World.read(Path(world_dir), TABLES), cut)
    shutil.rmtree(config.sandbox_drops_dir, ignore_errors=True)
    write_drops(world, config.sandbox_drops_dir, broken=False, ab_test=AB_TEST_CAMPAIGN)
    out.put({"records": world.record_count(), "peak_rss_mb": peak_rss_mb()})


WARM_IMPORTS = {
    "quality": ("great_expectations", "expectations.gate"),
    "report": ("reporting.weekly", "reporting.charts", "reporting.mailer", "reporting.archive"),
    "clv": ("pulse.predict",),
}


def _stage(name: str, config_path: str, week: str, sources: list[str] | None, out) -> None:
    """Run one stage; put its figures (or the error that stopped it) on `out`."""
    try:
        _measure(name, config_path, week, sources, out)
    except Exception as e:  # noqa: BLE001 - a failed stage is reported with its error; the bench goes on
        import traceback

        traceback.print_exc()
        out.put({"seconds": None, "peak_rss_mb": peak_rss_mb(), "error": f"{type(e).__name__}: {e}"[:2000]})


def _measure(name: str, config_path: str, week: str, sources: list[str] | None, out) -> None:
    import importlib
    import logging

    from pulse import steps

    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    for module in WARM_IMPORTS.get(name, ()):
        importlib.import_module(module)
    imports = time.perf_counter() - t0
    config = steps.configured(config_path)
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    detail: dict[str, Any] = {}
    if name == "land":
        results = steps.ingest(config, sources)
        per_source: dict[str, dict[str, float]] = {}
        for r in results:
            one = per_source.setdefault(r["source"], {"records": 0, "seconds": 0.0})
            one["records"] += r["records"]
            one["seconds"] = round(one["seconds"] + r["seconds"], 2)
        detail = {
            "records": sum(r["records"] for r in results),
            "batches": len(results),
            "sources": per_source,
        }
    elif name == "load":
        report = steps.load(config)
        detail = {"records": report["records"], "quarantined": report["quarantined"]}
    elif name == "dbt_build":
        detail = {"summary": steps.transform(config)["summary"], "slowest": _slowest_nodes(config)}
    elif name == "clv":
        steps.clv(config)
    elif name == "quality":
        try:
            result = steps.quality(config, docs=True)
            detail = {"passed": True, "expectations": result["expectations"], "warnings": result["warnings"]}
        except steps.QualityGateFailed as e:
            detail = {"passed": False, "error": str(e)[:2000]}
    elif name == "publish":
        steps.publish(config)
    elif name == "report":
        result = steps.report(config, week)
        detail = {"reports": len(result["files"]), "quality_passed": result["quality_passed"]}
    elif name == "floor":
        detail = _floor(config)
    elif name == "counts":
        detail = _counts(config)
    else:
        raise ValueError(name)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    if name == "floor":
        seconds = detail.pop("seconds")
    out.put(
        {
            "seconds": round(seconds, 2),
            "import_seconds": round(imports, 2),
            "cpu_seconds": round(cpu, 2),
            "peak_rss_mb": peak_rss_mb(),
            **detail,
        }
    )


def _slowest_nodes(config, n: int = 12) -> list[list]:
    """The build's slowest models and tests (dbt's run_results.json): where its time goes."""
    from pulse.steps import dbt_target

    results = json.loads((dbt_target(config) / "run_results.json").read_text())["results"]
    timed = sorted(results, key=lambda r: -r["execution_time"])[:n]
    return [[".".join(r["unique_id"].split(".")[2:]), round(r["execution_time"], 2)] for r in timed]


def _floor(config) -> dict:
    """One scan of the raw engagement and order tables: rows per member and week (best of two runs: the first
    also reads the data from disk into the page cache)."""
    from pulse.warehouse import fetch_df, open_warehouse

    wh = open_warehouse(config)
    with wh.reader(published=False) as con:
        listed = fetch_df(con, "select table_schema, table_name from information_schema.tables")
        present = [f"{s}.{t}" for s, t in listed.itertuples(index=False)]
        sql = floor_sql(wh.kind, present)
        best = float("inf")
        for _ in range(2):
            t0 = time.perf_counter()
            result = fetch_df(con, sql)
            best = min(best, time.perf_counter() - t0)
    tables = sum(t in present for t in FLOOR_STREAMS)
    return {
        "seconds": best,
        "rows": int(result["n_rows"].iloc[0]),
        "member_weeks": int(result["member_weeks"].iloc[0]),
        "tables": tables,
    }


def _counts(config) -> dict:
    """What the world amounts to in the published marts (members, engagement events, orders) and on disk."""
    from pulse.steps import _work_name
    from pulse.warehouse import fetch_df, open_warehouse

    wh = open_warehouse(config)
    queries = {
        "members": f"select count(*) as n from {_work_name(wh, 'marts.dim_members')}",
        "engagement_events": f"select count(*) as n from {_work_name(wh, 'marts.fct_engagement_events')}",
        "orders": f"select count(*) as n from {_work_name(wh, 'intermediate.int_orders_unified')}",
        "raw_rows": "select sum(records) as n from raw._batches",
    }
    if wh.kind == "postgres":
        queries["warehouse_bytes"] = "select pg_database_size(current_database()) as n"
    out = {}
    with wh.reader(published=False) as con:  # the working warehouse: Postgres publishes the marts alone
        for key, sql in queries.items():
            out[key] = int(fetch_df(con, sql)["n"].iloc[0] or 0)
    size = out.pop("warehouse_bytes", None)
    if size is None:
        size = config.warehouse_path.stat().st_size
    out["warehouse_mb"] = round(size / 2**20)
    landing = config.landing_dir
    out["landing_mb"] = round(sum(f.stat().st_size for f in landing.rglob("*") if f.is_file()) / 2**20)
    return out


class Sandbox:
    def __init__(self, config_path: Path, world_dir: Path, cut: bool, platform: str):
        ready = SPAWN.Queue()
        self.proc = child_process(_serve, str(config_path), str(world_dir), cut, platform, ready, daemon=True)
        self.proc.start()
        self.info = ready.get(timeout=3600)
        self._cpu_ready = process_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        """Stop the server; `info["cpu_seconds"]`: the CPU it took from ready to now (serving, not loading)."""
        cpu = process_cpu_seconds(self.proc.pid)
        if cpu is not None and self._cpu_ready is not None:
            self.info["cpu_seconds"] = round(cpu - self._cpu_ready, 2)
        self.proc.terminate()
        self.proc.join()


def _platform_sources(config_path: Path) -> dict[str, list[str]]:
    """The config's sources by the sandbox platform they read (`sandbox:<platform>`; `files` are the drops)."""
    data = yaml.safe_load(config_path.read_text())
    groups: dict[str, list[str]] = {}
    for s in data["sources"]:
        if s.get("enabled", True):
            groups.setdefault(str(s["base_url"]).split(":", 1)[1], []).append(s["name"])
    return groups


def _land_platform(
    config_path: Path, world_dir: Path, cut: bool, week: str, host: str, names: list[str]
) -> dict:
    """Land one platform's sources from a sandbox serving only that platform (the file drops are written first);
    only the landing itself is timed. The server's figures go in `sandbox`."""
    if host == "files":
        server = in_child(_drops, str(config_path), str(world_dir), cut)
        result = in_child(_stage, "land", str(config_path), week, names)
        server["cpu_seconds"] = 0.0  # files: nothing serves them while they land
    else:
        sandbox = Sandbox(config_path, world_dir, cut, host)
        try:
            result = in_child(_stage, "land", str(config_path), week, names)
        finally:
            sandbox.stop()
        server = sandbox.info
    keep = ("records", "peak_rss_mb", "cpu_seconds")
    return {**result, "sandbox": {k: server[k] for k in keep if k in server}}


def _land(config_path: Path, world_dir: Path, cut: bool, week: str, part: str, progress: Progress) -> dict:
    """Land every source, platform by platform (the sandbox serves one platform at a time); each finished
    platform is kept in the progress file, so a stopped landing goes on at the platform it was landing."""
    parts = {}
    for host, names in _platform_sources(config_path).items():
        parts[host] = progress.run(
            Progress.key(part, f"land.{host}"),
            f"{part} land {host}",
            lambda host=host, names=names: _land_platform(config_path, world_dir, cut, week, host, names),
        )
    failed = {p: r["error"] for p, r in parts.items() if r.get("error")}
    return {
        "seconds": None if failed else round(sum(r["seconds"] for r in parts.values()), 2),
        "import_seconds": round(sum(r["import_seconds"] for r in parts.values() if "import_seconds" in r), 2),
        "peak_rss_mb": max(r["peak_rss_mb"] or 0 for r in parts.values()),
        "records": sum(r.get("records", 0) for r in parts.values()),
        "batches": sum(r.get("batches", 0) for r in parts.values()),
        "sources": {k: v for r in parts.values() for k, v in r.get("sources", {}).items()},
        "cpu_seconds": _sum_all(r.get("cpu_seconds") for r in parts.values()),
        "sandbox_cpu_seconds": _sum_all(r.get("sandbox", {}).get("cpu_seconds") for r in parts.values()),
        "sandbox": {p: r["sandbox"] for p, r in parts.items() if "sandbox" in r},
        **({"error": "; ".join(f"{p}: {e}" for p, e in failed.items())} if failed else {}),
    }


def _sum_all(values) -> float | None:
    """The sum, or None when any is unknown (a platform landed before `--resume` by an older bench)."""
    values = list(values)
    return None if any(v is None for v in values) else round(sum(values), 2)


class Progress:
    """Each finished stage's figures in the work folder (progress.json), so that `--resume` goes on after the last
    one: an L run takes hours and may be stopped. A stopped stage runs again safely (loading takes each batch
    once, dbt and the gate rebuild). The landing is kept platform by platform; a stopped platform resumes from
    its cursors, so its figure then covers only what was left: to time it whole, delete its landing and state."""

    def __init__(self, work: Path, resume: bool):
        self.path = work / "progress.json"
        self.done: dict[str, dict] = (
            json.loads(self.path.read_text()) if resume and self.path.exists() else {}
        )
        self.resumed = bool(self.done)

    @staticmethod
    def key(part: str, name: str) -> str:
        return f"{part}.{name}"

    def finished(self, part: str, names) -> dict[str, dict]:
        """The stages of `part` measured before, in order, up to the first one that was not."""
        done = {}
        for name in names:
            if self.key(part, name) not in self.done:
                break
            done[name] = self.done[self.key(part, name)]
        return done

    def run(self, key: str, label: str, measure) -> dict:
        if key in self.done:
            result = self.done[key]
            print(f"  {label}: {result['seconds']} s (measured before --resume)", flush=True)
            return result
        result = measure()
        print(f"  {label}: {result['seconds']} s, peak {result['peak_rss_mb']} MB", flush=True)
        if not result.get("error"):
            self.done[key] = result
            self.path.write_text(json.dumps(self.done, indent=1, default=str))
        return result


def _run_stages(
    names, config_path: Path, world_dir: Path, cut: bool, week: str, part: str, progress: Progress
) -> dict[str, dict]:
    stages = {}
    for name in names:
        if name == "land":
            measure = lambda: _land(config_path, world_dir, cut, week, part, progress)  # noqa: E731
        else:
            measure = lambda name=name: in_child(_stage, name, str(config_path), week, None)  # noqa: E731
        stages[name] = progress.run(Progress.key(part, name), f"{part} {name}", measure)
    return stages


# ------------------------------------------------------------------------------------------------ the run


def run(
    scale_name: str,
    work: Path,
    memory_limit: str,
    threads: int,
    postgres=None,
    resume: bool = False,
    incremental_day: bool = True,
) -> dict[str, Any]:
    """The bench on DuckDB, or on the Postgres server `postgres` (a pulse.testing.postgres.PostgresServer); with
    `resume`, after the stages an earlier run in `work` finished; without `incremental_day`, the full run and the
    floor only (the results then say the day was not run)."""
    from pulse.cli import DEMO_ENV

    for k, v in DEMO_ENV.items():
        os.environ.setdefault(k, v)
    scale = SCALES[scale_name]
    data = bench_config(scale, work, memory_limit, threads)
    if postgres is not None:
        data["warehouse"] = {
            "type": "postgres",
            "postgres": {
                "host": postgres.host,
                "port": postgres.port,
                "user": postgres.user,
                "password": postgres.password,
                "dbname": postgres.dbname,
            },
        }
    world_dir = work / "world"
    progress = Progress(work, resume)
    if not resume:
        shutil.rmtree(work / "var", ignore_errors=True)  # every run lands and builds from nothing
    t_all = time.perf_counter()
    if not (world_dir / "bench-world.json").exists():
        world = in_child(_world, scale_name, float(data["sandbox"]["variant_b_lift"]), str(world_dir))
    else:
        world = json.loads((world_dir / "bench-world.json").read_text())
    (world_dir / "bench-world.json").write_text(json.dumps(world))
    print(
        f"  world: {world['records']:,} records in {world['seconds']} s, peak {world['peak_rss_mb']} MB",
        flush=True,
    )
    _fit_sources(data, world_dir)
    config_path = work / "pulse.yml"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True))
    week = _last_week()

    full = _run_stages(PIPELINE, config_path, world_dir, True, week, "full_run", progress)
    floor = progress.run("floor", "floor", lambda: in_child(_stage, "floor", str(config_path), week, None))
    incremental = (
        _run_stages(INCREMENTAL, config_path, world_dir, False, week, "incremental_day", progress)
        if incremental_day
        else progress.finished("incremental_day", INCREMENTAL)
    )
    counts = in_child(_stage, "counts", str(config_path), week, None)
    warehouse = {"type": "duckdb", "memory_limit": memory_limit, "threads": threads}
    if postgres is not None:
        warehouse = {"type": "postgres", "server": _pg_version(postgres)}
    servers = full["land"].get("sandbox", {})
    result = _summary(scale, world, full, floor, incremental, counts, servers, warehouse, t_all)
    result["resumed"] = progress.resumed  # wall_seconds then counts this run's part only
    return result


def _pg_version(server) -> str:
    con = server.connect()
    try:
        with con.cursor() as cur:
            cur.execute("show server_version")
            return f"PostgreSQL {cur.fetchone()[0]} (throwaway server, default settings)"
    finally:
        con.close()


def _last_week() -> str:
    last_sunday = END_DATE - dt.timedelta(days=END_DATE.isoweekday())
    year, week, _ = last_sunday.isocalendar()
    return f"{year}-W{week:02d}"


def _target(measured: float | None, limit: float) -> dict:
    met = measured is not None and measured <= limit
    return {
        "measured": measured,
        "target": limit,
        "met": met,
        "ratio": round(measured / limit, 2) if measured else None,
    }


def _part_seconds(stages: dict[str, dict], names) -> float | None:
    """A part's total: None unless every one of its stages ran and finished, so that a failed or cut-short part
    never shows a total that looks like a measurement (a failed build's seconds are its time to the error)."""
    if list(stages) != list(names) or any(s.get("error") for s in stages.values()):
        return None
    return _sum_all(s["seconds"] for s in stages.values())


def _summary(scale, world, full, floor, incremental, counts, server, warehouse, t_all) -> dict:
    parts = {"full_run": full, "incremental_day": incremental}
    errors = {f"{part}.{n}": s["error"] for part, st in parts.items() for n, s in st.items() if "error" in s}
    for name, part in (("floor", floor), ("counts", counts)):
        if "error" in part:
            errors[name] = part["error"]
    full_seconds = _part_seconds(full, PIPELINE)
    day_seconds = _part_seconds(incremental, INCREMENTAL)
    peak = max(s["peak_rss_mb"] for s in [*full.values(), *incremental.values()])
    for stages in parts.values():
        for s in stages.values():
            ok = s["seconds"] is not None and floor.get("seconds")
            s["floor_multiple"] = round(s["seconds"] / floor["seconds"], 1) if ok else None
    targets = {
        "full_run_seconds": _target(full_seconds, TARGETS["full_run_seconds"]),
        "peak_rss_mb": _target(peak, TARGETS["peak_rss_mb"]),
        "incremental_day_seconds": _target(day_seconds, TARGETS["incremental_day_seconds"]),
        "report_seconds": _target(full["report"]["seconds"], TARGETS["report_seconds"]),
        "dbt_build_floor_multiple": _target(full["dbt_build"]["floor_multiple"], DBT_FLOOR_MULTIPLE),
    }
    return {
        "scale": scale.name,
        "members": scale.members,
        "weeks": scale.weeks,
        "seed": scale.seed,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "warehouse": warehouse,
        "command": f"make bench SCALE={scale.name}"
        + (" WAREHOUSE=postgres" if warehouse["type"] == "postgres" else ""),
        "world": world,
        "sandbox": server,
        "counts": counts,
        "floor": floor,
        "full_run": {"seconds": full_seconds, "stages": full},
        "incremental_day": {"seconds": day_seconds, "stages": incremental},
        "targets": targets,
        "errors": errors,
        "wall_seconds": round(time.perf_counter() - t_all, 1),
    }


def _machine() -> dict:
    import duckdb

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 2**30),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


# ------------------------------------------------------------------------------------------------ docs


def _label(r: dict) -> str:
    return f"{r['scale']} {r['warehouse']['type']}"


def _total(r: dict, part: str) -> dict | None:
    stages = r[part]["stages"].values()
    if r[part]["seconds"] is None:
        return None
    return {
        "seconds": r[part]["seconds"],
        "peak_rss_mb": max(s["peak_rss_mb"] for s in stages),
        "floor_multiple": round(r[part]["seconds"] / r["floor"]["seconds"], 1)
        if r["floor"]["seconds"]
        else None,
    }


def docs_table(results: list[dict]) -> str:
    """The Markdown table of every results file (three columns per scale and warehouse), then one line each on
    what was measured and which of issue #8's targets (set for L) it misses."""
    results = sorted(results, key=lambda r: ("SML".index(r["scale"]), r["warehouse"]["type"]))
    lines = [
        "| stage | " + " | ".join(f"{_label(r)}: s | peak MB | x floor" for r in results) + " |",
        "|---|" + "--:|--:|--:|" * len(results),
    ]

    def row(label, pick):
        cells = []
        for r in results:
            s = pick(r)
            if s is None:
                cells.append(" | | ")
                continue
            if s.get("seconds") is None:
                cells.append(f"failed | {s.get('peak_rss_mb', '')} | ")
                continue
            multiple = s.get("floor_multiple")
            cells.append(
                f"{s['seconds']:,} | {s.get('peak_rss_mb', '')} | {'' if multiple is None else multiple}"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("world generation (the platforms' side)", lambda r: r["world"])
    for name in PIPELINE:
        row(f"full run: {name}", lambda r, n=name: r["full_run"]["stages"].get(n))
    row("**full run**", lambda r: _total(r, "full_run"))
    row(
        "floor: raw engagement + orders, `group by member, week`",
        lambda r: {**r["floor"], "floor_multiple": 1.0},
    )
    for name in INCREMENTAL:
        row(f"incremental day: {name}", lambda r, n=name: r["incremental_day"]["stages"].get(n))
    row("**incremental day**", lambda r: _total(r, "incremental_day"))
    lines.append("")
    for r in results:
        c, w, m, wh = r["counts"], r["world"], r["machine"], r["warehouse"]
        # counts fail when the build did (no marts to count): say so instead of failing the table
        c = {
            k: c.get(k, "?") for k in ("landing_mb", "members", "engagement_events", "orders", "warehouse_mb")
        }
        engine = (
            f"DuckDB {m['duckdb']}, memory_limit {wh['memory_limit']}, {wh['threads']} threads"
            if wh["type"] == "duckdb"
            else wh["server"]
        )
        gate = "passed" if r["full_run"]["stages"]["quality"].get("passed") else "FAILED"
        lines.append(
            f"- **{_label(r)}** ({r['members']:,} members x {r['weeks']} weeks, `{r['command']}`, {r['when']}, "
            f"{m['cores']} cores, {m['memory_gb']} GB, {engine}): world {w['records']:,} rows; landed "
            f"{r['full_run']['stages']['land']['records']:,} records ({_n(c['landing_mb'])} MB gzip), the incremental "
            f"day {_day_records(r)}; marts: {_n(c['members'])} members, "
            f"{_n(c['engagement_events'])} engagement events, {_n(c['orders'])} orders; warehouse {_n(c['warehouse_mb'])} "
            f"MB; the floor scanned {r['floor']['rows']:,} rows into {r['floor']['member_weeks']:,} member-weeks; "
            f"gate {gate}; load average at the end {m['load_average_at_end']}."
        )
        land = r["full_run"]["stages"]["land"]
        if land.get("cpu_seconds") is not None and land.get("sandbox_cpu_seconds") is not None:
            lines.append(
                f"  Landing CPU: the connectors {land['cpu_seconds']:,} s, the sandbox serving them "
                f"{land['sandbox_cpu_seconds']:,} s (on the same {m['cores']} cores; a platform's servers are not)."
            )
        misses = [
            f"{k} {v['measured']:,} vs {v['target']:,} ({v['ratio']}x)"
            if v["measured"] is not None
            else f"{k} not measured (vs {v['target']:,})"
            for k, v in r["targets"].items()
            if not v["met"]
        ]
        lines.append(f"  Targets (set for L) missed here: {'; '.join(misses) if misses else 'none'}.")
    return "\n".join(lines)


def _n(value) -> str:
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def _day_records(r: dict) -> str:
    stages = r["incremental_day"]["stages"]
    if not stages:
        return "not run (--without-incremental-day)"
    whole = "" if r["incremental_day"]["seconds"] is not None else f" (stopped after {', '.join(stages)})"
    return f"{stages['land']['records']:,} records{whole}"


START, END = "<!-- scale-table:start -->", "<!-- scale-table:end -->"


def update_docs() -> None:
    results = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("scale-*.json"))]
    if not results:
        return
    text = DOCS.read_text()
    block = f"{START}\n{docs_table(results)}\n{END}"
    if START in text:
        before, rest = text.split(START, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text += f"\n## Scale: `make bench SCALE=S|M|L`\n\n{block}\n"
    DOCS.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument(
        "--dir", type=Path, help="work folder (default: a temporary one); a world in it is reused"
    )
    parser.add_argument("--memory-limit", default="4GB", help="the warehouse's DuckDB memory_limit (config)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--warehouse",
        choices=("duckdb", "postgres"),
        default="duckdb",
        help="postgres: a throwaway local server (Debian's postgresql), as the tests start one",
    )
    parser.add_argument(
        "--resume", action="store_true", help="go on after the stages an earlier run in --dir finished"
    )
    parser.add_argument(
        "--without-incremental-day",
        action="store_true",
        help="stop after the full run and the floor, keeping the day's stages measured before --resume",
    )
    parser.add_argument("--docs-only", action="store_true", help="rebuild the docs table from bench/results")
    args = parser.parse_args(argv)
    if args.resume and args.warehouse == "postgres":
        parser.error("--resume: the Postgres bench's throwaway server is gone with the run it served")
    if not args.docs_only:
        work = args.dir or Path(tempfile.mkdtemp(prefix=f"pulse-bench-{args.scale}-"))
        work.mkdir(parents=True, exist_ok=True)
        print(f"bench {args.scale}: work folder {work}", flush=True)
        from pulse.testing.postgres import throwaway_postgres

        server = throwaway_postgres(dbname="pulse_bench") if args.warehouse == "postgres" else nullcontext()
        with server as postgres:
            result = run(
                args.scale,
                work.resolve(),
                args.memory_limit,
                args.threads,
                postgres,
                args.resume,
                not args.without_incremental_day,
            )
        RESULTS.mkdir(parents=True, exist_ok=True)
        suffix = "-postgres" if args.warehouse == "postgres" else ""
        path = RESULTS / f"scale-{args.scale}{suffix}.json"
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str) + "\n")
        print(json.dumps({k: result[k] for k in ("scale", "targets")}, default=str))
        print(f"results: {path}")
        if result["errors"]:
            update_docs()
            raise SystemExit(f"bench: stages failed: {result['errors']}")
    update_docs()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
