"""A hand-made websocket client for the host's Engine.IO endpoint: exact bytes in, exact frames out.

python-socketio's client hides the framing and the packet text; these tests need both.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
from pathlib import Path
from typing import Any, NamedTuple


def raw_websocket(
    port: int,
    extra_headers: str = "",
    source: str | None = None,
    cafile: Path | None = None,
    rcvbuf: int | None = None,
) -> tuple[socket.socket, bytes, list[str]]:
    """A hand-made websocket client on the Engine.IO endpoint: (socket, bytes after the 101,
    the response's header lines). ``source``: the loopback address to come from (127.0.0.x).
    ``cafile``: over TLS (wss://), trusting exactly that certificate (the host's own file); one
    thread reads and writes it, as a browser tab does (python-socketio's client uses two, which
    CPython's ssl does not support). ``rcvbuf``: the receive buffer, set before connecting so
    that TCP offers the host a window that small (a slow reader)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    if source:
        s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    if cafile is not None:
        context = ssl.create_default_context(cafile=str(cafile))
        s = context.wrap_socket(s, server_hostname="127.0.0.1")
    s.sendall(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"{extra_headers}\r\n"
        ).encode()
    )
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        assert chunk, data
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    status, *headers = head.decode().split("\r\n")
    assert " 101 " in status
    return s, rest, headers


def masked(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    key = b"\x01\x02\x03\x04"
    n = len(payload)
    # XOR as one big integer: a per-byte loop takes seconds for the megabyte frames attacks send.
    stream = int.from_bytes((key * (n // 4 + 1))[:n], "little")
    masked = (int.from_bytes(payload, "little") ^ stream).to_bytes(n, "little") if n else b""
    first = (0x80 if fin else 0) | opcode
    if len(payload) < 126:
        header = bytes([first, 0x80 | len(payload)])
    elif len(payload) < 0x10000:
        header = struct.pack("!BBH", first, 0x80 | 126, len(payload))
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, len(payload))
    return header + key + masked


def read_frames(s: socket.socket, buffered: bytes, want: int) -> list[tuple[int, bytes]]:
    """The next ``want`` server frames (unmasked, short or 16-bit lengths)."""
    frames, buf = [], buffered
    while len(frames) < want:
        opcode, payload, buf = read_frame(s, buf)
        frames.append((opcode, payload))
    return frames


def read_frame(s: socket.socket, buf: bytes) -> tuple[int, bytes, bytes]:
    """The next server frame: (opcode, payload, the bytes read beyond it)."""
    while len(buf) < 2 or len(buf) < _frame_end(buf):
        chunk = s.recv(65536)
        assert chunk, "connection closed"
        buf += chunk
    end = _frame_end(buf)
    header = 4 if buf[1] & 0x7F == 126 else 2
    return buf[0] & 0x0F, buf[header:end], buf[end:]


def _frame_end(buf: bytes) -> int:
    n = buf[1] & 0x7F
    if n == 126:
        return 4 + (struct.unpack("!H", buf[2:4])[0] if len(buf) >= 4 else 1 << 20)
    return 2 + n


def read_until(
    s: socket.socket, buf: bytes, prefix: bytes, limit: int = 200
) -> tuple[bytes, bytes]:
    """Read server frames until one whose payload starts with ``prefix``: (that payload, rest)."""
    for _ in range(limit):  # bounded: a host that never answers fails the test, not hangs it
        _opcode, payload, buf = read_frame(s, buf)
        if payload.startswith(prefix):
            return payload, buf
    raise AssertionError(f"no frame starting {prefix!r} in {limit} frames")


class ServerFrame(NamedTuple):
    """One frame as the host sent it, header bits included (for checking them against RFC 6455)."""

    fin: bool
    rsv: int  # the three RSV bits, as bits 4-6 of the first byte
    opcode: int
    masked: bool
    payload: bytes


def parse_frame(buf: bytes | bytearray) -> tuple[ServerFrame, int] | None:
    """The first whole frame in ``buf`` (any length encoding, masked or not) and the bytes it
    takes; None while ``buf`` holds less than a whole frame."""
    if len(buf) < 2:
        return None
    b0, b1 = buf[0], buf[1]
    n, at = b1 & 0x7F, 2
    if n == 126:
        if len(buf) < 4:
            return None
        n, at = struct.unpack_from("!H", buf, 2)[0], 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n, at = struct.unpack_from("!Q", buf, 2)[0], 10
    key = b""
    if b1 & 0x80:
        key, at = bytes(buf[at : at + 4]), at + 4
    if len(buf) < at + n:
        return None
    payload = bytes(buf[at : at + n])
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    frame = ServerFrame(bool(b0 & 0x80), b0 & 0x70, b0 & 0x0F, bool(b1 & 0x80), payload)
    return frame, at + n


class FrameStream:
    """The host's frames from a socket, one at a time, with any length encoding.

    ``next()`` raises ``EOFError`` when the host closed the TCP connection and lets the socket's
    own timeout (``TimeoutError``) through: a host that stops answering fails a test, never hangs it.
    """

    def __init__(self, s: socket.socket, buffered: bytes = b"") -> None:
        self.sock = s
        self._buf = bytearray(buffered)

    def next(self) -> ServerFrame:
        while True:
            parsed = parse_frame(self._buf)
            if parsed is not None:
                frame, used = parsed
                del self._buf[:used]
                return frame
            chunk = self.sock.recv(262144)
            if not chunk:
                raise EOFError("the host closed the connection")
            self._buf += chunk


def signed_in(s: socket.socket, rest: bytes, auth: dict[str, str]) -> tuple[bytes, Any]:
    """Past Engine.IO's open packet, a Socket.IO connect with ``auth``: (the bytes read beyond
    the ``welcome``, the welcome)."""
    _opcode, _open, rest = read_frame(s, rest)  # Engine.IO "0{sid...}"
    s.sendall(masked(0x1, ("40" + json.dumps(auth)).encode()))
    for _ in range(20):
        _opcode, payload, rest = read_frame(s, rest)
        if payload.startswith(b'42["welcome"'):
            return rest, json.loads(payload[2:])[1]
    raise AssertionError("no welcome")
