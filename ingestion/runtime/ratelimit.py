"""A per-source token bucket, plus a pause that a `Retry-After` from the platform imposes on every caller."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(
        self, per_second: float | None, burst: float | None = None, clock=time.monotonic, sleep=time.sleep
    ):
        self.rate = per_second
        self.capacity = (
            burst if burst is not None else 1.0
        )  # smooth pacing: no bursts a platform might reject
        self.tokens = self.capacity
        self._clock, self._sleep = clock, sleep
        self._last = clock()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def pause(self, seconds: float) -> None:
        """Hold every request of this source for `seconds` (the platform said so)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                wait = self._paused_until - now
                if wait <= 0:
                    if self.rate is None:
                        return
                    self.tokens = min(self.capacity, self.tokens + (now - self._last) * self.rate)
                    self._last = now
                    if self.tokens >= 1:
                        self.tokens -= 1
                        return
                    wait = (1 - self.tokens) / self.rate
            self._sleep(wait)
