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
import time
from collections.abc import Callable

TEXT, BINARY, CONTINUATION = 0x1, 0x2, 0x0
CLOSE, PING, PONG = 0x8, 0x9, 0xA
# Close codes (RFC 6455 §7.4.1).
NORMAL, PROTOCOL_ERROR, NOT_UTF8, POLICY, TOO_BIG = 1000, 1002, 1007, 1008, 1009
READ_SIZE = 65536
# Close codes a peer may put in a close frame (RFC 6455 §7.4.1 and IANA's registry); 1005, 1006
# and 1015 only ever describe a close, and the others are reserved.
_SENDABLE = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014})
# A message dropped for its size keeps this much of its start: enough for "42/,<ack id>[" with the
# longest ack id Socket.IO's decoder reads (100 digits), which the too_large answer must carry. (64
# bytes cut a padded id short: the event fuzzer found such an event left without an answer.)
HEAD = 2 + 2 + 100 + 1
# Fragments of one message: no Socket.IO client fragments a chat event at all; a peer sending
# endless empty continuation frames grew the host by 700 MB (the hostile-peer issue).
MAX_FRAGMENTS = 1024
# A fragmented message is complete this long after its first frame, or the connection is closed.
FRAGMENT_DEADLINE = 30.0


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


def close_reply(payload: bytes) -> bytes:
    """The close frame's payload that answers a client's (RFC 6455 §5.5.1, §7.4): its own code
    when that is one a peer may send, else 1002 (1007 for a reason that is not UTF-8)."""
    if not payload:
        return b""
    if len(payload) == 1:
        return close_payload(PROTOCOL_ERROR, "a close code is two bytes")
    code = struct.unpack("!H", payload[:2])[0]
    if not (code in _SENDABLE or 3000 <= code <= 4999):
        return close_payload(PROTOCOL_ERROR, "not a close code a peer may send")
    try:
        payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        return close_payload(NOT_UTF8, "the close reason is not UTF-8")
    return payload[:2]


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

    ``next_event()`` returns ``("message", str | bytes)``, ``("oversized", head)``,
    ``("ping", payload)``, ``("pong", payload)`` or ``("close", payload)``; it raises
    ``ProtocolError`` for a broken or abusive message and ``EOFError`` when the peer closed the
    TCP connection.

    What one message may cost is bounded whatever the peer sends (a peer needs no join code to
    open a websocket): a message over ``keep`` bytes is not kept but read through and dropped,
    only its first ``HEAD`` bytes kept to say which event it was (``"oversized"``: the caller
    answers ``too_large`` and the connection stays up); over ``hard_max`` bytes, frame headers
    counted, it closes the connection (1009). A fragmented message may have at most
    ``MAX_FRAGMENTS`` frames and must be complete within ``FRAGMENT_DEADLINE`` seconds of its first.
    """

    def __init__(
        self,
        recv: Callable[[int], bytes],
        keep: int,
        hard_max: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._recv = recv
        self._keep = keep
        self._hard_max = hard_max
        self._clock = clock
        self._buf = bytearray()
        self._reset()

    def _reset(self) -> None:
        self._opcode: int | None = None  # of the fragmented message in progress
        self._parts: list[bytes] = []
        self._size = 0  # payload bytes of the message so far
        self._spent = 0  # payload and header bytes of the message so far
        self._fragments = 0
        self._started = 0.0
        self._head: bytes | None = None  # set once the message is being dropped

    def next_event(self) -> tuple[str, str | bytes]:
        while True:
            fin, opcode, n, mask = self._next_header()
            if opcode >= CLOSE:
                payload = self._payload(n, mask)
                if opcode == PING:
                    return "ping", payload
                if opcode == PONG:
                    return "pong", payload
                if opcode == CLOSE:
                    return "close", payload
                raise ProtocolError(PROTOCOL_ERROR, f"unknown opcode {opcode}")
            if opcode == CONTINUATION:
                if self._opcode is None:
                    raise ProtocolError(PROTOCOL_ERROR, "continuation without a message")
                self._fragments += 1
                if self._fragments > MAX_FRAGMENTS:
                    raise ProtocolError(POLICY, "too many fragments in one message")
                if self._clock() - self._started > FRAGMENT_DEADLINE:
                    raise ProtocolError(POLICY, "a fragmented message took too long")
            elif opcode == TEXT or opcode == BINARY:
                if self._opcode is not None:
                    raise ProtocolError(PROTOCOL_ERROR, "new message inside a fragmented one")
                if fin and n <= self._keep:  # a whole message in one frame, the usual case
                    payload = self._payload(n, mask)
                    return "message", payload if opcode == BINARY else _text(payload)
                self._opcode, self._fragments, self._started = opcode, 1, self._clock()
            else:
                raise ProtocolError(PROTOCOL_ERROR, f"unknown opcode {opcode}")
            self._size += n
            if self._head is None and self._size > self._keep:  # from here on, read and drop
                first = self._parts[0] if self._parts else b""
                self._head, self._parts = first[:HEAD], []
            if self._head is None:
                self._parts.append(self._payload(n, mask))
            else:
                self._head += self._skip(n, mask, HEAD - len(self._head))
            if not fin:
                continue
            kind, parts, dropped = self._opcode, self._parts, self._head
            self._reset()
            if dropped is not None:
                return "oversized", dropped
            data = parts[0] if len(parts) == 1 else b"".join(parts)
            return "message", data if kind == BINARY else _text(data)

    def _next_header(self) -> tuple[bool, int, int, bytes]:
        """The next frame's (fin, opcode, payload length, mask), its header consumed."""
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
        if self._opcode is None and opcode != CONTINUATION:
            self._spent = 0  # outside a message, each frame is its own
        self._spent += at + 4 + n
        if n > self._hard_max or self._spent > self._hard_max:  # before reading the payload
            raise ProtocolError(TOO_BIG, "message too big")
        self._fill(at + 4)
        mask = bytes(self._buf[at : at + 4])
        del self._buf[: at + 4]
        return fin, opcode, n, mask

    def _payload(self, n: int, mask: bytes) -> bytes:
        self._fill(n)
        buf = self._buf
        payload = unmask(buf[:n], mask)  # a slice of the bytearray: one copy
        del buf[:n]
        return payload

    def _skip(self, n: int, mask: bytes, keep: int) -> bytes:
        """Read ``n`` payload bytes without holding them; the first ``keep`` of them, unmasked."""
        keep = max(0, min(keep, n))
        kept = self._payload(keep, mask) if keep else b""
        left = n - keep  # never unmasked: nothing after ``kept`` is read
        while left > 0:  # bounded: each pass consumes at least one byte or raises EOFError
            if not self._buf:
                self._fill(1)
            step = min(left, len(self._buf))
            del self._buf[:step]
            left -= step
        return kept

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
