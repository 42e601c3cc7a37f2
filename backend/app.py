"""Build the Flask app and wire transport → service → storage. Starts nothing that serves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask_socketio import SocketIO

from . import config, file_routes, netinfo, routes, secrets_store, transport
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
        max_http_buffer_size=transport.ENGINE_MAX_BYTES,
        logger=False,
        engineio_logger=False,
        # Each event runs in its connection's reader greenlet instead of a new greenlet per event:
        # one client's events are handled in order, and a spawn per event is saved (typing round
        # trip 0.29 -> 0.24 ms, durable acked sends with 10 senders 2,450 -> 2,715/s, same run). A
        # handler waiting on the database holds up only its own client's next event.
        async_handlers=False,
    )
    db = Database(data_dir / DB_FILE, synchronous=settings.synchronous)
    server_info = {
        "name": settings.name,
        "version": __version__,
        "host_id": secrets_store.host_id(data_dir),
    }
    join_code = None if settings.open else secrets_store.join_code(data_dir, settings.join_code)
    service_transport = transport.install(socketio.server)
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
