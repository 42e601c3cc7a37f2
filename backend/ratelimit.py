"""Rate limits in memory: token buckets for sends, a guess limit for wrong join codes.

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


class GuessLimit:
    """Wrong guesses (join codes) per key: ``per_window`` in any ``window`` seconds, then a lockout
    that doubles with each one in a row, up to ``max_lockout``.

    Contract: ``retry_after(key)`` is 0 when ``key`` may guess now, else the seconds to wait;
    ``record(key)`` counts one wrong guess. A key's lockout streak is forgotten once it has made
    no wrong guess for ``max_lockout`` after its last lockout ended (so serving a lockout out does
    not buy a clean slate). There is no total across keys on purpose: one attacker's
    guesses must never lock anybody else out. At most ``max_keys`` keys are kept (the longest
    quiet are dropped first), so many addresses cannot grow memory without bound.

    With 5 a minute and a one-hour cap, one address settles at about 5 guesses an hour.
    """

    def __init__(
        self,
        per_window: int,
        window: float,
        max_lockout: float,
        *,
        max_keys: int = 100_000,
        clock: Clock = time.monotonic,
    ) -> None:
        self._per_window = per_window
        self._window = window
        self._max_lockout = max_lockout
        self._max_keys = max_keys
        self._clock = clock
        # key -> (recent failure times, locked until, lockouts in a row, last failure)
        self._keys: dict[Hashable, _Guesses] = {}

    def retry_after(self, key: Hashable) -> float:
        now = self._clock()
        state = self._keys.get(key)
        if state is None:
            return 0.0
        if self._forgiven(state, now):
            del self._keys[key]
            return 0.0
        return max(0.0, state.locked_until - now)

    def record(self, key: Hashable) -> None:
        now = self._clock()
        state = self._keys.pop(key, None)  # re-inserted last: the dict stays in quiet order
        if state is None or self._forgiven(state, now):
            state = _Guesses()
        stamps = state.recent
        stamps.append(now)
        while stamps and stamps[0] <= now - self._window:
            stamps.popleft()
        state.last = now
        if len(stamps) >= self._per_window:
            lockout = min(self._window * 2**state.streak, self._max_lockout)
            state.locked_until = now + lockout
            state.streak += 1
            stamps.clear()
        self._keys[key] = state
        while len(self._keys) > self._max_keys:
            del self._keys[next(iter(self._keys))]

    def _forgiven(self, state: _Guesses, now: float) -> bool:
        """Quiet for ``max_lockout`` since its last wrong guess and its last lockout."""
        return now - max(state.last, state.locked_until) > self._max_lockout


class _Guesses:
    __slots__ = ("recent", "locked_until", "streak", "last")

    def __init__(self) -> None:
        self.recent: deque[float] = deque()
        self.locked_until = 0.0
        self.streak = 0
        self.last = 0.0
