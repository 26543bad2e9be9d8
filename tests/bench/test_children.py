"""bench/children.py: a stopped bench leaves nothing running behind it (at L its sandbox server holds 12 GB)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BENCH = f"""
import sys, time
sys.path.insert(0, {str(ROOT / "bench")!r})
from children import child_process
if __name__ == "__main__":
    server = child_process(time.sleep, 120, daemon=True)
    server.start()
    print(server.pid, flush=True)
    time.sleep(120)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent (here init) has yet to reap it


def test_a_killed_bench_takes_its_children_with_it(tmp_path):
    script = tmp_path / "bench.py"
    script.write_text(BENCH)
    bench = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    child = int(bench.stdout.readline())
    assert _running(child)
    os.kill(bench.pid, signal.SIGKILL)
    bench.wait()
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = _running(child)
    if alive:
        os.kill(child, signal.SIGKILL)
    assert not alive, "the bench's child outlived it"
