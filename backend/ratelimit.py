"""Rate limits in memory: a token bucket for sends, a sliding window for failed join codes.

Plain Python with an injectable clock, so the rules are tested without sleeping.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable

Clock = Callable[[], float]


class TokenBuckets:
    """One bucket per key: ``burst`` tokens, refilled at ``rate`` per second."""

    def __init__(self, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[Hashable, tuple[float, float]] = {}

    def take(self, key: Hashable) -> float:
        """Take one token; return 0 when allowed, else the seconds until one is available."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self._rate

    def forget(self, key: Hashable) -> None:
        self._buckets.pop(key, None)


class FailureWindow:
    """Counts failures per key and in total over a sliding window of ``window`` seconds."""

    def __init__(
        self, per_key: int, total: int, window: float, clock: Clock = time.monotonic
    ) -> None:
        self._per_key = per_key
        self._total = total
        self._window = window
        self._clock = clock
        self._by_key: dict[Hashable, deque[float]] = {}
        self._all: deque[float] = deque()

    def retry_after(self, key: Hashable) -> float:
        """0 when ``key`` may try now, else the seconds until it may."""
        now = self._clock()
        self._expire(self._all, now)
        mine = self._by_key.get(key)
        if mine is not None:
            self._expire(mine, now)
            if not mine:
                del self._by_key[key]
        waits = []
        if mine and len(mine) >= self._per_key:
            waits.append(mine[0] + self._window - now)
        if len(self._all) >= self._total:
            waits.append(self._all[0] + self._window - now)
        return max(waits, default=0.0)

    def record(self, key: Hashable) -> None:
        now = self._clock()
        self._by_key.setdefault(key, deque()).append(now)
        self._all.append(now)

    def _expire(self, stamps: deque[float], now: float) -> None:
        while stamps and stamps[0] <= now - self._window:
            stamps.popleft()
