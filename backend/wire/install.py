"""Choose the host's Socket.IO transport: the fast path, or stock python-engineio.

The fast path (``websocket.py``, ``fastpath.py``, ``transport.FastTransport``) reads and writes the
websocket frames itself and dispatches plain events without python-socketio's general path
(docs/benchmarks.md has what each part saves). To do that it replaces python-engineio's websocket
driver and queue for this server (``eio._async``), serves Engine.IO's websocket handler itself,
sends Engine.IO's pings from one greenlet (``Socket._send_ping``), calls
``server._send_eio_packet`` and reads ``server._binary_packet``: private parts, which a new
release may change without notice. So it installs only on the exact versions it was written and
tested against (``WRITTEN_FOR``), and only if those parts are where it expects them; otherwise, or
with ``PARLEY_FASTPATH=0``, the host runs on stock python-engineio and python-socketio (slower, the
same protocol) and says so once in the log. CI runs the integration tests in both modes.
"""

from __future__ import annotations

import functools
import logging
from importlib import metadata

import socketio as socketio_lib
from engineio import socket as engineio_socket

from .fastpath import EventFastPath
from .heartbeat import Heartbeat
from .outbox import MAX_BACKLOG_BYTES, Outbox
from .transport import FastTransport, StockTransport
from .websocket import FastWebSocket

log = logging.getLogger(__name__)

# The distributions whose private parts the fast path uses, at the versions it was tested with
# (requirements.txt pins these). Upgrading one means re-reading the fast path against it first.
WRITTEN_FOR = {
    "python-engineio": "4.15.1",
    "python-socketio": "5.18.1",
}


def mismatches() -> list[str]:
    """What differs from ``WRITTEN_FOR`` here ("python-engineio 4.16.0, written for 4.15.1")."""
    found = []
    for name, wanted in WRITTEN_FOR.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:  # a frozen build without the package's metadata
            have = "unknown"
        if have != wanted:
            found.append(f"{name} {have}, written for {wanted}")
    return found


def _missing_parts(server: socketio_lib.Server) -> list[str]:
    """The private parts the fast path uses that this server does not have."""
    eio = server.eio
    wanted = {
        "engineio Server._async['websocket'] and ['queue']": isinstance(
            getattr(eio, "_async", None), dict
        )
        and {"websocket", "queue"} <= eio._async.keys(),
        "engineio Socket._send_ping": callable(getattr(engineio_socket.Socket, "_send_ping", None)),
        # FastWebSocket serves connections that start on websocket only (no writer greenlet to
        # take over from long-polling): the host takes no other.
        "engineio Server.transports == ['websocket']": getattr(eio, "transports", None)
        == ["websocket"],
        "socketio Server._send_eio_packet": callable(getattr(server, "_send_eio_packet", None)),
        "socketio Server._binary_packet": isinstance(getattr(server, "_binary_packet", None), dict),
        "socketio manager.sid_from_eio_sid": callable(
            getattr(server.manager, "sid_from_eio_sid", None)
        ),
    }
    return [name for name, ok in wanted.items() if not ok]


def install(
    server: socketio_lib.Server,
    *,
    fast: bool,
    max_event_bytes: int,
    max_backlog_bytes: int = MAX_BACKLOG_BYTES,
) -> StockTransport:
    """Put the fast path under ``server`` if asked and safe; return the transport to publish with.

    :param max_event_bytes: the largest event the host accepts (for the too_large answers the
        fast path gives to messages too big to read at all).
    :param max_backlog_bytes: what may wait for one slow reader before its connection is closed
        (outbox.py).
    """
    if not fast:
        log.info("transport: stock python-engineio (the fast path is turned off)")
        return StockTransport(server)
    refused = mismatches() or _missing_parts(server)
    if refused:
        log.warning(
            "transport: stock python-engineio; the fast path is not installed on %s",
            "; ".join(refused),
        )
        return StockTransport(server)
    eio = server.eio
    # For this server only (not Engine.IO's module-wide table of async drivers): its websocket
    # driver, and each socket's queue (the way out: outbox.py).
    eio._async = {
        **eio._async,
        "websocket": FastWebSocket.serving(EventFastPath(server, max_event_bytes)),
        "queue": functools.partial(Outbox, backlog_limit=max_backlog_bytes),
    }
    Heartbeat(eio).install()  # one greenlet for every connection's pings
    versions = ", ".join(f"{name} {version}" for name, version in WRITTEN_FOR.items())
    log.info("transport: the websocket fast path (%s)", versions)
    return FastTransport(server)
