"""A ceiling on how fast the host's log can grow, whatever peers send.

Every record a peer can cause (a refused request, a bug one odd packet hits) costs disk; a peer
repeating it could fill the disk through the log (the hostile-peer issue measured 4.6 MB/s from one
client when each malformed packet wrote a traceback). ``LogBudget`` is a filter for the entry
points' handlers: each logger may write ``burst`` records, refilled at ``rate`` a second; what is
over is dropped and counted, and the count is written with the next record that gets through.
"""

from __future__ import annotations

import logging
import time

from .ratelimit import Clock, TokenBuckets

# A busy but healthy host logs a few lines a minute; a burst of 50 covers a start-up or an incident.
BURST = 50
RATE = 1.0


class LogBudget(logging.Filter):
    """Let each logger write ``burst`` records at once, then ``rate`` a second."""

    def __init__(self, rate: float = RATE, burst: int = BURST, clock: Clock = time.monotonic):
        super().__init__()
        self._buckets = TokenBuckets(rate, burst, clock)
        self._dropped: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if self._buckets.take(record.name) > 0:
            self._dropped[record.name] = self._dropped.get(record.name, 0) + 1
            return False
        dropped = self._dropped.pop(record.name, 0)
        if dropped:
            record.msg = f"[{dropped} earlier messages from {record.name} not logged] {record.msg}"
        return True
