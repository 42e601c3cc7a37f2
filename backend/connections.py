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

With TLS on (the default: ``tls.py``), one port speaks both: the first byte of a connection says
which (a TLS handshake starts with 0x16, an HTTP request with a letter). TLS is served; plain HTTP
is served only to this machine (the desktop window, the ``parley`` command, a local browser: none
of it crosses the LAN) and any other address gets a redirect to ``https://`` on the same port, so
an address typed without the scheme still works. A handshake, like a request's headers, must
complete within ``HEADER_TIMEOUT``.

Websockets outlive both timeouts: their reads are Engine.IO's, whose pings close a silent peer.
"""

from __future__ import annotations

import logging
import re
import resource
import socket
import ssl
from typing import Any

from gevent import pywsgi
from gevent import ssl as gssl

from .netinfo import address_key, is_loopback
from .tls import TlsIdentity

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
# Handshakes the kernel queues before the host accepts them (gevent's default is 128; Linux caps
# it at net.core.somaxconn). After a host restart every client reconnects in the same second: with
# 128, the SYNs beyond it were dropped and retried a second or more later (TCP's SYN backoff).
LISTEN_BACKLOG = 4096
# Descriptors kept for everything but connections: SQLite's files and threads' pipes, uploads in
# progress, logs, mDNS sockets (a fresh host holds ~40), and a turn's worth of new connections.
RESERVED_FILES = 64 + MAX_ACCEPT
# When connections fill the rest, an address holding this many gets no more (a person's browser
# with a few tabs holds fewer).
FAIR_SHARE = 8
# The buffer a connection's request line and headers are read through. pywsgi's is 8 KB, held for
# as long as the connection lasts, though a websocket never reads through it again (~8 KB of the
# ~63 KB a connected client cost, docs/benchmarks.md); a request's head is a few hundred bytes,
# and a body larger than this is read past the buffer anyway.
REQUEST_BUFFER = 1024
# A TLS record's first byte (ContentType handshake, RFC 8446 §5.1).
TLS_HANDSHAKE = 0x16
# The most of a plain request read to answer it with a redirect (its line and headers).
REDIRECT_READ_BYTES = 8192
_HOST_HEADER = re.compile(
    r"^[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$"
)
_PATH = re.compile(r"^/[\x21-\x7e]{0,2047}$")


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


def server_context(identity: TlsIdentity) -> ssl.SSLContext:
    """A server context: TLS 1.2+ with the library's modern ciphers, this identity loaded.

    gevent's own SSLContext, so that handshakes and reads yield to other greenlets without
    monkey patching (../shared/STACK.md).
    """
    ctx = gssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(identity.cert_path), str(identity.key_path))
    return ctx  # type: ignore[no-any-return]


class Handler(pywsgi.WSGIHandler):  # type: ignore[misc]
    """pywsgi's handler with Nagle's algorithm off, time limits on reads, and quiet about peers
    that break off.

    A send is answered with two small frames back to back (the room's message_created, then the
    ack). With Nagle on, the second waits for the client's delayed ACK: 40 ms per send, measured.
    """

    def __init__(self, sock: Any, address: Any, server: Any) -> None:
        super().__init__(sock, address, server)
        self.rfile = sock.makefile("rb", REQUEST_BUFFER)

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

    def get_environ(self) -> dict[str, Any]:
        # pywsgi sets the scheme per server; here it is per connection (one port speaks both).
        environ: dict[str, Any] = super().get_environ()
        environ["wsgi.url_scheme"] = "https" if isinstance(self.socket, gssl.SSLSocket) else "http"
        return environ

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
    backlog = LISTEN_BACKLOG

    def __init__(
        self,
        *args: Any,
        max_per_address: int = MAX_PER_ADDRESS,
        file_limit: int | None = None,
        tls: ssl.SSLContext | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, handler_class=Handler, **kwargs)
        self._tls = tls
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
            if self._tls is not None:
                sock = self._secure(sock, address)
                if sock is None:
                    return
            super().handle(sock, address)
        finally:
            self._total -= 1
            left = self._open[key] - 1
            if left:
                self._open[key] = left
            else:
                del self._open[key]

    def _secure(self, sock: Any, address: Any) -> Any:
        """The connection to serve (TLS-wrapped, or plain from this machine), or None once it
        was answered with a redirect or closed."""
        sock.settimeout(HEADER_TIMEOUT)
        try:
            first = sock.recv(1, socket.MSG_PEEK)
            if first and first[0] == TLS_HANDSHAKE:
                assert self._tls is not None
                return self._tls.wrap_socket(sock, server_side=True)  # handshakes, timed out
        except (OSError, ssl.SSLError, ValueError):
            # A stalled or garbled handshake, a peer gone: nothing to answer.
            sock.close()
            return None
        peer = address[0] if isinstance(address, tuple) else None
        if first and (peer is None or is_loopback(peer)):
            return sock  # this machine (or a test's Unix socket): never crossed the LAN
        if first:
            _redirect(sock)
        sock.close()
        return None


def _redirect(sock: Any) -> None:
    """Answer a plain request from the LAN with ``308`` to the same place over https."""
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < REDIRECT_READ_BYTES:
            chunk = sock.recv(REDIRECT_READ_BYTES - len(data))
            if not chunk:
                break
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        parts = head[0].split(" ")
        path = parts[1] if len(parts) == 3 and _PATH.match(parts[1]) else "/"
        host = ""
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "host":
                host = value.strip()
        if not _HOST_HEADER.match(host):
            own = sock.getsockname()
            host = f"[{own[0]}]:{own[1]}" if ":" in own[0] else f"{own[0]}:{own[1]}"
        body = b"This Parley host speaks https only on the LAN.\n"
        sock.sendall(
            b"HTTP/1.1 308 Permanent Redirect\r\n"
            + f"Location: https://{host}{path}\r\n".encode("ascii")
            + b"Content-Type: text/plain; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\n".encode("ascii")
            + b"Connection: close\r\n\r\n"
            + body
        )
    except (OSError, UnicodeError):
        pass
