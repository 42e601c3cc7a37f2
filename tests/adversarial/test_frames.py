"""Frames and packets a hostile peer sends on the websocket, from outside (the hostile-peer issue,
items 1, 11, 14, 15, 16, 17): each is refused at the right depth, the connection that sent it keeps
working where the protocol allows, and the host is unharmed for everyone else."""

from __future__ import annotations

import json
import socket
import struct
import time

import pytest

from tests.adversarial.conftest import Target
from tests.conftest import FASTPATH
from tests.rawws import masked, read_frame, read_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not FASTPATH, reason="the host's own websocket reader (backend/wire)"),
]

TEXT, BINARY, CONTINUATION, CLOSE = 0x1, 0x2, 0x0, 0x8


def _event(s: socket.socket, ack_id: int, event: str, data: object) -> None:
    s.sendall(masked(TEXT, f"42{ack_id}{json.dumps([event, data])}".encode()))


def _still_serves(s: socket.socket, rest: bytes, ack_id: int = 777) -> bytes:
    """The same connection still answers an event: its user was never dropped."""
    _event(s, ack_id, "list_rooms", {})
    answer, rest = read_until(s, rest, f"43{ack_id}".encode())
    assert json.loads(answer[len(f"43{ack_id}") :])[0]["ok"] is True
    return rest


def _close_code(s: socket.socket, rest: bytes) -> int:
    """Read until the host's close frame; its code."""
    for _ in range(100):
        opcode, payload, rest = read_frame(s, rest)
        if opcode == CLOSE:
            return int(struct.unpack("!H", payload[:2])[0])
    raise AssertionError("no close frame")


def test_endless_empty_fragments_cost_nothing_and_close_the_socket(target: Target) -> None:
    before = target.rss_kib()
    flood = masked(CONTINUATION, b"", fin=False) * 5_000  # 30 KB: 5,000 empty continuation frames
    for _ in range(20):  # the attacker kept this up; 20 sockets x 5,000 frames here
        s, rest = target.raw()
        with s:
            s.sendall(masked(TEXT, b"4", fin=False))
            try:
                s.sendall(flood)
            except OSError:
                pass  # the host closed while the flood was still being sent: as intended
            assert _close_code(s, rest) == 1008
    grown = target.rss_kib() - before
    assert grown < 20_000, f"RSS grew {grown} KiB"
    target.assert_unharmed()


def test_an_event_too_big_to_read_is_answered_too_large_and_the_socket_stays(
    target: Target,
) -> None:
    s, rest = target.signed_in_raw()
    with s:
        big = "x" * (3 * 1024 * 1024)  # over Engine.IO's 1 MiB: read through, never kept
        _event(s, 41, "send_message", {"room_id": target.general, "text": big, "client_id": "b1"})
        answer, rest = read_until(s, rest, b"4341")
        error = json.loads(answer[4:])[0]["error"]
        assert error["code"] == "too_large" and error["data"]["limit"] == 64 * 1024
        # the same, cut into fragments
        head = f'4242["send_message",{{"room_id":{target.general},"text":"'.encode()
        s.sendall(masked(TEXT, head + b"y" * 700_000, fin=False))
        s.sendall(masked(CONTINUATION, b"y" * 700_000, fin=False))
        s.sendall(masked(CONTINUATION, b'","client_id":"b2"}]'))
        answer, rest = read_until(s, rest, b"4342")
        assert json.loads(answer[4:])[0]["error"]["code"] == "too_large"
        rest = _still_serves(s, rest)
    target.assert_unharmed()


def test_a_message_past_the_hard_cap_closes_with_1009_before_it_is_sent(target: Target) -> None:
    s, rest = target.raw()
    with s:
        claim = 17 * 1024 * 1024  # over the documented 16 MiB cap; only the header is sent
        s.sendall(struct.pack("!BBQ", 0x81, 0x80 | 127, claim) + b"\x00\x00\x00\x00")
        assert _close_code(s, rest) == 1009
    target.assert_unharmed()


def test_binary_is_refused_up_front_and_never_buffered(target: Target) -> None:
    before = target.rss_kib()
    s, rest = target.signed_in_raw()
    with s:
        # A binary event promising 999,999 attachments, then the attachments themselves.
        s.sendall(masked(TEXT, b'45999999-1["send_message",{"_placeholder":true,"num":0}]'))
        answer, rest = read_until(s, rest, b"431[")
        assert json.loads(answer[3:])[0]["error"]["code"] == "invalid"
        chunk = masked(BINARY, b"\x00" * (1024 * 1024))
        for _ in range(150):
            s.sendall(chunk)
        rest = _still_serves(s, rest)
        # The placeholders of the issue: 450- (no attachments), 451-/461- (swallowed the next one).
        for packet in (b'450-["list_rooms",{}]', b'451-["x",{}]', b"461-2[]"):
            s.sendall(masked(TEXT, packet))
            rest = _still_serves(s, rest, ack_id=778)
    grown = target.rss_kib() - before
    assert grown < 20_000, f"RSS grew {grown} KiB for 150 MiB of binary frames"
    target.assert_unharmed()


@pytest.mark.parametrize(
    "packet",
    [
        b"",  # an empty text frame
        b"x42[]",  # not an Engine.IO packet type
        b"9",
        b"b" + b"QUJD",  # Engine.IO's base64 binary
        b"4",  # a message with no Socket.IO packet in it
        b"47[]",  # no such Socket.IO type
        b"44{}",  # a CONNECT_ERROR, from a client
        b'43123["anything"]',  # an ack the host never asked for
        b"40{}",  # a second connect on the same namespace
        b'42/other,["list_rooms",{}]',  # a namespace the host does not serve
        b"42" + b"[" * 5_000 + b"]" * 5_000,  # nested deeper than any decoder goes
        b'42["list_rooms",' + b"1" * 101 + b"]",  # a number of 101 digits
        b"42[{]",
    ],
    ids=lambda p: repr(p[:24]),
)
def test_malformed_packets_are_dropped_without_dropping_the_client(
    target: Target, packet: bytes
) -> None:
    s, rest = target.signed_in_raw()
    with s:
        s.sendall(masked(TEXT, packet))
        rest = _still_serves(s, rest)
    target.assert_unharmed()  # no traceback either (item 16)


def test_unreadable_events_with_an_ack_id_are_answered_invalid(target: Target) -> None:
    s, rest = target.signed_in_raw()
    with s:
        cases = {
            51: b"4251" + b"[" * 5_000 + b"]" * 5_000,
            52: b'4252["list_rooms",' + b"9" * 150 + b"]",
            53: b"4253[{]",
            54: b"4254[]",
        }
        for ack_id, packet in cases.items():
            s.sendall(masked(TEXT, packet))
            answer, rest = read_until(s, rest, f"43{ack_id}".encode())
            assert json.loads(answer[4:])[0]["error"]["code"] == "invalid"
        long_id = "1" + "0" * 25  # past JavaScript's integers: still answered with that id
        s.sendall(masked(TEXT, f'42{long_id}["list_rooms",{{}}]'.encode()))
        answer, rest = read_until(s, rest, f"43{long_id}[".encode())
        assert json.loads(answer[len(long_id) + 2 :])[0]["ok"] is True
    target.assert_unharmed()


@pytest.mark.parametrize(
    ("sent", "answered"), [(1000, 1000), (4001, 4001), (0, 1002), (5000, 1002), (1006, 1002)]
)
def test_close_codes_are_answered_as_rfc_6455_says(
    target: Target, sent: int, answered: int
) -> None:
    s, rest = target.raw()
    with s:
        s.sendall(masked(CLOSE, struct.pack("!H", sent)))
        assert _close_code(s, rest) == answered
    target.assert_unharmed()


def test_a_handshake_without_a_key_is_a_bad_request_not_a_crash(target: Target) -> None:
    with socket.create_connection(("127.0.0.1", target.port), timeout=10) as s:
        s.sendall(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{target.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        status = s.recv(4096).split(b"\r\n", 1)[0]
    assert b" 400 " in status, status
    target.assert_unharmed()


def test_a_flood_of_malformed_packets_does_not_grow_the_log(target: Target) -> None:
    log_before = len(target.log())
    s, rest = target.signed_in_raw()
    started = time.monotonic()
    with s:
        for n in range(3_000):
            s.sendall(masked(TEXT, b"47" + str(n).encode()))
        rest = _still_serves(s, rest)
    assert time.monotonic() - started < 60
    assert len(target.log()) - log_before < 2_000  # the issue measured ~937 bytes per packet
    target.assert_unharmed()


def test_malformed_origins_are_refused_not_a_server_error(target: Target) -> None:
    # Item 9: an Origin whose port is not a port raised inside the origin check (HTTP 500 and a
    # traceback per request).
    for origin in ("http://127.0.0.1:7301.evil.com", "http://127.0.0.1:73010", "http://[::1"):
        with socket.create_connection(("127.0.0.1", target.port), timeout=10) as s:
            s.sendall(
                (
                    "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n"
                    f"Host: 127.0.0.1:{target.port}\r\nOrigin: {origin}\r\n"
                    "Connection: close\r\n\r\n"
                ).encode()
            )
            status = s.recv(4096).split(b"\r\n", 1)[0]
        assert b" 400 " in status, (origin, status)
    target.assert_unharmed()
