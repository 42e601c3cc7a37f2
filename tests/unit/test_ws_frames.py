"""WebSocket frames in and out (RFC 6455 §5), from bytes as a client would put them on the wire."""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable

import pytest

from backend.wire import frames as wf


def client_frame(opcode: int, payload: bytes, *, fin: bool = True, masked: bool = True) -> bytes:
    first = (0x80 if fin else 0) | opcode
    n = len(payload)
    mask_bit = 0x80 if masked else 0
    if n < 126:
        header = struct.pack("!BB", first, mask_bit | n)
    elif n < 0x10000:
        header = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        header = struct.pack("!BBQ", first, mask_bit | 127, n)
    if not masked:
        return header + payload
    key = os.urandom(4)
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def reader(
    data: bytes,
    max_message: int = 1 << 20,
    chunk: int = 7,
    keep: int | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> wf.FrameReader:
    """A reader over ``data`` handed out a few bytes at a time, as a socket may. ``max_message``
    closes the connection; a message over ``keep`` (default: the same) is read through."""
    view = memoryview(data)
    at = 0

    def recv(_size: int) -> bytes:
        nonlocal at
        piece = bytes(view[at : at + chunk])
        at += len(piece)
        return piece

    return wf.FrameReader(recv, max_message if keep is None else keep, max_message, clock)


def test_text_and_binary_messages_of_every_length_form() -> None:
    big = os.urandom(70_000)
    stream = (
        client_frame(wf.TEXT, "héllo".encode())
        + client_frame(wf.BINARY, b"\x00" * 300)
        + client_frame(wf.BINARY, big)
        + client_frame(wf.TEXT, b"")
    )
    r = reader(stream, chunk=4096)
    assert r.next_event() == ("message", "héllo")
    assert r.next_event() == ("message", b"\x00" * 300)
    assert r.next_event() == ("message", big)
    assert r.next_event() == ("message", "")
    with pytest.raises(EOFError):
        r.next_event()


def test_fragments_are_joined_and_control_frames_may_come_between() -> None:
    stream = (
        client_frame(wf.TEXT, b'42["send', fin=False)
        + client_frame(wf.PING, b"are you there")
        + client_frame(wf.CONTINUATION, b'_message",', fin=False)
        + client_frame(wf.CONTINUATION, b"{}]")
        + client_frame(wf.CLOSE, wf.close_payload(1000))
    )
    r = reader(stream)
    assert r.next_event() == ("ping", b"are you there")
    assert r.next_event() == ("message", '42["send_message",{}]')
    assert r.next_event() == ("close", b"\x03\xe8")


@pytest.mark.parametrize(
    ("stream", "code"),
    [
        (client_frame(wf.TEXT, b"plain", masked=False), wf.PROTOCOL_ERROR),
        (bytes([0xC1]) + client_frame(wf.TEXT, b"x")[1:], wf.PROTOCOL_ERROR),  # RSV1: deflate
        (client_frame(wf.CONTINUATION, b"x"), wf.PROTOCOL_ERROR),
        (client_frame(wf.TEXT, b"a", fin=False) + client_frame(wf.TEXT, b"b"), wf.PROTOCOL_ERROR),
        (client_frame(wf.PING, b"x" * 126), wf.PROTOCOL_ERROR),
        (client_frame(wf.PING, b"x", fin=False), wf.PROTOCOL_ERROR),
        (client_frame(0x3, b"x"), wf.PROTOCOL_ERROR),
        (client_frame(wf.TEXT, b"\xff\xfe"), wf.NOT_UTF8),
        (client_frame(wf.BINARY, b"x" * 2000), wf.TOO_BIG),
        (
            client_frame(wf.TEXT, b"x" * 600, fin=False)
            + client_frame(wf.CONTINUATION, b"x" * 600),
            wf.TOO_BIG,
        ),
    ],
)
def test_broken_or_oversized_frames_are_refused_with_a_close_code(stream: bytes, code: int) -> None:
    with pytest.raises(wf.ProtocolError) as refused:
        reader(stream, max_message=1000).next_event()
    assert refused.value.code == code


def test_an_oversized_frame_is_refused_from_its_header_before_its_payload_arrives() -> None:
    header_only = client_frame(wf.BINARY, b"x" * 5000)[:8]  # 2+2 length bytes + mask; no payload
    with pytest.raises(wf.ProtocolError):
        reader(header_only, max_message=1000).next_event()


def test_a_message_too_big_to_keep_is_read_through_and_named_by_its_start() -> None:
    start = b'42917["send_message",{"text":"'
    whole = client_frame(wf.TEXT, start + b"x" * 5000)
    fragmented = (
        client_frame(wf.TEXT, start + b"y" * 700, fin=False)
        + client_frame(wf.PING, b"still here")
        + client_frame(wf.CONTINUATION, b"y" * 3000)
    )
    after = client_frame(wf.TEXT, b'42["typing",{}]')
    r = reader(whole + fragmented + after, max_message=1 << 20, keep=1000)
    kind, head = r.next_event()
    assert kind == "oversized" and head == (start + b"x" * wf.HEAD)[: wf.HEAD]
    assert r.next_event() == ("ping", b"still here")  # control frames still answered mid-message
    kind, head = r.next_event()
    assert kind == "oversized" and head.startswith(start)
    assert r.next_event() == ("message", '42["typing",{}]')  # the connection reads on


def test_endless_empty_fragments_are_cut_off() -> None:
    opening = client_frame(wf.TEXT, b"4", fin=False)
    flood = client_frame(wf.CONTINUATION, b"", fin=False) * (wf.MAX_FRAGMENTS + 5)
    with pytest.raises(wf.ProtocolError) as refused:
        reader(opening + flood, chunk=4096).next_event()
    assert refused.value.code == wf.POLICY


def test_frame_headers_count_toward_a_message_budget() -> None:
    # 200 empty fragments cost 1,200 header bytes and no payload: still over a 1,000-byte budget.
    stream = (
        client_frame(wf.TEXT, b"4", fin=False) + client_frame(wf.CONTINUATION, b"", fin=False) * 200
    )
    with pytest.raises(wf.ProtocolError) as refused:
        reader(stream, max_message=1000, chunk=4096).next_event()
    assert refused.value.code == wf.TOO_BIG


def test_a_fragmented_message_must_finish_in_time() -> None:
    now = [0.0]
    parts = client_frame(wf.TEXT, b"42", fin=False) + client_frame(wf.CONTINUATION, b"[", fin=False)
    stream = parts + client_frame(wf.CONTINUATION, b"]")
    ticks = iter([0.0, 1.0, wf.FRAGMENT_DEADLINE + 1.0])

    def clock() -> float:
        now[0] = next(ticks)
        return now[0]

    with pytest.raises(wf.ProtocolError) as refused:
        reader(stream, clock=clock).next_event()
    assert refused.value.code == wf.POLICY


def test_control_frames_outside_a_message_never_add_up() -> None:
    pings = client_frame(wf.PING, b"p" * 100) * 50  # 5,300 bytes of pings against a 1,000 budget
    r = reader(pings + client_frame(wf.TEXT, b"ok"), max_message=1000, chunk=4096)
    assert [r.next_event() for _ in range(50)] == [("ping", b"p" * 100)] * 50
    assert r.next_event() == ("message", "ok")


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        (b"", b""),
        (struct.pack("!H", 1000), struct.pack("!H", 1000)),
        (struct.pack("!H", 4321) + b"bye", struct.pack("!H", 4321)),
        (struct.pack("!H", 0), struct.pack("!H", 1002)),
        (struct.pack("!H", 5000), struct.pack("!H", 1002)),
        (struct.pack("!H", 1005), struct.pack("!H", 1002)),
        (b"\x03", struct.pack("!H", 1002)),
        (struct.pack("!H", 1000) + b"\xff", struct.pack("!H", 1007)),
    ],
)
def test_a_close_is_answered_with_a_code_a_peer_may_send(sent: bytes, answered: bytes) -> None:
    assert wf.close_reply(sent)[:2] == answered


def test_frames_out() -> None:
    assert wf.frame("hi") == b"\x81\x02hi"
    assert wf.frame(b"\x00\x01") == b"\x82\x02\x00\x01"
    assert wf.frame("x" * 300)[:4] == b"\x81\x7e\x01\x2c"
    assert wf.frame(b"y" * 70_000)[:10] == b"\x82\x7f" + struct.pack("!Q", 70_000)
    assert wf.control(wf.PONG, b"abc") == b"\x8a\x03abc"
    assert wf.control(wf.CLOSE, wf.close_payload(1009, "too big")) == b"\x88\x09\x03\xf1too big"
    assert wf.unmask(wf.unmask(b"secret", b"abcd"), b"abcd") == b"secret"
