"""Engine.IO's websocket adapter with a cheaper way in and out (measured: docs/benchmarks.md).

Part of the fast path (``install.py``): it replaces python-engineio's websocket driver for one
server and its websocket handler, writes through each Engine.IO socket's queue (``Outbox``) and
reads frames itself; only installed on the versions it was written against.
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Any

from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet

from . import frames, handshake
from .outbox import Outbox

if TYPE_CHECKING:
    from .fastpath import EventFastPath

log = logging.getLogger(__name__)

# The largest message read whole and handed on (Engine.IO's own cap too). Between the app's
# max_payload_bytes and this, the event is decoded and answered too_large; above it, up to
# HARD_MAX_BYTES, the message is read through without being kept and answered too_large; either
# way the connection stays up (docs/protocol.md, "Limits").
ENGINE_MAX_BYTES = 1024 * 1024
# Above this, frame headers counted, one message closes the connection (1009): not a chat event.
HARD_MAX_BYTES = 16 * 1024 * 1024


class _Connection:
    """The websocket's connection: its socket, and whether frames may still be written."""

    __slots__ = ("sock", "connected")

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self.connected = True


class FastWebSocket:
    """Engine.IO's websocket driver, cheaper in and out (measured: docs/benchmarks.md).

    - No permessage-deflate: the offer is dropped before the handshake. Compressing every frame
      for every recipient cost ~14 % of host CPU under fan-out, for chat-sized messages on a LAN.
    - Frames are built here, once per broadcast (``frames.frame``), not by wsproto per
      recipient, and written by the connection's ``Outbox`` (outbox.py), which Engine.IO takes
      for the socket's queue: straight to the socket when nothing is ahead, with no writer
      greenlet per connection.
    - Frames are read here too (``wait``, ``frames.FrameReader``), in the connection's own
      greenlet, and the handshake is answered here (handshake.py): simple-websocket (a reader
      greenlet running wsproto's pure-Python parser, a queue hop per message, a handshake
      through wsproto and h11) is not used. WebSocket-level pings are answered and the closing
      handshake completed here; a pong or close frame goes out through the outbox, so it can
      never land inside a partly written frame.
    - Engine.IO's websocket handler (``Socket._websocket_handler``) is ``serve`` here: the same
      reading loop and the same endings, without the writer greenlet it starts.
    - Plain events on ``/`` are dispatched and acked from here (``EventFastPath``); every other
      message goes on to Engine.IO as before.
    """

    # The server's plain-event path; None (this class as it is): every event goes the general way.
    events: EventFastPath | None = None

    def __init__(self, handler: Any, server: Any) -> None:
        """As Engine.IO makes its websocket drivers: ``handler`` is the Engine.IO socket's
        ``_websocket_handler`` (served here by ``serve``), ``server`` the Engine.IO server."""
        self.app = handler
        self._events = self.events

    @classmethod
    def serving(cls, events: EventFastPath) -> type[FastWebSocket]:
        """This adapter for one server: its events go through ``events``."""
        return type(cls.__name__, (cls,), {"events": events})

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        # The handler is the Engine.IO socket's bound method: let broadcasts find this websocket.
        # Only a connection that starts on websocket is served (the host takes no other, and an
        # upgrade from long-polling would need Engine.IO's writer): install.py checks that.
        owner: Any = getattr(self.app, "__self__", None)
        self._owner = owner
        outbox: Any = getattr(owner, "queue", None)
        refused = not isinstance(outbox, Outbox) or owner.connected
        try:
            if refused:
                raise handshake.Refused("not a connection that starts on websocket")
            self.ws = _Connection(handshake.accept(environ))
        except (handshake.Refused, OSError):  # no key, a wrong version, the peer gone, ...
            self._let_go(owner)
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"Not a WebSocket handshake this host accepts.\n"]
        owner.parley_ws = self
        # No read timeout on a websocket (its socket inherits the request's, connections.py):
        # Engine.IO's pings end a silent peer (and close() shuts the connection down, waking
        # this reader), and a timeout would arm a timer on every wait for the next frame (a few
        # µs of every round trip, measured).
        self.ws.sock.settimeout(None)
        self._reader = frames.FrameReader(self.ws.sock.recv, ENGINE_MAX_BYTES, HARD_MAX_BYTES)
        self._outbox: Outbox = outbox
        outbox.attach(self, owner.server.start_background_task)
        try:
            return self.serve(owner)
        finally:
            self.ws.connected = False
            try:  # the TCP connection ends with the websocket (pywsgi then closes its socket)
                self.ws.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._let_go(owner)

    def serve(self, owner: Any) -> list[bytes]:
        """Engine.IO's ``Socket._websocket_handler`` for a connection that starts on websocket:
        read packets until the connection ends, then end the session as it does."""
        owner.connected = True
        owner.upgraded = True
        while True:
            data = self.wait()
            if data is None:  # the client closed, or the connection broke
                break
            try:
                owner.receive(eio_packet.Packet(encoded_packet=data))
            except eio_exceptions.UnknownPacketError:
                pass
            except eio_exceptions.SocketIsClosedError:
                break
            except Exception:  # as Engine.IO: logged, and the connection ends properly
                log.exception("websocket receive error")
                break
        owner.queue.put(None)  # as Engine.IO's reader: what is queued goes out, then the close
        owner.close(wait=False, abort=True, reason=owner.server.reason.TRANSPORT_CLOSE)
        return []

    def _let_go(self, owner: Any) -> None:
        """Unlink this websocket from its Engine.IO socket once the connection is over.

        Engine.IO's ping greenlet used to sleep ping_interval holding its socket, so everything
        the socket reached stayed in memory that long after the peer left (the hostile-peer
        issue's frame fuzzer: RSS +77 MB in 25 s of 10,000 cases). Pings are now sent by one
        greenlet that holds only socket ids (heartbeat.py); what the socket still reaches is cut
        here all the same, as the server may keep it a little longer.
        """
        if owner is not None:
            owner.parley_ws = None
            outbox = getattr(owner, "queue", None)
            if isinstance(outbox, Outbox):
                outbox.detach()
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

        Queued behind other frames, it used to be dropped with them (the writer stopped at the
        first frame it found the websocket closed for): a peer broken off for a protocol
        error got no close frame whenever an answer was still queued (the frame fuzzer).
        """
        self._outbox.write_last(frames.control(frames.CLOSE, payload))

    def close(self) -> None:
        """The end of the session (the outbox calls it once what was queued went out): the
        closing frame if still owed, then the TCP connection shut down (which wakes the reader
        if it is still waiting).

        simple-websocket's ``close`` lets every socket error but BrokenPipeError out, and from
        the writer greenlet gevent printed each one as a traceback: a peer that reset its
        connection while the host was still writing to it (ConnectionResetError) cost a
        traceback in the log, found by tests/adversarial/test_fuzz_events.py.
        """
        ws = self.ws
        if not ws.connected:
            return
        ws.connected = False
        try:  # without waiting (timeout 0.0): a peer that does not read gets no more time
            ws.sock.send(frames.control(frames.CLOSE, frames.close_payload(frames.NORMAL)), 0, 0.0)
        except OSError:  # the peer is gone (reset, broken pipe) or not reading: nobody to tell
            pass
        try:
            # The TCP connection ends here and the reader wakes up. (simple-websocket closed
            # only its duplicate of the socket, and the connection stayed open until pywsgi
            # gave up waiting for another request on it: 10 s after a client's Engine.IO
            # close, for one.)
            ws.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _control(self, opcode: int, payload: bytes) -> None:
        self._outbox.write(frames.control(opcode, payload))

    def deliver(self, eio_socket: Any, frame: bytes) -> None:
        """Send ``frame`` now if nothing is ahead of it for this client, else queue it in order."""
        eio_socket.queue.write(frame)
