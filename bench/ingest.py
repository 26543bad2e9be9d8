"""Landing + loading throughput from the loopback sandbox, rate limits off.

    .venv/bin/python bench/ingest.py --members 100000 --weeks 52

The sandbox serves the world from a separate process (its memory and CPU are not ours to count, though it shares
the machine's two cores); this process lands every Discourse and Shopify stream (sources in parallel, as
`pulse ingest` does) and loads the batches into a fresh DuckDB file. Prints one JSON line: records, seconds and
records/s for landing, loading and both, and this process's peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingestion.load import load_landing  # noqa: E402
from ingestion.runner import ingest_source  # noqa: E402
from pulse.config import Config  # noqa: E402
from pulse.warehouse import DuckDBWarehouse  # noqa: E402

CREDS = {
    "discourse": {"api_key": "bench-key", "api_username": "system"},
    "shopify": {"access_token": "bench"},
}


def _serve(world_dir: str, ready) -> None:
    from pulse.sandbox.server import make_server
    from pulse.sandbox.tables import World

    server = make_server(World.read(Path(world_dir)), rate_limits=False, credentials=CREDS).warm()
    ready.put(server.url)
    server.serve_forever()


def _source(name: str, kind: str, url: str, page_size: int | None) -> dict:
    return {
        "name": name,
        "type": kind,
        "base_url": f"{url}/{kind}",
        "credentials": CREDS[kind],
        "streams": ["categories", "users", "topics", "posts"]
        if kind == "discourse"
        else ["customers", "orders"],
        "start_date": dt.date(2000, 1, 1),
        "lookback": None,
        "page_size": page_size,
        "timeout_seconds": 60.0,
        "max_retries": 3,
        "requests_per_second": 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="pulse-bench-ingest-"))
    world_dir = work / "world"
    if not (world_dir / "world.json").exists():
        from pulse.sandbox.world import generate_world

        generate_world(args.seed, args.members, args.weeks).write(world_dir)
    ready: mp.Queue = mp.get_context("spawn").Queue()
    server = mp.get_context("spawn").Process(target=_serve, args=(str(world_dir), ready), daemon=True)
    server.start()
    url = ready.get(timeout=600)
    try:
        landing, state = work / "landing", work / "state"
        t0 = time.perf_counter()
        sources = [_source("forum", "discourse", url, None), _source("shop", "shopify", url, 250)]
        with ThreadPoolExecutor(2) as pool:
            results = [r for rs in pool.map(lambda s: ingest_source(s, landing, state), sources) for r in rs]
        landed_s = time.perf_counter() - t0
        records = sum(r.records for r in results)
        cfg = Config(
            data={
                "warehouse": {
                    "type": "duckdb",
                    "path": str(work / "wh" / "pulse.duckdb"),
                    "memory_limit": "2GB",
                    "threads": 2,
                    "postgres": {},
                }
            },
            file=work / "p.yml",
            root=work,
        )
        t1 = time.perf_counter()
        report = load_landing(DuckDBWarehouse(cfg), landing, [])
        load_s = time.perf_counter() - t1
    finally:
        server.terminate()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "members": args.members,
        "weeks": args.weeks,
        "records": records,
        "streams": {f"{r.source}.{r.stream}": r.records for r in results},
        "land_seconds": round(landed_s, 2),
        "land_records_per_second": round(records / landed_s),
        "load_seconds": round(load_s, 2),
        "load_records_per_second": round(report.records / load_s),
        "total_records_per_second": round(records / (landed_s + load_s)),
        "peak_rss_mb": round(peak_mb),
        "command": " ".join(["bench/ingest.py", *(argv or sys.argv[1:])]),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
