"""The websocket opening handshake the fast path answers itself (backend/wire/handshake.py)."""

from __future__ import annotations

import socket
from types import SimpleNamespace
from typing import Any

import pytest

from backend.wire import handshake

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 §1.3's example


def _environ(sock: socket.socket, **headers: str) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
        "HTTP_SEC_WEBSOCKET_KEY": KEY,
        # pywsgi's request input: its rfile reads the connection's socket
        "wsgi.input": SimpleNamespace(rfile=sock.makefile("rb")),
    }
    environ.update(headers)
    return environ


def test_the_accept_key_is_the_rfc_s() -> None:
    assert handshake.accept_key(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


@pytest.mark.parametrize("connection", ["Upgrade", "keep-alive, Upgrade", "upgrade"])
def test_an_upgrade_is_answered_101_on_the_connection_itself(connection: str) -> None:
    near, far = socket.socketpair()
    with near, far:
        assert handshake.accept(_environ(near, HTTP_CONNECTION=connection)) is near
        far.settimeout(5)
        answer = far.recv(4096)
    assert answer == (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    )


@pytest.mark.parametrize(
    "odd",
    [
        {"REQUEST_METHOD": "POST"},
        {"SERVER_PROTOCOL": "HTTP/1.0"},
        {"HTTP_UPGRADE": "h2c"},
        {"HTTP_CONNECTION": "keep-alive"},
        {"HTTP_SEC_WEBSOCKET_VERSION": "8"},
        {"HTTP_SEC_WEBSOCKET_KEY": ""},
        {"HTTP_SEC_WEBSOCKET_KEY": "c2hvcnQ="},  # 5 bytes
        {"HTTP_SEC_WEBSOCKET_KEY": "not base64!"},
        {"HTTP_SEC_WEBSOCKET_KEY": "é" * 24},
        {"wsgi.input": None},
    ],
)
def test_anything_else_is_refused_and_nothing_is_written(odd: dict[str, Any]) -> None:
    near, far = socket.socketpair()
    with near, far:
        with pytest.raises(handshake.Refused):
            handshake.accept(_environ(near, **odd))
        far.setblocking(False)
        with pytest.raises(BlockingIOError):
            far.recv(16)
