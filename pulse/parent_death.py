"""A child process that must not outlive its parent: `pulse ingest`'s landers and the bench's stages and sandbox
servers. A module of its own, with nothing but the standard library, so that each child pays no import for it."""

from __future__ import annotations

import os
import time


def die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when its parent exits (prctl PR_SET_PDEATHSIG). Elsewhere a daemon
    thread watches for the parent to go."""
    import signal
    import threading

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
    if os.getppid() != parent:  # the parent went before this process could ask to follow it
        os._exit(1)
