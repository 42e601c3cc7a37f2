"""Build the Flask app and wire transport → service → storage. Starts nothing that serves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio as socketio_lib
from flask import Flask
from flask_socketio import SocketIO

from . import netinfo, routes, secrets_store
from .config import Settings
from .db_worker import Database
from .discovery import Advert, Announcer, HostBrowser
from .events import ChatNamespace, ack_error
from .security import HostCheck, OriginCheck
from .service import ChatService, Limits
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

    def start_discovery(self, marshal: Callable[..., None]) -> None:
        """Announce this host and watch for others (own threads; returns at once).

        :param marshal: runs ``fn(*args)`` on the server thread; zeroconf calls back on its own.
        """
        if not self.settings.discovery:
            return
        advert = Advert(
            host_id=self.server_info["host_id"],
            name=self.settings.name,
            version=self.server_info["version"],
            port=self.port,
            needs_code=self.service.join_code is not None,
        )
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


class SocketTransport:
    """The service's way out: emit, and subscribe connections to Socket.IO rooms."""

    def __init__(self, server: socketio_lib.Server) -> None:
        self._server = server

    def publish(
        self, event: str, payload: dict[str, Any], to: str | None, skip_sid: str | None = None
    ) -> None:
        self._server.emit(event, payload, to=to, skip_sid=skip_sid, namespace="/")

    def subscribe(self, sid: str, channel: str) -> None:
        self._server.enter_room(sid, channel, namespace="/")

    def unsubscribe(self, sid: str, channel: str) -> None:
        self._server.leave_room(sid, channel, namespace="/")


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
    )
    db = Database(data_dir / DB_FILE, synchronous=settings.synchronous)
    server_info = {
        "name": settings.name,
        "version": __version__,
        "host_id": secrets_store.host_id(data_dir),
    }
    join_code = None if settings.open else secrets_store.join_code(data_dir, settings.join_code)
    service = ChatService(
        db,
        SocketTransport(socketio.server),
        server_info=server_info,
        join_code=join_code,
        limits=Limits(settings.max_text_chars, settings.send_rate, settings.send_burst),
        invite_urls=lambda: host.join_urls(),
    )
    host = Host(settings, service, db, socketio, server_info, settings.port)
    service.bootstrap()
    socketio.on_namespace(ChatNamespace(service, settings.max_payload_bytes))
    socketio.on_error_default(ack_error)
    app.register_blueprint(routes.bp)
    # Outermost, so it also guards /socket.io/ (Flask-SocketIO's middleware sits under it).
    app.wsgi_app = HostCheck(app.wsgi_app, names)  # type: ignore[method-assign]
    app.extensions["parley"] = host
    return app
