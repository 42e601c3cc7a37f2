"""Engine.IO's websocket adapter with a cheaper way in and out (measured: docs/benchmarks.md).

Part of the fast path (``install.py``): it replaces python-engineio's websocket driver for one
server, swaps each Engine.IO socket's ``send`` and reads frames itself; only installed on the
versions it was written against.
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import simple_websocket
from engineio import packet as eio_packet
from engineio.async_drivers.gevent import WebSocketWSGI

from . import frames

if TYPE_CHECKING:
    from .fastpath import EventFastPath

# The largest message read whole and handed on (Engine.IO's own cap too). Between the app's
# max_payload_bytes and this, the event is decoded and answered too_large; above it, up to
# HARD_MAX_BYTES, the message is read through without being kept and answered too_large; either
# way the connection stays up (docs/protocol.md, "Limits").
ENGINE_MAX_BYTES = 1024 * 1024
# Above this, frame headers counted, one message closes the connection (1009): not a chat event.
HARD_MAX_BYTES = 16 * 1024 * 1024


class _Frame:
    """Frame bytes ready for the wire, queued like an Engine.IO packet (``encode()`` is itself)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def encode(self) -> _Frame:
        return self


class _NoReaderThread:
    """Given to simple-websocket as its thread class: FastWebSocket reads the frames itself."""

    def __init__(self, target: Callable[[], None]) -> None:
        self.name = "parley-websocket"

    def start(self) -> None:
        pass


def track_pings(eio: Any) -> None:
    """Let each Engine.IO socket of server ``eio`` hold its ping greenlet (``parley_ping``), so
    that the websocket can end it with the connection (``FastWebSocket._let_go``)."""
    start = eio.start_background_task

    def start_background_task(target: Any, *args: Any, **kwargs: Any) -> Any:
        task = start(target, *args, **kwargs)
        if getattr(target, "__name__", "") == "_send_ping":  # Engine.IO Socket._send_ping
            owner = getattr(target, "__self__", None)
            if owner is not None:
                owner.parley_ping = task
        return task

    eio.start_background_task = start_background_task


class FastWebSocket(WebSocketWSGI):  # type: ignore[misc]
    """Engine.IO's simple-websocket adapter with a cheaper way out (measured: docs/benchmarks.md).

    - No permessage-deflate: the offer is dropped before the handshake. Compressing every frame
      for every recipient cost ~14 % of host CPU under fan-out, for chat-sized messages on a LAN.
    - Frames are built here, once per broadcast (``frames.frame``), not by wsproto per
      recipient, and written with ``sendall`` (simple-websocket's ``send`` can write part of a
      large frame).
    - ``deliver`` writes a frame straight to the socket when nothing is queued for that client,
      instead of waking the connection's writer greenlet for every message: broadcasts (one
      frame for all recipients) and single messages (acks, welcome) alike.

    - Frames are read here too (``wait``, ``frames.FrameReader``), in the connection's own
      greenlet: simple-websocket's reader greenlet (wsproto's pure-Python parser, then a queue hop
      per message) is never started. Its handshake is still used. WebSocket-level pings are
      answered and the closing handshake completed here; a pong or close frame goes out through
      ``deliver``, so it can never land inside a partly written frame.
    - Plain events on ``/`` are dispatched and acked from here (``EventFastPath``); every other
      message goes on to Engine.IO as before.
    """

    # The server's plain-event path; None (this class as it is): every event goes the general way.
    events: EventFastPath | None = None

    def __init__(self, handler: Any, server: Any) -> None:
        super().__init__(handler, server)
        self.server_args["thread_class"] = _NoReaderThread
        self._events = self.events

    @classmethod
    def serving(cls, events: EventFastPath) -> type[FastWebSocket]:
        """This adapter for one server: its events go through ``events``."""
        return type(cls.__name__, (cls,), {"events": events})

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        self._sending = False
        self._last: _Frame | None = None  # a queued close frame: what goes out before it still does
        # The handler is the Engine.IO socket's bound method: let broadcasts find this websocket,
        # and let single packets (acks, welcome) take the same direct way out.
        owner = getattr(self.app, "__self__", None)
        if owner is not None:
            owner.parley_ws = self
            owner.send = functools.partial(self.send_packet, owner, owner.send)
        self._owner = owner
        # SimpleWebSocketWSGI.__call__, gevent's case, with our reader and our clean-up.
        try:
            self.ws = simple_websocket.Server(environ, **self.server_args)
        except Exception:  # noqa: BLE001 (a handshake it refuses: no key, wrong version, ...)
            self._let_go(owner)
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"Not a WebSocket handshake this host accepts.\n"]
        # No read timeout on a websocket (its socket inherits the request's, connections.py):
        # Engine.IO's pings end a silent peer (and close() shuts the connection down, waking
        # this reader), and a timeout would arm a timer on every wait for the next frame (a few
        # µs of every round trip, measured).
        self.ws.sock.settimeout(None)
        self._reader = frames.FrameReader(self.ws.sock.recv, ENGINE_MAX_BYTES, HARD_MAX_BYTES)
        try:
            return self.app(self)
        finally:
            self.ws.connected = False
            sock = self.ws.sock  # our duplicate of the connection's socket
            try:
                sock.shutdown(socket.SHUT_RDWR)  # the TCP connection ends with the websocket
            except OSError:
                pass
            sock.close()
            self._let_go(owner)

    def _let_go(self, owner: Any) -> None:
        """Unlink this websocket from its Engine.IO socket once the connection is over.

        Engine.IO's ping greenlet sleeps ping_interval (25 s) holding its socket, so everything
        the socket reached stayed in memory that long after the peer left: this websocket, its
        socket objects, its read buffer (a megabyte after a big message), the queue, and the
        sleeping greenlet itself. A peer opening and dropping connections held ~30 KB a
        connection for 25 s (the hostile-peer issue's frame fuzzer: RSS +77 MB in 25 s of
        10,000 cases, whatever the cap on open connections). The greenlet is ended now
        (``track_pings``), and nothing is left for it to hold.
        """
        if owner is not None:
            ping = owner.__dict__.pop("parley_ping", None)
            if ping is not None and owner.closed:
                ping.kill(block=False)  # it would only wake to find the socket closed
            owner.parley_ws = None
            owner.__dict__.pop("send", None)  # Engine.IO's own send again (it refuses: closed)
            queue = getattr(owner, "queue", None)
            # Once the Engine.IO session is over, what is queued will never be read. (After a
            # failed upgrade from long-polling the session goes on: its queue is its own.)
            while owner.closed and queue is not None and queue.qsize():
                queue.get_nowait()
        self._owner = None
        self._reader = None  # type: ignore[assignment]

    def wait(self) -> str | bytes | None:
        """Engine.IO's read: the next message for it, or None once the connection is over."""
        try:
            while True:
                kind, data = self._reader.next_event()
                if kind == "message":
                    if type(data) is not str:
                        continue  # Parley's protocol is text only: a binary frame is dropped
                    events = self._events
                    if events is None or not events.receive(self._owner, self, data):
                        return data
                elif kind == "oversized":
                    if self._events is not None and self._owner is not None:
                        self._events.oversized(self._owner, self, data)  # type: ignore[arg-type]
                elif kind == "ping":
                    self._control(frames.PONG, bytes(data))  # type: ignore[arg-type]
                elif kind == "close":
                    if self.ws.connected:  # the client began the closing handshake: answer it
                        self._goodbye(frames.close_reply(bytes(data)))  # type: ignore[arg-type]
                    self.ws.connected = False
                    return None
        except frames.ProtocolError as exc:
            if self.ws.connected:
                self._goodbye(frames.close_payload(exc.code, exc.reason))
            self.ws.connected = False
            return None
        except (OSError, EOFError):
            self.ws.connected = False
            return None

    def _goodbye(self, payload: bytes) -> None:
        """The close frame with ``payload``, after whatever is already on its way out, and
        nothing after it (RFC 6455 §5.5.1): the caller marks the websocket closed next.

        Queued behind other frames, it used to be dropped with them (the writer stops at the
        first frame it finds the websocket closed for): a peer broken off for a protocol
        error got no close frame whenever an answer was still queued (the frame fuzzer).
        """
        frame = frames.control(frames.CLOSE, payload)
        owner = self._owner
        if owner is not None and owner.upgraded and not owner.upgrading:
            self._last = self._deliver(owner, frame)  # None: it went out at once
            return
        try:
            self.ws.sock.sendall(frame)
        except OSError:
            pass

    def close(self) -> None:
        """Engine.IO's writer greenlet, as it ends: the closing frame if still owed, then the
        TCP connection shut down (which wakes the reader if it is still waiting).

        simple-websocket's ``close`` lets every socket error but BrokenPipeError out, and from
        the writer greenlet gevent printed each one as a traceback: a peer that reset its
        connection while the host was still writing to it (ConnectionResetError) cost a
        traceback in the log, found by tests/adversarial/test_fuzz_events.py.
        """
        ws = self.ws
        if not ws.connected:
            return
        ws.connected = False
        try:  # without waiting (timeout 0.0), as simple-websocket's one send: a peer that does
            # not read gets no more of the writer's time
            ws.sock.send(frames.control(frames.CLOSE, frames.close_payload(frames.NORMAL)), 0, 0.0)
        except OSError:  # the peer is gone (reset, broken pipe) or not reading: nobody to tell
            pass
        try:
            # The TCP connection ends here, for every duplicate of it, and the reader wakes up.
            # simple-websocket closed only its duplicate, and the connection stayed open until
            # pywsgi gave up waiting for another request on it (10 s after a client's Engine.IO
            # close, for one).
            ws.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _control(self, opcode: int, payload: bytes) -> None:
        frame = frames.control(opcode, payload)
        owner = self._owner
        if owner is not None and owner.upgraded and not owner.upgrading:
            self.deliver(owner, frame)
            return
        try:
            self.ws.sock.sendall(frame)
        except OSError:
            pass

    def send_packet(self, owner: Any, queued_send: Callable[[Any], None], pkt: Any) -> None:
        """Engine.IO ``Socket.send`` for ``owner``: messages go out directly once on websocket.

        Everything but MESSAGE packets (PING, CLOSE, NOOP) still goes through the queue: the
        writer greenlet closes a connection whose queue stays empty for ping_interval +
        ping_timeout, and the server's PING every ping_interval is what keeps it fed.
        """
        if pkt.packet_type != eio_packet.MESSAGE or owner.upgrading or not owner.upgraded:
            queued_send(pkt)
        elif owner.check_ping_timeout():  # as Engine.IO's send: raises once closed
            self.deliver(owner, frames.frame(pkt.encode()))

    def send(self, message: Any) -> None:
        """The writer greenlet's way out (acks, welcome, pings, queued broadcast frames)."""
        ws = self.ws
        if not ws.connected and self._last is None:
            raise OSError("websocket closed")  # the writer stops on any error, as before
        data = message.data if isinstance(message, _Frame) else frames.frame(message)
        self._sending = True
        try:
            ws.sock.sendall(data)
        finally:
            self._sending = False
        if message is self._last:  # the close frame is out: nothing more
            self._last = None

    def deliver(self, eio_socket: Any, frame: bytes) -> None:
        """Send ``frame`` now if nothing is ahead of it for this client, else queue it in order."""
        self._deliver(eio_socket, frame)

    def _deliver(self, eio_socket: Any, frame: bytes) -> _Frame | None:
        """``deliver``; what of ``frame`` was queued (None: all of it went out, or nothing will)."""
        if not self.ws.connected:  # after a close frame, nothing more goes out (RFC 6455 §5.5.1)
            return None
        queue = eio_socket.queue
        if not self._sending and not queue.qsize():
            # The writer is parked on its empty queue, so nothing is in flight: write without
            # yielding (timeout 0.0); what the kernel does not take now goes to the writer.
            try:
                sent = self.ws.sock.send(frame, 0, 0.0)
            except BlockingIOError:
                sent = 0
            except OSError:
                return None  # the connection is going away; its reader cleans up
            if sent == len(frame):
                return None
            frame = frame[sent:]
        queued = _Frame(frame)
        queue.put(queued)
        return queued
