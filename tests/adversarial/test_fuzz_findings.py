"""What the fuzzers (test_fuzz_events.py, test_fuzz_frames.py) found, each cut down to the
smallest case that showed it, from outside, as a plain regression test."""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

import pytest

from backend.wire.websocket import FastWebSocket
from tests.adversarial.conftest import Target
from tests.conftest import FASTPATH
from tests.rawws import FrameStream, masked

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not FASTPATH, reason="the host's own websocket reader (backend/wire)"),
]

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def _answers(frames: FrameStream, s: socket.socket, packets: list[bytes]) -> dict[str, Any]:
    """Send ``packets`` then a ping; the acks that came back before its pong, by id."""
    s.sendall(b"".join(masked(TEXT, p) for p in packets) + masked(PING, b"done"))
    acks: dict[str, Any] = {}
    while True:
        frame = frames.next()
        assert frame.opcode != CLOSE, f"closed: {frame.payload!r}"
        if frame.opcode == PONG and frame.payload == b"done":
            return acks
        if frame.payload.startswith(b"43"):
            ack_id, _, args = frame.payload[2:].partition(b"[")
            assert ack_id.decode() not in acks, "answered twice"
            acks[ack_id.decode()] = json.loads(b"[" + args)[0]


def _close_code(frames: FrameStream) -> int:
    """The host's close frame (after any other frames), then the end of the connection."""
    while True:
        frame = frames.next()
        if frame.opcode == CLOSE:
            code = int(struct.unpack("!H", frame.payload[:2])[0])
            with pytest.raises(EOFError):
                frames.next()
            return code


def test_events_python_socketio_cannot_read_are_answered_not_a_traceback(target: Target) -> None:
    # python-socketio reads data[0] of every event it is handed: the fast path handed it events
    # that named "/" outright, had no data, or had an object, and each was an IndexError,
    # KeyError or TypeError traceback in the log, and no ack.
    s, rest = target.signed_in_raw()
    with s:
        acks = _answers(
            FrameStream(s, rest),
            s,
            [
                b"42/,7[]",
                b"42/,8{}",
                b"429",
                b"4210-4",  # python-socketio read "10-" as a count of attachments, and id 4
                b'42/,11["list_rooms",{}]',
                b"42/x,12{}",  # a namespace the client is not in: dropped, as before
            ],
        )
    assert set(acks) == {"7", "8", "9", "10", "11"}
    assert all(acks[n]["error"]["code"] == "invalid" for n in ("7", "8", "9", "10"))
    assert acks["11"]["ok"] is True
    target.assert_unharmed()


def test_events_from_a_websocket_that_never_signed_in_leave_no_traceback(target: Target) -> None:
    s, rest = target.raw()
    with s:
        acks = _answers(FrameStream(s, rest), s, [b"42[]", b"42{}", b"4213", b"42/,14[]"])
    assert acks == {}  # not connected to "/": nobody there to answer
    target.assert_unharmed()


@pytest.mark.parametrize("kind", list("012356"))
def test_engineio_packets_with_deep_json_do_not_end_the_connection(
    target: Target, kind: str
) -> None:
    # Engine.IO decodes the data of its own packets as JSON outside any try: "2" + "[" * 5,000
    # raised RecursionError out of its reader loop, a traceback and a dropped connection.
    s, rest = target.signed_in_raw()
    with s:
        packet = (kind + "[" * 5_000).encode()
        acks = _answers(FrameStream(s, rest), s, [packet, b'4277["list_rooms",{}]'])
    assert acks["77"]["ok"] is True
    target.assert_unharmed()


def test_a_binary_packet_with_an_over_long_ack_id_is_not_answered_with_part_of_it(
    target: Target,
) -> None:
    # 120 digits are no ack id (Socket.IO reads at most 100); the host answered the first 100.
    s, rest = target.signed_in_raw()
    with s:
        acks = _answers(FrameStream(s, rest), s, [b"451-" + b"1" * 120 + b'["x",{}]'])
    assert acks == {}
    target.assert_unharmed()


def test_the_close_frame_owed_for_a_protocol_error_follows_what_was_queued(
    target: Target,
) -> None:
    # An Engine.IO upgrade packet (answered with a queued noop), then a control frame over 125
    # bytes, in one write: the close frame went into the queue behind the noop, the writer found
    # the websocket closed and stopped, and the peer saw the connection end with no close frame.
    s, rest = target.raw()
    with s:
        s.settimeout(5)
        s.sendall(masked(TEXT, b"5") + masked(PING, b"p" * 126))
        assert _close_code(FrameStream(s, rest)) == 1002
    target.assert_unharmed()


def test_a_client_s_engineio_close_ends_the_connection_at_once(target: Target) -> None:
    # The writer closed only simple-websocket's duplicate of the socket, and the connection
    # stayed open until pywsgi gave up waiting for another request on it (10 s).
    s, rest = target.raw()
    with s:
        s.settimeout(3)
        started = time.monotonic()
        s.sendall(masked(TEXT, b"1"))
        assert _close_code(FrameStream(s, rest)) == 1000
        assert time.monotonic() - started < 2
    target.assert_unharmed()


def test_connections_opened_and_dropped_leave_nothing_behind(target: Target) -> None:
    # Engine.IO's ping greenlet held each closed connection's socket, websocket and buffers for
    # ping_interval (25 s): ~30 KB a connection, +17 MB for these 600 in a second or two.
    for _ in range(20):  # warm up
        s, _rest = target.raw()
        s.close()
    time.sleep(0.2)
    before = target.rss_kib()
    for _ in range(600):
        s, _rest = target.raw()
        s.close()
    time.sleep(0.5)
    grown = target.rss_kib() - before
    assert grown < 4_000, f"RSS grew {grown} KiB for 600 closed connections"
    target.assert_unharmed()


class _ResetSocket:
    """A socket whose peer has reset the connection."""

    def send(self, data: bytes, flags: int = 0, timeout: float | None = None) -> int:
        raise ConnectionResetError(104, "Connection reset by peer")

    def shutdown(self, how: int) -> None:
        raise OSError(107, "Transport endpoint is not connected")


def test_the_writer_ending_on_a_reset_connection_raises_nothing() -> None:
    # Engine.IO's writer calls close() as it ends; simple-websocket's let ConnectionResetError
    # out, which gevent printed as a traceback for every peer that reset its connection while
    # the host still wrote to it (found by the event fuzzer, timing-dependent from outside).
    ws = FastWebSocket.__new__(FastWebSocket)  # no handshake: only close() is under test
    ws.ws = type("W", (), {"sock": _ResetSocket(), "connected": True})()
    ws.close()
    assert ws.ws.connected is False
    ws.close()  # and again: nothing to do


def test_an_event_over_1_mib_with_a_100_digit_ack_id_is_answered_too_large(target: Target) -> None:
    # An event too big to keep is read through and answered from its first bytes; they were 64,
    # which cut "42" + a 100-digit ack id short, so the event got no answer at all.
    s, rest = target.signed_in_raw()
    with s:
        padded = "7".rjust(100, "0")
        event = json.dumps(["list_rooms", {"note": "x" * (1024 * 1024 + 100)}])
        acks = _answers(FrameStream(s, rest), s, [f"42{padded}{event}".encode()])
        assert acks["7"]["error"]["code"] == "too_large"
        acks = _answers(FrameStream(s, b""), s, [b'428["list_rooms",{}]'])
        assert acks["8"]["ok"] is True  # the connection stays
    target.assert_unharmed()
