"""WebSocket framing (RFC 6455 §5) for the host's side of a connection: frames out, frames in.

Plain Python over bytes. The host's websocket adapter (websocket.py) writes every frame itself, once
per broadcast, and reads the client's frames here in the connection's own greenlet. simple-websocket
parsed them in a reader greenlet of its own with wsproto's pure-Python parser and handed each
message over through a queue: about a fifth of the host's time on a small round trip
(benchmarks.md). Compression is never negotiated (websocket.py drops the offer), so no frame
carries RSV bits.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

TEXT, BINARY, CONTINUATION = 0x1, 0x2, 0x0
CLOSE, PING, PONG = 0x8, 0x9, 0xA
# Close codes (RFC 6455 §7.4.1).
PROTOCOL_ERROR, NOT_UTF8, TOO_BIG = 1002, 1007, 1009
READ_SIZE = 65536


class ProtocolError(Exception):
    """The peer broke the protocol; the connection is closed with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def frame(data: str | bytes) -> bytes:
    """One unmasked, unfragmented server→client data frame."""
    if isinstance(data, str):
        return _frame(0x80 | TEXT, data.encode("utf-8"))
    return _frame(0x80 | BINARY, data)


def control(opcode: int, payload: bytes = b"") -> bytes:
    """A close, ping or pong frame (payload at most 125 bytes)."""
    return _frame(0x80 | opcode, payload[:125])


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode("utf-8")[:123]


def _frame(first: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", first, n)
    elif n < 0x10000:
        header = struct.pack("!BBH", first, 126, n)
    else:
        header = struct.pack("!BBQ", first, 127, n)
    return header + payload


def unmask(data: bytes | bytearray, mask: bytes | bytearray) -> bytes:
    """XOR with the 4-byte key, as one big-integer operation (C speed, any length)."""
    n = len(data)
    if n == 0:
        return b""
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "little")
    return (int.from_bytes(data, "little") ^ key).to_bytes(n, "little")


class FrameReader:
    """Client→server frames from ``recv``: masked, maybe fragmented, control frames in between.

    ``next_event()`` returns ``("message", str | bytes)``, ``("ping", payload)``,
    ``("pong", payload)`` or ``("close", payload)``; it raises ``ProtocolError`` for a broken or
    oversized message and ``EOFError`` when the peer closed the TCP connection.
    """

    def __init__(self, recv: Callable[[int], bytes], max_message: int) -> None:
        self._recv = recv
        self._max = max_message
        self._buf = bytearray()
        self._parts: list[bytes] = []
        self._size = 0
        self._opcode: int | None = None  # of the fragmented message in progress

    def next_event(self) -> tuple[str, str | bytes]:
        while True:
            fin, opcode, payload = self._next_frame()
            if opcode == PING:
                return "ping", payload
            if opcode == PONG:
                return "pong", payload
            if opcode == CLOSE:
                return "close", payload
            if opcode == CONTINUATION:
                if self._opcode is None:
                    raise ProtocolError(PROTOCOL_ERROR, "continuation without a message")
            elif opcode == TEXT or opcode == BINARY:
                if self._opcode is not None:
                    raise ProtocolError(PROTOCOL_ERROR, "new message inside a fragmented one")
                if fin:  # a whole message in one frame, the usual case: no fragments to join
                    return "message", payload if opcode == BINARY else _text(payload)
                self._opcode = opcode
            else:
                raise ProtocolError(PROTOCOL_ERROR, f"unknown opcode {opcode}")
            self._size += len(payload)
            if self._size > self._max:
                raise ProtocolError(TOO_BIG, "message too big")
            self._parts.append(payload)
            if not fin:
                continue
            data = self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)
            kind, self._opcode, self._parts, self._size = self._opcode, None, [], 0
            return "message", data if kind == BINARY else _text(data)

    def _next_frame(self) -> tuple[bool, int, bytes]:
        self._fill(2)
        b0, b1 = self._buf[0], self._buf[1]
        if b0 & 0x70:
            raise ProtocolError(PROTOCOL_ERROR, "reserved bits set (no extension was agreed)")
        if not b1 & 0x80:
            raise ProtocolError(PROTOCOL_ERROR, "client frames must be masked")
        fin, opcode, n, at = bool(b0 & 0x80), b0 & 0x0F, b1 & 0x7F, 2
        if n == 126:
            self._fill(4)
            n, at = struct.unpack_from("!H", self._buf, 2)[0], 4
        elif n == 127:
            self._fill(10)
            n, at = struct.unpack_from("!Q", self._buf, 2)[0], 10
        if opcode >= CLOSE and (n > 125 or not fin):
            raise ProtocolError(PROTOCOL_ERROR, "control frames are short and whole")
        if n > self._max:  # refused before reading (or buffering) the payload
            raise ProtocolError(TOO_BIG, "message too big")
        end = at + 4 + n
        self._fill(end)
        buf = self._buf
        payload = unmask(buf[at + 4 : end], buf[at : at + 4])  # slices of the bytearray: one copy
        del buf[:end]
        return fin, opcode, payload

    def _fill(self, size: int) -> None:
        while len(self._buf) < size:
            chunk = self._recv(READ_SIZE)
            if not chunk:
                raise EOFError("the peer closed the connection")
            self._buf += chunk


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(NOT_UTF8, "text is not UTF-8") from None
