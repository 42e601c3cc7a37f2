"""The host's Socket.IO transport over websockets: frames in and out, events in, broadcasts out.

Engine.IO and python-socketio still do the handshakes, sessions, rooms, pings, long-polling and every
packet this module does not recognise. What runs here is the hot path, measured (docs/benchmarks.md):
reading a client's frames and its events, writing acks, and writing one frame per broadcast to every
recipient.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import socket
from collections.abc import Callable
from typing import Any

import simple_websocket
import socketio as socketio_lib
from engineio import packet as eio_packet
from engineio.async_drivers.gevent import WebSocketWSGI

from . import wire_json, ws_frames

log = logging.getLogger(__name__)

# Engine.IO's own cap. Above it the connection is dropped (protocol abuse); between the app's
# max_payload_bytes and this, the event is answered with too_large and the connection stays up.
ENGINE_MAX_BYTES = 1024 * 1024

# An Engine.IO MESSAGE (4) carrying a Socket.IO EVENT (2) on the default namespace: optional ack id,
# then the JSON array. Anything else (other namespaces, binary events, acks, connects) does not match.
_EVENT = re.compile(r"42([0-9]{0,15})(\[.*)", re.DOTALL)


def _bounded_int(digits: str) -> int:
    """As engineio.json: a JSON integer of over 100 digits is refused, not converted."""
    if len(digits) > 100:
        raise ValueError("Integer is too large")
    return int(digits)


class EventFastPath:
    """Socket.IO events on ``/`` read and acked without python-socketio's general path.

    For an event, python-socketio builds an Engine.IO packet object, decodes a Socket.IO packet
    object, walks three layers of dispatch (each logging through a disabled logger), then builds two
    packet objects for the ack and checks it for binary parts; about a third of the host's time on a
    ``typing`` round trip (py-spy, docs/benchmarks.md). Here the same text is matched once, decoded
    by the same rules (Engine.IO's JSON, integers of at most 100 digits), handed to the same
    namespace's ``trigger_event`` and its answer written as ``43<id>[answer]``, the text
    python-socketio would have written. Whatever does not match
    exactly (see ``dispatch``) goes the general way unchanged.
    """

    def __init__(self, server: socketio_lib.Server) -> None:
        self._server = server
        # What python-socketio's packets use by default (engineio.json), built once: its loads
        # passes parse_int, which builds a new decoder on every call.
        self._decode = json.JSONDecoder(parse_int=_bounded_int).decode
        self._encode = wire_json.compact(ensure_ascii=True)

    def dispatch(self, conn: Any, ws: FastWebSocket, text: str) -> bool:
        """Handle ``text`` from Engine.IO socket ``conn`` if it is a plain event; else return False."""
        match = _EVENT.fullmatch(text)
        if match is None or not conn.upgraded or conn.upgrading or conn.closed:
            return False
        server = self._server
        if conn.sid in server._binary_packet:  # python-socketio expects this client's attachments
            return False
        try:
            data = self._decode(match.group(2))
        except ValueError:
            return False  # python-socketio logs it and drops it
        if type(data) is not list or not data:
            return False
        namespace = server.namespace_handlers.get("/")
        sid = server.manager.sid_from_eio_sid(conn.sid, "/")
        if namespace is None or sid is None or not server.manager.is_connected(sid, "/"):
            return False
        ack_id = match.group(1)
        try:
            answer = namespace.trigger_event(data[0], sid, *data[1:])
            ack = self.ack_text(ack_id, answer) if ack_id else None
        except Exception:  # as python-socketio: logged, no ack, the connection stays
            log.exception("event handler error")
            return True
        if ack is not None and conn.check_ping_timeout():  # as Engine.IO's send
            ws.deliver(conn, ws_frames.frame(ack))
        return True

    def ack_text(self, ack_id: str, answer: Any) -> str:
        """The Engine.IO text of python-socketio's ACK for ``answer`` (a tuple is several args)."""
        if answer is None:
            args = []
        elif isinstance(answer, tuple):
            args = list(answer)
        else:
            args = [answer]
        # str(int()): python-socketio reads an id of "007" as 7 and answers 7.
        return "43" + str(int(ack_id)) + self._encode(args)


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


class FastWebSocket(WebSocketWSGI):  # type: ignore[misc]
    """Engine.IO's simple-websocket adapter with a cheaper way out (measured: docs/benchmarks.md).

    - No permessage-deflate: the offer is dropped before the handshake. Compressing every frame
      for every recipient cost ~14 % of host CPU under fan-out, for chat-sized messages on a LAN.
    - Frames are built here, once per broadcast (``ws_frames.frame``), not by wsproto per
      recipient, and written with ``sendall`` (simple-websocket's ``send`` can write part of a
      large frame).
    - ``deliver`` writes a frame straight to the socket when nothing is queued for that client,
      instead of waking the connection's writer greenlet for every message: broadcasts (one
      frame for all recipients) and single messages (acks, welcome) alike.

    - Frames are read here too (``wait``, ``ws_frames.FrameReader``), in the connection's own
      greenlet: simple-websocket's reader greenlet (wsproto's pure-Python parser, then a queue hop
      per message) is never started. Its handshake is still used. WebSocket-level pings are
      answered and the closing handshake completed here; a pong or close frame goes out through
      ``deliver``, so it can never land inside a partly written frame.
    - Plain events on ``/`` are dispatched and acked from here (``EventFastPath``); every other
      message goes on to Engine.IO as before.
    """

    def __init__(self, handler: Any, server: Any) -> None:
        super().__init__(handler, server)
        self.server_args["thread_class"] = _NoReaderThread
        # Set on the Engine.IO server by install(); absent (tests), every event goes the general way.
        self._events: EventFastPath | None = getattr(server, "parley_events", None)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        self._sending = False
        # The handler is the Engine.IO socket's bound method: let broadcasts find this websocket,
        # and let single packets (acks, welcome) take the same direct way out.
        owner = getattr(self.app, "__self__", None)
        if owner is not None:
            owner.parley_ws = self
            owner.send = functools.partial(self.send_packet, owner, owner.send)
        self._owner = owner
        # SimpleWebSocketWSGI.__call__, gevent's case, with our reader and our clean-up.
        self.ws = simple_websocket.Server(environ, **self.server_args)
        self._reader = ws_frames.FrameReader(self.ws.sock.recv, ENGINE_MAX_BYTES)
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

    def wait(self) -> str | bytes | None:
        """Engine.IO's read: the next message, or None once the connection is over."""
        try:
            while True:
                kind, data = self._reader.next_event()
                if kind == "message":
                    events = self._events
                    if (
                        events is None
                        or type(data) is not str
                        or not data.startswith("42")
                        or not events.dispatch(self._owner, self, data)
                    ):
                        return data
                    continue
                if kind == "ping":
                    self._control(ws_frames.PONG, bytes(data))  # type: ignore[arg-type]
                elif kind == "close":
                    if self.ws.connected:  # the client began the closing handshake: answer it
                        self._control(ws_frames.CLOSE, bytes(data)[:2])  # type: ignore[arg-type]
                    self.ws.connected = False
                    return None
        except ws_frames.ProtocolError as exc:
            if self.ws.connected:
                self._control(ws_frames.CLOSE, ws_frames.close_payload(exc.code, exc.reason))
            self.ws.connected = False
            return None
        except (OSError, EOFError):
            self.ws.connected = False
            return None

    def _control(self, opcode: int, payload: bytes) -> None:
        frame = ws_frames.control(opcode, payload)
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
            self.deliver(owner, ws_frames.frame(pkt.encode()))

    def send(self, message: Any) -> None:
        """The writer greenlet's way out (acks, welcome, pings, queued broadcast frames)."""
        ws = self.ws
        if not ws.connected:
            raise OSError("websocket closed")  # the writer stops on any error, as before
        data = message.data if isinstance(message, _Frame) else ws_frames.frame(message)
        self._sending = True
        try:
            ws.sock.sendall(data)
        finally:
            self._sending = False

    def deliver(self, eio_socket: Any, frame: bytes) -> None:
        """Send ``frame`` now if nothing is ahead of it for this client, else queue it in order."""
        if not self.ws.connected:  # after a close frame, nothing more goes out (RFC 6455 §5.5.1)
            return
        queue = eio_socket.queue
        if not self._sending and not queue.qsize():
            # The writer is parked on its empty queue, so nothing is in flight: write without
            # yielding (timeout 0.0); what the kernel does not take now goes to the writer.
            try:
                sent = self.ws.sock.send(frame, 0, 0.0)
            except BlockingIOError:
                sent = 0
            except OSError:
                return  # the connection is going away; its reader cleans up
            if sent == len(frame):
                return
            frame = frame[sent:]
        queue.put(_Frame(frame))


class SocketTransport:
    """The service's way out: emit, and subscribe connections to Socket.IO rooms."""

    def __init__(self, server: socketio_lib.Server) -> None:
        self._server = server
        # Socket.IO's EVENT encoding, built once: python-socketio's packet objects walk the payload
        # for binary parts and build two packets per emit (~17 µs for a message, 5 µs this way).
        self._encode = wire_json.compact(ensure_ascii=True)

    def publish(
        self, event: str, payload: dict[str, Any], to: str | None, skip_sid: str | None = None
    ) -> None:
        """``server.emit``, except that the frame is built once for all websocket recipients."""
        server = self._server
        if "/" not in server.manager.rooms:
            return
        try:
            encoded = "2" + self._encode([event, payload])  # EVENT on "/", no ack id
        except TypeError:  # bytes inside: binary attachments, left to python-socketio
            server.emit(event, payload, to=to, skip_sid=skip_sid, namespace="/")
            return
        frame: bytes | None = None
        sockets = server.eio.sockets
        for sid, eio_sid in server.manager.get_participants("/", to):
            if sid == skip_sid:
                continue
            conn = sockets.get(eio_sid)
            ws = getattr(conn, "parley_ws", None)
            if ws is None or conn.closed or conn.upgrading or not conn.upgraded:
                # Long-polling, or a test client.
                server._send_eio_packet(eio_sid, eio_packet.Packet(eio_packet.MESSAGE, encoded))
                continue
            if frame is None:
                frame = ws_frames.frame("4" + encoded)  # Engine.IO MESSAGE
            ws.deliver(conn, frame)

    def subscribe(self, sid: str, channel: str) -> None:
        self._server.enter_room(sid, channel, namespace="/")

    def unsubscribe(self, sid: str, channel: str) -> None:
        self._server.leave_room(sid, channel, namespace="/")

    def disconnect(self, sid: str) -> None:
        self._server.disconnect(sid, namespace="/")


def install(server: socketio_lib.Server) -> SocketTransport:
    """Put this module's websocket adapter and event path under ``server``; return its transport."""
    eio = server.eio
    # For this server only (not Engine.IO's module-wide table of async drivers).
    eio._async = {**eio._async, "websocket": FastWebSocket}
    eio.parley_events = EventFastPath(server)
    return SocketTransport(server)
