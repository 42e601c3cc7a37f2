"""Build the Flask app and wire transport → service → storage. Starts nothing that serves."""

from __future__ import annotations

import functools
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import simple_websocket
import socketio as socketio_lib
from engineio import packet as eio_packet
from engineio.async_drivers.gevent import WebSocketWSGI
from flask import Flask
from flask_socketio import SocketIO
from socketio import packet as sio_packet

from . import config, file_routes, netinfo, routes, secrets_store, ws_frames
from .admin import HostAdmin
from .config import Settings
from .db_worker import Database
from .discovery import Advert, Announcer, HostBrowser
from .events import ChatNamespace
from .security import HostCheck, OriginCheck
from .service import ChatService
from .service_core import Limits
from .version import __version__

log = logging.getLogger(__name__)

DB_FILE = "parley.sqlite3"
# Engine.IO's own cap. Above it the connection is dropped (protocol abuse); between the app's
# max_payload_bytes and this, the event is answered with too_large and the connection stays up.
ENGINE_MAX_BYTES = 1024 * 1024


@dataclass
class Host:
    """What routes, the server thread and tests need to reach: ``app.extensions["parley"]``."""

    settings: Settings
    service: ChatService
    db: Database
    socketio: SocketIO
    server_info: dict[str, Any]
    port: int = field(default=0)
    # Set by the server thread once the port is known, when discovery is on.
    announcer: Announcer | None = None
    browser: HostBrowser | None = None

    def join_urls(self) -> list[str]:
        return netinfo.join_urls(self.settings.host, self.port)

    def advert(self) -> Advert:
        return Advert(
            host_id=self.server_info["host_id"],
            name=self.server_info["name"],
            version=self.server_info["version"],
            port=self.port,
            needs_code=self.service.join_code is not None,
        )

    def host_changed(self) -> None:
        """The admin renamed the host or changed its code: the LAN announcement follows."""
        if self.announcer is not None:
            self.announcer.update(self.advert())

    def start_discovery(self, marshal: Callable[..., None]) -> None:
        """Announce this host and watch for others (own threads; returns at once).

        :param marshal: runs ``fn(*args)`` on the server thread; zeroconf calls back on its own.
        """
        if not self.settings.discovery:
            return
        advert = self.advert()
        if self.settings.host in ("0.0.0.0", ""):
            self.announcer = Announcer(advert)
        else:  # bound to one address: announce exactly that one
            self.announcer = Announcer(advert, addresses=lambda: [self.settings.host])
        self.announcer.start()
        self.browser = HostBrowser(
            own_id=advert.host_id,
            on_change=lambda hosts: marshal(self.service.hosts_changed, hosts),
        )
        try:
            self.browser.start()
        except OSError:
            log.exception("could not browse for other hosts")
            self.browser = None

    def stop_discovery(self) -> None:
        """Withdraw the announcement (goodbye packets) and stop browsing."""
        if self.announcer is not None:
            self.announcer.stop()
        if self.browser is not None:
            self.browser.stop()


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
    - Frames are built here, once per broadcast (``_ws_frame``), not by wsproto per recipient, and
      written with ``sendall`` (simple-websocket's ``send`` can write part of a large frame).
    - ``deliver`` writes a frame straight to the socket when nothing is queued for that client,
      instead of waking the connection's writer greenlet for every message: broadcasts (one
      frame for all recipients) and single messages (acks, welcome) alike.

    - Frames are read here too (``wait``, ``ws_frames.FrameReader``), in the connection's own
      greenlet: simple-websocket's reader greenlet (wsproto's pure-Python parser, then a queue hop
      per message) is never started. Its handshake is still used. WebSocket-level pings are
      answered and the closing handshake completed here; a pong or close frame goes out through
      ``deliver``, so it can never land inside a partly written frame.
    """

    def __init__(self, handler: Any, server: Any) -> None:
        super().__init__(handler, server)
        self.server_args["thread_class"] = _NoReaderThread

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
                    return data
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

    def publish(
        self, event: str, payload: dict[str, Any], to: str | None, skip_sid: str | None = None
    ) -> None:
        """``server.emit``, except that the frame is built once for all websocket recipients."""
        server = self._server
        if "/" not in server.manager.rooms:
            return
        encoded = server.packet_class(
            sio_packet.EVENT, namespace="/", data=[event, payload]
        ).encode()
        if isinstance(encoded, list):  # binary attachments: leave them to python-socketio
            server.emit(event, payload, to=to, skip_sid=skip_sid, namespace="/")
            return
        eio_pkt = eio_packet.Packet(eio_packet.MESSAGE, encoded)
        frame: bytes | None = None
        sockets = server.eio.sockets
        for sid, eio_sid in server.manager.get_participants("/", to):
            if sid == skip_sid:
                continue
            conn = sockets.get(eio_sid)
            ws = getattr(conn, "parley_ws", None)
            if ws is None or conn.closed or conn.upgrading or not conn.upgraded:
                server._send_eio_packet(eio_sid, eio_pkt)  # long-polling, or a test client
                continue
            if frame is None:
                frame = ws_frames.frame(eio_pkt.encode())
            ws.deliver(conn, frame)

    def subscribe(self, sid: str, channel: str) -> None:
        self._server.enter_room(sid, channel, namespace="/")

    def unsubscribe(self, sid: str, channel: str) -> None:
        self._server.leave_room(sid, channel, namespace="/")

    def disconnect(self, sid: str) -> None:
        self._server.disconnect(sid, namespace="/")


def create_app(settings: Settings) -> Flask:
    """Create and configure one host. Called on the server thread (or a test's thread)."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=secrets_store.secret_key(data_dir),
        TESTING=settings.testing,
        DEBUG=False,  # never: Werkzeug's debugger is remote code execution on a LAN
        PARLEY_UI_DIST=str(settings.ui_dist),
    )
    names = netinfo.LocalNames(settings.host, settings.allowed_hosts)
    host: Host  # bound below; the closures read it only once the server runs
    socketio = SocketIO(
        app,
        async_mode="gevent",  # explicit: auto-detection differs when frozen
        cors_allowed_origins=OriginCheck(names, lambda: host.port),
        max_http_buffer_size=ENGINE_MAX_BYTES,
        logger=False,
        engineio_logger=False,
        # Each event runs in its connection's reader greenlet instead of a new greenlet per event:
        # one client's events are handled in order, and a spawn per event is saved (typing round
        # trip 0.29 -> 0.24 ms, durable acked sends with 10 senders 2,450 -> 2,715/s, same run). A
        # handler waiting on the database holds up only its own client's next event.
        async_handlers=False,
    )
    # Our websocket adapter, for this server only (not engineio's module-wide table).
    eio = socketio.server.eio
    eio._async = {**eio._async, "websocket": FastWebSocket}
    db = Database(data_dir / DB_FILE, synchronous=settings.synchronous)
    server_info = {
        "name": settings.name,
        "version": __version__,
        "host_id": secrets_store.host_id(data_dir),
    }
    join_code = None if settings.open else secrets_store.join_code(data_dir, settings.join_code)
    service_transport = SocketTransport(socketio.server)
    service = ChatService(
        db,
        service_transport,
        server_info=server_info,
        join_code=join_code,
        limits=Limits(settings.max_text_chars, settings.send_rate, settings.send_burst),
        invite_urls=lambda: host.join_urls(),
    )
    host = Host(settings, service, db, socketio, server_info, settings.port)
    service.on_host_changed = host.host_changed
    service.bootstrap(
        name_given=settings.name != config.default_host_name(),
        code_given=settings.open or settings.join_code is not None,
    )
    admin = HostAdmin(service, db, service_transport)
    # On python-socketio's server directly: no Flask request context per event (events.py).
    socketio.server.register_namespace(ChatNamespace(service, admin, settings.max_payload_bytes))
    app.register_blueprint(routes.bp)
    # Outermost, so it also guards /socket.io/ (Flask-SocketIO's middleware sits under it).
    app.wsgi_app = HostCheck(app.wsgi_app, names)  # type: ignore[method-assign]
    app.extensions["parley"] = host
    # Uploads and downloads; HTTP has no engineio origin check, so the routes get our own.
    file_routes.init_app(app, OriginCheck(names, lambda: host.port))
    return app
