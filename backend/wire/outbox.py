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

A packet put before the websocket exists (Engine.IO's OPEN, sent while the connection is being
accepted) waits in the backlog until ``attach``.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import frames

if TYPE_CHECKING:
    from .websocket import FastWebSocket

log = logging.getLogger(__name__)


class Outbox:
    """What Engine.IO takes for a socket's queue, under the fast path (see the module)."""

    __slots__ = ("_ws", "_spawn", "_backlog", "_flusher", "_ended", "last")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._ws: FastWebSocket | None = None
        self._spawn: Callable[..., Any] | None = None
        # Frames not yet (fully) written, oldest first; None while there are none (most of the
        # time: a deque is ~600 bytes, and every connection has an Outbox).
        self._backlog: collections.deque[bytes] | None = None
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
        for frame in held or ():
            self._write(frame)

    def detach(self) -> None:
        """The connection is over: drop what was never sent, let go of the websocket, and take
        nothing more."""
        self._backlog = None
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

    def _queue(self, frame: bytes) -> bytes:
        if self._backlog is None:
            self._backlog = collections.deque()
        self._backlog.append(frame)
        if self._ws is not None:
            self._start_flusher()
        return frame

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
                if frame is self.last:
                    self.last = None
                    break
        except OSError:
            pass  # the peer is gone: its reader cleans up
        finally:
            self._backlog = None  # all of it went out, or none of the rest will
            self._flusher = None
        if self._ended and ws is not None:
            ws.close()
