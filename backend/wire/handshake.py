"""The websocket opening handshake, the server's side (RFC 6455 §4.2), for the fast path.

simple-websocket's handshake rebuilt the request from the WSGI environ, parsed it again with
wsproto and h11, answered through them, duplicated the connection's socket and kept all of it
(wsproto's connection, h11's state, an Event, the duplicate and its descriptor) for the life of
the connection: ~15 % of the host's time while a crowd arrived, and ~3 KB and one descriptor per
connected client (docs/benchmarks.md). pywsgi has already parsed the request; what is left is to
check the few headers the RFC asks for and write the 101.

No subprotocol and no extension is ever agreed (websocket.py drops the permessage-deflate offer).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

# RFC 6455 §1.3: appended to the client's key before hashing.
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
VERSION = "13"


class Refused(Exception):
    """Not a websocket handshake this host accepts (answered 400)."""


def _tokens(value: str) -> set[str]:
    return {token.strip().lower() for token in value.split(",")}


def accept_key(key: str) -> str:
    """The Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1(key.encode("ascii") + _GUID, usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


def accept(environ: dict[str, Any]) -> Any:
    """Check the request in ``environ`` (pywsgi's) and answer it 101; return the connection's
    socket, which then carries frames.

    :raises Refused: not a GET over HTTP/1.1 asking to upgrade to websocket version 13 with a key
        of 16 bytes (RFC 6455 §4.2.1), or not a request pywsgi is serving.
    """
    key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "").strip()
    if (
        environ.get("REQUEST_METHOD") != "GET"
        or environ.get("SERVER_PROTOCOL") != "HTTP/1.1"
        or "websocket" not in _tokens(environ.get("HTTP_UPGRADE", ""))
        or "upgrade" not in _tokens(environ.get("HTTP_CONNECTION", ""))
        or environ.get("HTTP_SEC_WEBSOCKET_VERSION", "").strip() != VERSION
    ):
        raise Refused("not a websocket version 13 upgrade")
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            raise Refused("the key is not 16 bytes")
    except (binascii.Error, ValueError) as exc:
        raise Refused("the key is not base64") from exc
    # pywsgi's request input is the connection's buffered reader (or wraps it, as ``rfile``):
    # the socket under it. (simple-websocket looked in the same places.)
    reader = environ.get("wsgi.input")
    if not hasattr(reader, "raw"):
        reader = getattr(reader, "rfile", None)
    sock = getattr(getattr(reader, "raw", None), "_sock", None)
    if sock is None:
        raise Refused("no connection to take over")
    sock.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept_key(key).encode("ascii") + b"\r\n\r\n"
    )
    return sock
