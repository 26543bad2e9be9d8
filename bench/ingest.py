"""Landing + loading throughput from the loopback sandbox, rate limits off, every connector.

    .venv/bin/python bench/ingest.py --members 100000 --weeks 52

The sandbox serves the world from its own process (its CPU is not ours, though it shares the machine's cores, so
`land_records_per_cpu_second` also reports landing per CPU-second of our process alone).
Landing runs in a child process: every platform's sources at once (threads, as `pulse ingest` does) plus the
file drops. Loading runs in another child process into a fresh DuckDB file. Each reports its own peak resident
memory, so neither the world generator nor the other stage inflates it. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from children import SPAWN, child_process, in_child, peak_rss_mb  # noqa: E402  (bench/children.py)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _generate(seed: int, members: int, weeks: int, world_dir: str, drops_dir: str) -> None:
    from pulse.sandbox.filedrops import write_drops
    from pulse.sandbox.world import generate_world

    world = generate_world(seed, members, weeks)
    world.write(Path(world_dir))
    write_drops(world, Path(drops_dir), broken=False)


def _serve(world_dir: str, ready) -> None:
    from pulse.sandbox.server import make_server
    from pulse.sandbox.tables import World

    server = make_server(World.read(Path(world_dir)), rate_limits=False).warm()
    ready.put(server.url)
    server.serve_forever()


def _land(world_dir: str, drops_dir: str, url: str, work: str, out) -> None:
    from ingestion.runner import ingest_source
    from pulse.sandbox.sources import SOURCE_TABLES, sandbox_sources
    from pulse.sandbox.tables import World

    # Only the tables that name accounts: the world itself is the server's, not the landing process's, memory.
    world = World.read(Path(world_dir), names=SOURCE_TABLES)
    sources = sandbox_sources(world, url, Path(drops_dir))
    landing, state = Path(work) / "landing", Path(work) / "state"
    t0, cpu0 = time.perf_counter(), _cpu_seconds()
    with ThreadPoolExecutor(len(sources)) as pool:
        results = [r for rs in pool.map(lambda s: ingest_source(s, landing, state), sources) for r in rs]
    seconds = time.perf_counter() - t0
    streams = {f"{r.source}.{r.stream}": r.records for r in results}
    errors = {f"{r.source}.{r.stream}": r.error for r in results if r.error}
    cpu = _cpu_seconds() - cpu0
    out.put(
        {"seconds": seconds, "cpu": cpu, "streams": streams, "errors": errors, "peak_rss_mb": peak_rss_mb()}
    )


def _load(work: str, memory_limit: str, out) -> None:
    from ingestion.load import load_landing
    from pulse.config import Config
    from pulse.warehouse import DuckDBWarehouse

    cfg = Config(
        data={
            "warehouse": {
                "type": "duckdb",
                "path": str(Path(work) / "wh" / "pulse.duckdb"),
                "memory_limit": memory_limit,
                "threads": 2,
                "postgres": {},
            }
        },
        file=Path(work) / "p.yml",
        root=Path(work),
    )
    t0 = time.perf_counter()
    report = load_landing(DuckDBWarehouse(cfg), Path(work) / "landing", [])
    seconds = time.perf_counter() - t0
    out.put(
        {
            "seconds": seconds,
            "records": report.records,
            "quarantined": report.quarantined,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory-limit", default="512MB", help="DuckDB's memory_limit while loading")
    parser.add_argument(
        "--dir", type=Path, help="work folder (default: a temporary one); its world is reused"
    )
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="pulse-bench-ingest-"))
    world_dir, drops_dir = work / "world", work / "drops"
    if not (world_dir / "world.json").exists() or not drops_dir.exists():
        proc = child_process(_generate, args.seed, args.members, args.weeks, str(world_dir), str(drops_dir))
        proc.start()
        proc.join()
    for stale in ("landing", "state", "wh"):
        shutil.rmtree(work / stale, ignore_errors=True)
    ready = SPAWN.Queue()
    server = child_process(_serve, str(world_dir), ready, daemon=True)
    server.start()
    url = ready.get(timeout=900)
    try:
        land = in_child(_land, str(world_dir), str(drops_dir), url, str(work))
    finally:
        server.terminate()
    load = in_child(_load, str(work), args.memory_limit)
    records = sum(land["streams"].values())
    out = {
        "members": args.members,
        "weeks": args.weeks,
        "records": records,
        "land_seconds": round(land["seconds"], 2),
        "land_records_per_second": round(records / land["seconds"]),
        "land_peak_rss_mb": land["peak_rss_mb"],
        # our side only: what landing would reach if the platform answered instantly (a real API's CPU is not ours)
        "land_records_per_cpu_second": round(records / land["cpu"]),
        "load_seconds": round(load["seconds"], 2),
        "load_records_per_second": round(load["records"] / load["seconds"]),
        "load_peak_rss_mb": load["peak_rss_mb"],
        "loaded": load["records"],
        "quarantined": load["quarantined"],
        "total_records_per_second": round(records / (land["seconds"] + load["seconds"])),
        "streams": land["streams"],
        "errors": land["errors"],
        "command": " ".join(["bench/ingest.py", *(argv if argv is not None else sys.argv[1:])]),
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
