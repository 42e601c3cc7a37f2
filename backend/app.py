"""The composition root: build one host's parts and wire them together. Starts nothing that serves.

transport (wire/) → Socket.IO events and HTTP routes (web/) → chat rules (chat/) → storage
(storage/). This is the only module that knows every layer, and the only importer of ``wire``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_socketio import SocketIO

from . import backup, commands, config, netinfo, offload, paths, secrets_store, tls
from .chat.backups import Backups
from .chat.context import SendRate, Transport
from .chat.crowd import Crowd
from .chat.files import FileLimits
from .chat.outage import after_outage
from .chat.service import ChatService
from .config import Settings
from .errors import StorageUnreachable
from .host import Host
from .host_settings import HostSettings
from .storage.blobs import BlobStore
from .storage.interface import Backend
from .storage.sqlite.store import DB_FILE, SqliteBackend
from .storage.worker import Database
from .version import __version__
from .web import export_routes, file_routes, hook_routes, routes
from .web.events import ChatNamespace
from .web.security import HostCheck, OriginCheck
from .wire.cluster import ClusterTransport, SharedBuckets
from .wire.install import install
from .wire.websocket import ENGINE_MAX_BYTES

log = logging.getLogger(__name__)

# Export archives being built or sent, and imports being received (docs/export.md).
EXPORTS_DIR = "exports"


def tls_identity(settings: Settings, data_dir: Path, name: str) -> tls.TlsIdentity | None:
    """The LAN port's certificate: the organisation's when given, else this host's own (made on
    first run, renewed keeping its key), or None with --no-tls.

    :raises tls.TlsError: a given certificate or key cannot be used, or the stored key is damaged.
    """
    if not settings.tls:
        return None
    if settings.tls_cert is not None and settings.tls_key is not None:
        return tls.from_files(settings.tls_cert, settings.tls_key)
    dns, ips = tls.names_for(name, sorted(netinfo.all_local_addresses()))
    return tls.load_or_make(data_dir, dns, ips)


def storage_backend(settings: Settings, data_dir: Path) -> Backend:
    """SQLite in the data dir (the default), or the PostgreSQL database the settings name. psycopg
    is imported only then: the desktop app never needs it."""
    if settings.database_url is None:
        return SqliteBackend(data_dir / DB_FILE, synchronous=settings.synchronous)
    try:
        from .storage.postgres.store import PostgresBackend
    except ImportError:  # the desktop binary leaves it out (build.spec)
        raise StorageUnreachable(
            "This build of Parley keeps history in SQLite only; run a PostgreSQL host with "
            "python -m backend (docs/deploy.md)."
        ) from None
    return PostgresBackend(settings.database_url)


def create_app(settings: Settings) -> Flask:
    """Create and configure one host. Called on the server thread (or a test's thread)."""
    data_dir = paths.private_dir(settings.data_dir)
    app = Flask(__name__, static_folder=None)
    app.config.update(
        TESTING=settings.testing,
        DEBUG=False,  # never: Werkzeug's debugger is remote code execution on a LAN
    )
    names = netinfo.LocalNames(settings.host, settings.allowed_hosts)
    host: Host  # bound below; the closures read it only once the server runs
    socketio = SocketIO(
        app,
        async_mode="gevent",  # explicit: auto-detection differs when frozen
        cors_allowed_origins=OriginCheck(names, lambda: host.port, settings.public_origins),
        max_http_buffer_size=ENGINE_MAX_BYTES,
        # Websocket only: every Parley client (the UI, the desktop window, python clients) connects
        # that way, and long-polling would be a second way in for everything the websocket
        # reader screens out (docs/protocol.md, "Limits"): packets python-socketio cannot read
        # crashed its handlers, deep JSON raised out of Engine.IO's payload decoder.
        transports=["websocket"],
        logger=False,
        engineio_logger=False,
        # Each event runs in its connection's reader greenlet instead of a new greenlet per event:
        # one client's events are handled in order, and a spawn per event is saved (typing round
        # trip 0.29 -> 0.24 ms, durable acked sends with 10 senders 2,450 -> 2,715/s, same run). A
        # handler waiting on the database holds up only its own client's next event.
        async_handlers=False,
    )
    db = Database(storage_backend(settings, data_dir))
    if settings.database_url is None:
        secret_key, host_id = secrets_store.secret_key(data_dir), secrets_store.host_id(data_dir)
    else:  # every process of the database signs and names itself alike
        secret_key, host_id = db.write(lambda s: secrets_store.shared(s, data_dir))
    app.config["SECRET_KEY"] = secret_key
    identity = HostSettings(
        db,
        host_id=host_id,
        version=__version__,
        name=settings.name,
    )
    identity.start(
        name_given=settings.name != config.default_host_name(),
        code=None if settings.open else settings.join_code,
        code_given=settings.open or settings.join_code is not None,
        data_dir=data_dir,
    )
    local = install(
        socketio.server,
        fast=settings.fastpath,
        max_event_bytes=settings.max_payload_bytes,
        max_backlog_bytes=settings.max_backlog_bytes,
    )
    transport: Transport = local
    cluster: ClusterTransport | None = None
    if settings.message_queue is not None:  # one of several processes (wire/cluster.py)
        cluster = ClusterTransport(local, settings.message_queue, f"parley:{host_id}")
        transport = cluster
    chat = ChatService(
        db,
        transport,
        host=identity,
        send_rate=SendRate(settings.send_rate, settings.send_burst),
        blobs=BlobStore(settings.files_dir or data_dir),
        offload=offload.blocking,
        invite_urls=lambda: host.join_urls(),
        invite_fingerprint=lambda: host.fingerprint,
        file_limits=FileLimits(
            user_quota=settings.user_upload_quota_bytes,
            total_quota=settings.files_quota_bytes,
            reserve_bytes=settings.disk_reserve_bytes,
            reserve_fraction=settings.disk_reserve_fraction,
            unattached_ttl=timedelta(seconds=settings.unattached_ttl),
        ),
        spool_dir=paths.private_dir(data_dir / EXPORTS_DIR),
        max_import_bytes=settings.max_import_bytes,
        device_link_seconds=settings.device_link_seconds,
        recovery_link_seconds=settings.recovery_link_seconds,
        person_name=settings.person_name,
        typing_rate=SendRate(settings.typing_rate, settings.typing_burst),
        crowd=Crowd(
            settings.presence_batch_seconds, socketio.start_background_task, socketio.sleep
        ),
    )
    if cluster is not None:
        chat.context.peers = cluster
        cluster.on_request = chat.context.from_peer
        cluster.on_lapsed = chat.context.lapsed
        cluster.local_people = lambda: [u.id for u in chat.context.presence.users()]
        cluster.local_devices = chat.context.presence.devices
        # After the message queue was away: told to this process's own clients only.
        cluster.on_resync = lambda: after_outage(chat.context, local)
        # Sends (messages, edits, reactions, new rooms): per person across processes.
        chat.context.rates.sends = SharedBuckets(
            settings.send_rate,
            settings.send_burst,
            cluster.url,
            f"parley:{host_id}:sends",
            offload.blocking,
        )
        app.extensions["parley_cluster"] = cluster  # closed with the server (server.py)
    chat.archives.clear_spool()  # archives a crash left behind (nothing is serving yet)
    chat.bootstrap()
    chat.file_cleanup.sweep()  # before serving: no upload can be starting beside what it removes
    chat.retention.sweep()  # before serving: nobody is shown what has expired meanwhile
    # Unsent files past their time, stale uploads and unused bytes, while the host runs.
    socketio.start_background_task(
        chat.file_cleanup.sweep_every, settings.files_sweep_interval, socketio.sleep
    )
    # Backups from the admin's panel and the daily ones (chat/backups.py, backend/backup.py).
    chat.backups = Backups(
        chat.context,
        data_dir=data_dir,
        make=lambda folder, progress, now: backup.make_backup(
            data_dir,
            folder,
            progress=progress,
            clock=lambda: now,
            postgres=settings.database_url is not None,
        ),
        offload=offload.blocking,
        spawn=socketio.start_background_task,
        sleep=socketio.sleep,
        interval=timedelta(seconds=settings.backup_interval),
    )
    socketio.start_background_task(chat.backups.run_daily, settings.backup_check_interval)
    # Messages past their room's retention (chat/retention.py), while the host runs.
    socketio.start_background_task(
        chat.retention.sweep_every, settings.retention_sweep_interval, socketio.sleep
    )
    host = Host(settings, chat, identity, db, socketio, settings.port)
    host.tls = tls_identity(settings, data_dir, identity.name)
    host.reissue_tls = lambda: tls_identity(settings, data_dir, identity.name)
    limits = commands.Limits(
        max_payload_bytes=settings.max_payload_bytes,
        max_text_chars=settings.max_text_chars,
        max_upload_bytes=settings.max_upload_bytes,
    )
    # On python-socketio's server directly: no Flask request context per event (web/events.py).
    socketio.server.register_namespace(ChatNamespace(chat, limits))
    app.register_blueprint(routes.bp)
    # Outermost, so it also guards /socket.io/ (Flask-SocketIO's middleware sits under it).
    app.wsgi_app = HostCheck(app.wsgi_app, names)  # type: ignore[method-assign]
    app.extensions["parley"] = host
    # Uploads and downloads; HTTP has no engineio origin check, so the routes get our own.
    file_routes.init_app(app, OriginCheck(names, lambda: host.port, settings.public_origins))
    # Incoming webhooks: scripts post without an Origin; other sites' pages are refused.
    hook_routes.init_app(app, OriginCheck(names, lambda: host.port, settings.public_origins))
    app.register_blueprint(export_routes.bp)  # after file_routes: it shares their origin check
    return app
