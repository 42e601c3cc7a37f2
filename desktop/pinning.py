"""Talking to another Parley host over TLS with its key pinned (like SSH, not like a browser).

A host's certificate is its own (self-signed, backend/tls.py), so no certificate authority vouches
for it: what makes a connection trustworthy is that the key is the one a person was shown — in the
invite link or QR (``fp=``), or on first use, compared with the host's screen and then remembered.
So these connections skip chain verification and instead compare the fingerprint of the key the
host presents, right after the handshake and before a byte of the request (a token, a join code)
is written. A different key is ``PinMismatch``: never retried, never silently re-pinned.

``expected=None`` is a first use: the connection goes ahead and ``seen`` tells the caller which
key it met, to show and remember.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from backend import fingerprint_groups, fingerprint_of_der


class PinMismatch(ConnectionError):
    """The host presented another key than the one pinned for it."""

    def __init__(self, where: str, expected: str, presented: str) -> None:
        super().__init__(
            f"{where} presented a different key than the one you trust for it "
            f"(expected {fingerprint_groups(expected)}, got {fingerprint_groups(presented)}): "
            "someone may be intercepting the connection, or the host was reinstalled"
        )
        self.where = where
        self.expected = expected
        self.presented = presented


def client_context() -> ssl.SSLContext:
    """TLS 1.2+, no chain or name verification: ``check`` compares the key itself."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def check(sock: ssl.SSLSocket, where: str, expected: str | None) -> str:
    """The fingerprint ``sock``'s peer presented; PinMismatch (socket closed) if not ``expected``."""
    der = sock.getpeercert(binary_form=True)
    if der is None:
        sock.close()
        raise ssl.SSLError(f"{where} presented no certificate")
    presented = fingerprint_of_der(der)
    if expected is not None and presented != expected:
        sock.close()
        raise PinMismatch(where, expected, presented)
    return presented


def pinned_socket(host: str, port: int, expected: str | None, timeout: float) -> SharedTLS:
    """A TLS connection to ``host:port`` whose key was checked (for websocket-client's
    ``socket=``, so the websocket handshake goes out only over a checked connection)."""
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        sock = client_context().wrap_socket(raw, server_hostname=_sni(host))
    except BaseException:
        raw.close()
        raise
    check(sock, f"{host}:{port}", expected)
    return SharedTLS(sock)


class SharedTLS:
    """One TLS connection read by one thread while others write to it.

    A Socket.IO client reads in its read-loop thread while pings and sends write from others, and
    Python's ``ssl`` releases the GIL inside OpenSSL: a read and a write running at once on one
    connection corrupt its state ("bad record mac", lost messages: about 1 connection in 100
    under a stress test). Here every OpenSSL call holds one lock, and a read never waits for data
    while holding it: it tries without blocking, and otherwise waits on the socket (select)
    outside the lock, so writers are never held up by a quiet peer. Everything else (fileno,
    shutdown, close, getpeercert, ...) is the socket's own.
    """

    def __init__(self, sock: ssl.SSLSocket) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._timeout = sock.gettimeout()

    def recv(self, bufsize: int) -> bytes:
        timeout = self._timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                self._sock.setblocking(False)
                try:
                    return self._sock.recv(bufsize)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                    pass
                finally:
                    self._sock.settimeout(self._timeout)
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError("timed out")
            select.select([self._sock], [], [], left)

    def send(self, data: bytes) -> int:
        with self._lock:
            return self._sock.send(data)

    def sendall(self, data: bytes) -> None:
        with self._lock:
            self._sock.sendall(data)

    def settimeout(self, timeout: float | None) -> None:
        with self._lock:
            self._timeout = timeout
            self._sock.settimeout(timeout)

    def gettimeout(self) -> float | None:
        return self._timeout

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self,
        *args: Any,
        expected: str | None = None,
        seen: Callable[[str], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, context=client_context(), **kwargs)
        self._expected = expected
        self._seen = seen

    def connect(self) -> None:
        super().connect()
        presented = check(self.sock, f"{self.host}:{self.port}", self._expected)
        if self._seen is not None:
            self._seen(presented)


class PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    """urllib's https with the key checked instead of a certificate chain."""

    def __init__(self, expected: str | None, seen: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self._expected = expected
        self._seen = seen

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        def connection(host: str, **kwargs: Any) -> PinnedHTTPSConnection:
            kwargs.pop("context", None)
            return PinnedHTTPSConnection(host, expected=self._expected, seen=self._seen, **kwargs)

        return self.do_open(connection, req)


def opener(
    expected: str | None, seen: Callable[[str], None] | None = None
) -> urllib.request.OpenerDirector:
    """An opener whose https:// requests are pinned to ``expected`` (plain http:// unchanged:
    a host started with --no-tls, or this machine's own over loopback)."""
    return urllib.request.build_opener(PinnedHTTPSHandler(expected, seen))


def _sni(host: str) -> str | None:
    """Server name indication only for names (an address is not a valid SNI value)."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host.strip("[]"))
        return None
    except OSError:
        return host
