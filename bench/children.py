"""Running a bench stage in a process of its own, so that its peak memory is its alone (bench/ingest.py,
bench/scale.py)."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import resource

SPAWN = mp.get_context("spawn")


def peak_rss_mb() -> int:
    """The peak resident memory of this process or of any subprocess it waited for (dbt), whichever is larger."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024)


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of the subprocesses it waited for (dbt)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def process_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a running process (Linux /proc), or None where there is no /proc: how much of a
    landing's cores the sandbox server took."""
    import os

    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_process(target, *args, daemon: bool = False) -> mp.Process:
    """A spawned process running `target(*args)` that the kernel kills when the bench exits: a stopped L run must
    not leave its sandbox server (12 GB at L) and landers running behind it, as multiprocessing's children do
    when their parent is killed."""
    return SPAWN.Process(target=_following, args=(os.getpid(), target, args), daemon=daemon)


def _following(parent: int, target, args) -> None:
    from pulse.parent_death import die_with_parent

    die_with_parent(parent)
    target(*args)


def in_child(target, *args) -> dict:
    """Run `target(*args, out)` in a spawned process and return what it puts on `out`."""
    out = SPAWN.Queue()
    proc = child_process(target, *args, out)
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
