"""Where landing spends its CPU: every sandbox source landed one after another under cProfile.

    .venv/bin/python bench/profile_landing.py --dir /tmp/pulse-bench --top 30

Uses (or generates) the world and file drops of `bench/ingest.py --dir` (default 20,000 members x 26 weeks),
serves it from a child process, and prints records, CPU seconds, wall seconds and the top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ingest as bench  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="pulse-bench-profile-"))
    world_dir, drops_dir = work / "world", work / "drops"
    if not (world_dir / "world.json").exists() or not drops_dir.exists():
        bench._generate(7, args.members, args.weeks, str(world_dir), str(drops_dir))
    ready = bench.SPAWN.Queue()
    server = bench.child_process(bench._serve, str(world_dir), ready, daemon=True)
    server.start()
    url = ready.get(timeout=900)
    from ingestion.runner import ingest_source
    from pulse.sandbox.sources import SOURCE_TABLES, sandbox_sources
    from pulse.sandbox.tables import World

    out = work / "profile"
    shutil.rmtree(out, ignore_errors=True)
    sources = sandbox_sources(World.read(world_dir, names=SOURCE_TABLES), url, drops_dir)
    profile, records = cProfile.Profile(), 0
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        profile.enable()
        for source in sources:
            records += sum(r.records for r in ingest_source(source, out / "landing", out / "state"))
        profile.disable()
    finally:
        server.terminate()
    print(
        f"{records} records, {time.process_time() - cpu:.1f} CPU s, {time.perf_counter() - wall:.1f} s wall"
    )
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
