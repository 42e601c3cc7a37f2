"""One Engine.IO socket's way out to its websocket, without a writer greenlet per connection.

Part of the fast path (``install.py``). Engine.IO gives each socket a queue (``create_queue()``)
and, once on websocket, a writer greenlet that waits on it for the life of the connection. Under
the fast path nearly everything was written straight to the socket already (``deliver``), so that
greenlet sat parked with its saved stack, its Python frame stack and its queue: ~9 KB of the
host's ~63 KB per connected client (tracemalloc and RSS over 1,000 connections,
docs/benchmarks.md). An ``Outbox`` is that queue for the fast path's server (its
``_async['queue']``): what is put in it is framed and written at once, and only what the kernel
does not take (a client reading slowly) waits in a backlog that a greenlet started for the
occasion writes out, in order, then ends.

What Engine.IO does with its queue, and what that means here:

- ``put(packet)``: the packet goes out (``Socket.send``, after its ping check);
- ``put(None)``: the session is over (``Socket.close``): what is in the backlog still goes out,
  then the websocket is closed (``FastWebSocket.close``: the close frame, the TCP connection);
- ``join()``: returns at once. Engine.IO waits there for its writer to take everything queued;
  here nothing is ever waiting to be taken.

What waits for one client is bounded (``backlog_limit``, the host's ``max_backlog_bytes``): a
client reading slower than the host writes to it (a stalled phone, or a peer that reads just
enough to answer pings) would otherwise grow the host's memory with every broadcast. Past the
bound its connection is closed; the client reconnects and resyncs from history (the UI and the
`parley` command do), so nothing acknowledged is lost, and everyone else is served as before.

A packet put before the websocket exists (Engine.IO's OPEN, sent while the connection is being
accepted) waits in the backlog until ``attach``.
"""

from __future__ import annotations

import collections
import logging
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import frames

if TYPE_CHECKING:
    from .websocket import FastWebSocket

log = logging.getLogger(__name__)

# The default bound on what waits for one client (config.Settings.max_backlog_bytes).
MAX_BACKLOG_BYTES = 16 * 2**20


class Outbox:
    """What Engine.IO takes for a socket's queue, under the fast path (see the module)."""

    __slots__ = ("_ws", "_spawn", "_backlog", "_held", "_limit", "_flusher", "_ended", "last")

    def __init__(self, *args: Any, backlog_limit: int = MAX_BACKLOG_BYTES, **kwargs: Any) -> None:
        self._ws: FastWebSocket | None = None
        self._spawn: Callable[..., Any] | None = None
        # Frames not yet (fully) written, oldest first; None while there are none (most of the
        # time: a deque is ~600 bytes, and every connection has an Outbox).
        self._backlog: collections.deque[bytes] | None = None
        self._held = 0  # bytes in the backlog
        self._limit = backlog_limit
        self._flusher: Any = None  # the greenlet writing the backlog out, while there is one
        self._ended = False
        # A close frame in the backlog: it still goes out once the websocket is marked closed
        # (FastWebSocket._goodbye), and nothing after it does.
        self.last: bytes | None = None

    # -- what Engine.IO calls ------------------------------------------------------------------

    def put(self, item: Any, *args: Any, **kwargs: Any) -> None:
        if item is None:
            self._ended = True
            if self._ws is not None and not self._backlog:
                self._ws.close()
            return
        self.write(frames.frame(item.encode()))

    def join(self, *args: Any, **kwargs: Any) -> None:
        return None

    def qsize(self) -> int:
        return len(self._backlog) if self._backlog else 0

    def empty(self) -> bool:
        return not self._backlog

    # -- the fast path's side ------------------------------------------------------------------

    def attach(self, ws: FastWebSocket, spawn: Callable[..., Any]) -> None:
        """The websocket exists now: what was put before it goes out.

        :param spawn: starts a greenlet (Engine.IO's ``start_background_task``).
        """
        self._ws, self._spawn = ws, spawn
        held, self._backlog = self._backlog, None
        self._held = 0
        for frame in held or ():
            self._write(frame)

    def detach(self) -> None:
        """The connection is over: drop what was never sent, let go of the websocket, and take
        nothing more."""
        self._backlog = None
        self._held = 0
        self._ws = self._spawn = None
        self._ended = True
        self.last = None

    def write(self, frame: bytes) -> None:
        """Send ``frame`` now if nothing is ahead of it, else behind what is."""
        self._write(frame)

    def write_last(self, frame: bytes) -> None:
        """The close frame: behind whatever is still on its way out, and nothing after it."""
        self.last = self._write(frame)

    def _write(self, frame: bytes) -> bytes | None:
        """``write``; what of ``frame`` waits in the backlog (None: all of it went out, or
        nothing will)."""
        ws = self._ws
        if ws is None:
            return None if self._ended else self._queue(frame)  # not attached yet: OPEN
        if not ws.ws.connected:  # after a close frame, nothing more (RFC 6455 §5.5.1)
            return None
        if self._backlog or self._flusher is not None:
            return self._queue(frame)
        # Nothing in flight: write without yielding (timeout 0.0), so a broadcast never waits on
        # one slow client; what the kernel does not take now goes to the backlog.
        try:
            sent = ws.ws.sock.send(frame, 0, 0.0)
        except BlockingIOError:
            sent = 0
        except OSError:
            return None  # the connection is going away; its reader cleans up
        return None if sent == len(frame) else self._queue(frame[sent:])

    def _queue(self, frame: bytes) -> bytes | None:
        if self._backlog is None:
            self._backlog = collections.deque()
        self._backlog.append(frame)
        self._held += len(frame)
        if self._ws is not None:
            if self._held > self._limit:
                self._overflow()
                return None
            self._start_flusher()
        return frame

    def _overflow(self) -> None:
        """Too much waits for this client: drop it and end the connection (see the module). The
        reader sees the end and Engine.IO's session closes as for any lost connection; a flusher
        still writing gets an error and stops."""
        assert self._ws is not None
        log.warning(
            "a client read too slowly (%d bytes waited for it, the bound is %d): its connection "
            "is closed, it resyncs when it reconnects",
            self._held,
            self._limit,
        )
        self._backlog = None
        self._held = 0
        self.last = None
        try:
            self._ws.ws.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone

    def _start_flusher(self) -> None:
        if self._flusher is None and self._spawn is not None:
            self._flusher = self._spawn(self._flush)

    def _flush(self) -> None:
        """Write the backlog out, waiting on the socket as long as the client takes to read it."""
        ws = self._ws
        try:
            while ws is not None and self._backlog:
                frame = self._backlog[0]
                if not ws.ws.connected and self.last is None:
                    break  # closed: what is left will never be read
                ws.ws.sock.sendall(frame)
                if self._backlog:
                    self._backlog.popleft()
                    self._held -= len(frame)
                if frame is self.last:
                    self.last = None
                    break
        except OSError:
            pass  # the peer is gone: its reader cleans up
        finally:
            self._backlog = None  # all of it went out, or none of the rest will
            self._held = 0
            self._flusher = None
        if self._ended and ws is not None:
            ws.close()
