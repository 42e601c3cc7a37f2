"""The host's TCP connections: how many one address may hold, and how long each may stay silent.

Anyone on the LAN can open connections without a join code, so what one peer can hold is bounded
here, below HTTP and Socket.IO (the hostile-peer issue: 1,100 half-open requests exhausted a host's
1,024 file descriptors and it stopped answering everyone):

- at most ``max_per_address`` open connections per address (per /64 for IPv6, where one machine
  has many); the next one is closed at once;
- when the process nears its limit on open files (many addresses at once), an address that
  already holds ``FAIR_SHARE`` connections gets no more, so one that holds few still gets in;
- a request's line and headers must arrive within ``HEADER_TIMEOUT`` (also the longest a
  keep-alive connection may idle between requests); while a request runs, any read may wait at
  most ``BODY_TIMEOUT``;
- the process may open as many files as the system allows it (``raise_file_limit``).

Websockets outlive both timeouts: their reads are Engine.IO's, whose pings close a silent peer.
"""

from __future__ import annotations

import logging
import resource
import socket
from typing import Any

from gevent import pywsgi

from .netinfo import address_key

log = logging.getLogger(__name__)

# A request's line and headers are a few hundred bytes: a peer that takes longer is not sending one.
HEADER_TIMEOUT = 10.0
# Any single read while a request runs (an upload chunk arriving over slow Wi-Fi still moves).
BODY_TIMEOUT = 60.0
# Open connections per address (Settings.max_connections_per_address): a browser holds one
# websocket and a few HTTP connections per tab.
MAX_PER_ADDRESS = 128
# The soft file limit is raised to the hard one, but no further than this (each connection is one
# descriptor; the database, logs and uploads need a few more).
FILE_LIMIT = 65536
# Connections taken per turn of the event loop (gevent's default is 100): each is a descriptor
# before its handler runs and counts it, so this many must always be free.
MAX_ACCEPT = 16
# Descriptors kept for everything but connections: SQLite's files and threads' pipes, uploads in
# progress, logs, mDNS sockets (a fresh host holds ~40), and a turn's worth of new connections.
RESERVED_FILES = 64 + MAX_ACCEPT
# When connections fill the rest, an address holding this many gets no more (a person's browser
# with a few tabs holds fewer).
FAIR_SHARE = 8


def current_file_limit() -> int:
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return FILE_LIMIT if soft == resource.RLIM_INFINITY else int(soft)


def raise_file_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE towards its hard limit; return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = FILE_LIMIT if hard == resource.RLIM_INFINITY else min(hard, FILE_LIMIT)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            log.info("open files: raised the limit from %d to %d", soft, wanted)
            soft = wanted
        except (ValueError, OSError):
            log.warning("open files: could not raise the limit from %d", soft)
    return soft


class Handler(pywsgi.WSGIHandler):  # type: ignore[misc]
    """pywsgi's handler with Nagle's algorithm off, time limits on reads, and quiet about peers
    that break off.

    A send is answered with two small frames back to back (the room's message_created, then the
    ack). With Nagle on, the second waits for the client's delayed ACK: 40 ms per send, measured.
    """

    def handle(self) -> None:
        try:
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not TCP (a test's Unix socket): nothing to tune
            pass
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            # The peer left while pywsgi answered a malformed or timed-out request (a browser
            # dropping a spare connection): nobody to tell, and not worth a traceback in the log.
            pass

    def read_requestline(self) -> str:
        """The next request's first line: it, and the headers after it, within HEADER_TIMEOUT."""
        self.socket.settimeout(HEADER_TIMEOUT)
        line: str = super().read_requestline()
        return line

    def handle_one_response(self) -> None:
        # Headers are in; the request runs. Its socket's reads (bodies) get BODY_TIMEOUT each;
        # a websocket made from this socket inherits that, then Engine.IO's pings keep it fed.
        self.socket.settimeout(BODY_TIMEOUT)
        super().handle_one_response()

    def _handle_client_error(self, ex: BaseException) -> Any:
        # pywsgi's hook for a request that cannot be read; for a socket error (a timeout while the
        # headers trickle in, a reset) it would print a traceback per connection: the peer is
        # gone or stalling, and closing is all there is to do.
        if isinstance(ex, OSError):
            self.close_connection = True
            return None
        return super()._handle_client_error(ex)


class Server(pywsgi.WSGIServer):  # type: ignore[misc]
    """pywsgi's server, holding at most ``max_per_address`` connections per address."""

    max_accept = MAX_ACCEPT

    def __init__(
        self,
        *args: Any,
        max_per_address: int = MAX_PER_ADDRESS,
        file_limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, handler_class=Handler, **kwargs)
        self._max_per_address = max_per_address
        limit = file_limit if file_limit is not None else current_file_limit()
        self._crowded = max(limit - RESERVED_FILES, FAIR_SHARE)
        self._open: dict[str, int] = {}
        self._total = 0

    def handle(self, sock: Any, address: Any) -> None:
        """Serve one connection (in its own greenlet, for as long as it lasts)."""
        key = address_key(address[0]) if isinstance(address, tuple) else "local"
        held = self._open.get(key, 0)
        if held >= self._max_per_address or (self._total >= self._crowded and held >= FAIR_SHARE):
            sock.close()  # before reading a byte: costs this host nothing more
            return
        self._open[key] = held + 1
        self._total += 1
        try:
            super().handle(sock, address)
        finally:
            self._total -= 1
            left = self._open[key] - 1
            if left:
                self._open[key] = left
            else:
                del self._open[key]
