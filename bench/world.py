"""Throughput of the sandbox world generator.

    .venv/bin/python bench/world.py --members 100000 --weeks 52

prints one JSON line: members, weeks, seed, records (rows of every table), seconds (generation only, best of
--repeat runs), records_per_second, rows per table, and with --write DIR also the seconds to write the Parquet files.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulse.sandbox.world import generate_world  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs; the fastest is reported")
    parser.add_argument("--write", action="store_true", help="also time World.write to a temporary directory")
    args = parser.parse_args(argv)

    best, world = float("inf"), None
    for _ in range(max(1, args.repeat)):
        started = time.perf_counter()
        world = generate_world(args.seed, args.members, args.weeks)
        best = min(best, time.perf_counter() - started)
    records = world.record_count()
    result = {
        "members": args.members,
        "weeks": args.weeks,
        "seed": args.seed,
        "records": records,
        "seconds": round(best, 3),
        "records_per_second": int(records / best),
        "rows": {name: len(frame) for name, frame in world.tables.items()},
    }
    if args.write:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            world.write(Path(tmp) / "world")
            result["write_seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
