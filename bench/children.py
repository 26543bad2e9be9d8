"""Running a bench stage in a process of its own, so that its peak memory is its alone (bench/ingest.py,
bench/scale.py)."""

from __future__ import annotations

import multiprocessing as mp
import queue
import resource

SPAWN = mp.get_context("spawn")


def peak_rss_mb() -> int:
    """The peak resident memory of this process or of any subprocess it waited for (dbt), whichever is larger."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024)


def in_child(target, *args) -> dict:
    """Run `target(*args, out)` in a spawned process and return what it puts on `out`."""
    out = SPAWN.Queue()
    proc = SPAWN.Process(target=target, args=(*args, out))
    proc.start()
    while True:  # a child that dies (an exception, the OOM killer) must fail the bench, not hang it
        try:
            result = out.get(timeout=1)
            break
        except queue.Empty:
            if not proc.is_alive():
                what = " ".join([target.__name__, *(str(a) for a in args[:1])])
                raise SystemExit(f"bench: {what} died with exit code {proc.exitcode}") from None
    proc.join()
    return result
