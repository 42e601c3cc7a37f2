"""Engine.IO's pings for every connection of one server, from one greenlet.

Part of the fast path (``install.py``). Engine.IO starts a greenlet per connection that sleeps
``ping_interval`` and sends one PING, and another after each PONG (``Socket.schedule_ping``): one
more parked greenlet per connected client, with its saved stack and Python frames (~9 KB of the
host's ~63 KB per client), and a greenlet started for every client every 25 s. Here
``schedule_ping`` lands in one FIFO instead: every socket waits the same interval, so the order
of scheduling is the order of sending, and one greenlet sends what is due. A socket is held by
its id only, so one that closes is not kept alive until its ping is due.

What Engine.IO does around the ping is unchanged: the client's PONG schedules the next one, and
its service task closes a socket whose PONG does not come within ``ping_timeout``.
"""

from __future__ import annotations

import collections
import logging
import time
from typing import Any

from engineio import packet as eio_packet

log = logging.getLogger(__name__)

# Pings due within this much of each other go out in one wake-up (at most this late).
TICK = 0.25


class Heartbeat:
    """Sends the PINGs of Engine.IO server ``eio`` (see the module)."""

    def __init__(self, eio: Any) -> None:
        self._eio = eio
        self._due: collections.deque[tuple[float, str]] = collections.deque()
        self._running = False

    def install(self) -> None:
        """Take over ``eio``'s per-socket ping greenlets (``Socket._send_ping``)."""
        start = self._eio.start_background_task

        def start_background_task(target: Any, *args: Any, **kwargs: Any) -> Any:
            owner = getattr(target, "__self__", None)
            if getattr(target, "__name__", "") == "_send_ping" and owner is not None:
                self.schedule(owner.sid)
                return None  # Engine.IO ignores what schedule_ping started
            return start(target, *args, **kwargs)

        self._start = start
        self._eio.start_background_task = start_background_task

    def schedule(self, sid: str) -> None:
        """Socket ``sid`` gets a PING one ``ping_interval`` from now."""
        self._due.append((time.monotonic() + self._eio.ping_interval, sid))
        if not self._running:
            self._running = True
            self._start(self._run)

    def _run(self) -> None:
        try:
            while self._due:
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._eio.sleep(max(wait, TICK))
                self.send_due()
        finally:
            self._running = False

    def send_due(self) -> None:
        """PING every socket whose ping is due, as ``Socket._send_ping`` does after its sleep."""
        now = time.monotonic()
        sockets = self._eio.sockets
        while self._due and self._due[0][0] <= now:
            sid = self._due.popleft()[1]
            sock = sockets.get(sid)
            if sock is None or sock.closing or sock.closed:
                continue
            sock.last_ping = time.time()
            try:
                sock.send(eio_packet.Packet(eio_packet.PING))
            except Exception:  # noqa: BLE001 (one socket's failure is not the others')
                log.exception("ping to %s failed", sid)
