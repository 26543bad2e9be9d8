"""The two rate limiters the sandbox platforms use, as the platforms themselves do them.

- `SlidingWindowLimiter`: Discourse's `RateLimiter` (at most N requests in any window of W seconds;
  a refused request does not count; the wait is until the oldest counted request leaves the window).
- `LeakyBucket`: Shopify's REST limit (each request adds 1 to a bucket of capacity C that leaks R per
  second; a request that finds the bucket full is refused and adds nothing).

Both are thread-safe and take a `clock` so tests can drive time by hand.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    def __init__(self, max_requests: int, window_s: float, clock: Callable[[], float] = time.monotonic):
        if max_requests < 1 or window_s <= 0:
            raise ValueError(f"need max_requests >= 1 and window_s > 0, got {max_requests}, {window_s}")
        self.max_requests = max_requests
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count a request for `key`: 0.0 if allowed, else the seconds to wait (request not counted)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.max_requests:
                return max(hits[0] + self.window_s - now, 1e-3)
            hits.append(now)
            return 0.0

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


class LeakyBucket:
    def __init__(self, capacity: int, leak_per_s: float, clock: Callable[[], float] = time.monotonic):
        if capacity < 1 or leak_per_s <= 0:
            raise ValueError(f"need capacity >= 1 and leak_per_s > 0, got {capacity}, {leak_per_s}")
        self.capacity = capacity
        self.leak_per_s = leak_per_s
        self._clock = clock
        self._level: dict[str, tuple[float, float]] = {}  # key -> (level, at)
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int]:
        """Pour one request for `key`: (allowed, calls used as the header shows them)."""
        now = self._clock()
        with self._lock:
            level, at = self._level.get(key, (0.0, now))
            level = max(0.0, level - (now - at) * self.leak_per_s)
            if level + 1 > self.capacity:
                self._level[key] = (level, now)
                return False, self.capacity
            level += 1
            self._level[key] = (level, now)
            return True, min(self.capacity, max(1, int(level + 0.999999)))

    def reset(self) -> None:
        with self._lock:
            self._level.clear()
