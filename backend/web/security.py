"""Who may talk to this host over HTTP: Host and Origin checks, and the response headers.

- ``Host`` must be one of the host's own names/addresses. A page on evil.example that rebinds its DNS
  name to our address still sends ``Host: evil.example`` and is refused here (HTTP 421), before Flask
  or Socket.IO see it.
- ``Origin`` (browsers send it on the Socket.IO handshake) must be ``http(s)://<own name>:<our
  port>``, its scheme the connection's own (a page served over https talks back over wss).
  python-engineio's default would accept whatever Host says, which rebinding controls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from ..netinfo import LocalNames, split_host
from .errors import WrongHost, encoded

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class HostCheck:
    """WSGI middleware refusing requests whose Host is not ours."""

    def __init__(self, app: WSGIApp, names: LocalNames) -> None:
        self._app = app
        self._names = names

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        host, _port = split_host(environ.get("HTTP_HOST", ""))
        if host and host in self._names:
            return self._app(environ, start_response)
        body, status = encoded(WrongHost("This host does not answer to that name."))
        start_response(
            f"{status} Misdirected Request",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]


class OriginCheck:
    """python-engineio ``cors_allowed_origins`` callable: only our own origins."""

    def __init__(
        self, names: LocalNames, port: Callable[[], int], proxied: tuple[str, ...] = ()
    ) -> None:
        self._names = names
        self._port = port
        # The origins of a proxy in front of several host processes (Settings.public_origins).
        self._proxied = frozenset(o.rstrip("/").lower() for o in proxied)

    def __call__(self, origin: str | None, environ: dict[str, Any] | None = None) -> bool:
        if not origin:
            return False  # no Origin header at all is let through by engineio before asking us
        if origin.lower() in self._proxied:
            return True
        try:
            parts = urlsplit(origin)
            port = parts.port or 80  # raises for a port that is not a port ("7301.evil.com")
        except ValueError:
            return False
        scheme = (environ or {}).get("wsgi.url_scheme", "http")
        if parts.scheme != scheme or not parts.hostname:
            return False
        if parts.port is None:
            port = 443 if scheme == "https" else 80
        return parts.hostname in self._names and port == self._port()


def content_security_policy(host_header: str, secure: bool = False) -> str:
    """CSP for the UI: our own scripts only; sockets only back to this host."""
    socket_scheme = "wss" if secure else "ws"
    connect = f"'self' {socket_scheme}://{host_header}" if host_header else "'self'"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",  # React sets style attributes (virtual list offsets)
            "img-src 'self' data: blob:",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
