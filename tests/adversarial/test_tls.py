"""The TLS side of the host's one port under attack, from outside (the encrypted-transport issue):
handshakes that stall, garbage after a handshake's first byte, and a bounded fuzzer of first bytes
and TLS records. The port reads a connection's first byte to tell TLS from plain HTTP, so both
doors are attacked; afterwards a new client still connects over wss and chats, and nothing stored
changed (``Target.assert_unharmed``).

Every case writes its bytes and then half-closes, so the host sees the end of what it will get and
must end the connection promptly; a case whose connection stays open past ``CLOSE_WITHIN_S`` fails.
An answer to bytes that began like TLS is never plaintext HTTP (a TLS alert, a handshake record, or
nothing).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

from backend.connections import HEADER_TIMEOUT
from tests.adversarial.conftest import JOIN_CODE, Target
from tests.rawws import masked, raw_websocket, read_frame, signed_in

pytestmark = pytest.mark.integration

# A connection that said all it will say is ended by then.
CLOSE_WITHIN_S = 5.0
# The fuzzer: examples, and the wall-clock budget for all of them.
EXAMPLES = 2000
RUN_BUDGET_S = 90.0
# Stalled handshakes held open at once while others are served.
STALLED = 40
RSS_GROWTH_KIB = 30 * 1024
FD_GROWTH = 20
TLS_ALERT, TLS_HANDSHAKE = 0x15, 0x16
SHRINK = os.environ.get("PARLEY_FUZZ_SHRINK", "") == "1"


def client_hello(server_name: str = "127.0.0.1") -> bytes:
    """The first flight of a real TLS client (Python's OpenSSL), as bytes to mangle."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname=server_name)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    assert hello[0] == TLS_HANDSHAKE
    return hello


HELLO = client_hello()


def connect(target: Target) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", target.port), timeout=CLOSE_WITHIN_S)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def answer_after(s: socket.socket, data: bytes) -> bytes:
    """Write ``data``, half-close, and read what the host says until it ends the connection."""
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    except TimeoutError:
        raise
    except OSError:
        pass  # the host ended it before it all arrived (reset, not connected): read what it said
    got = b""
    started = time.monotonic()
    while True:
        try:
            chunk = s.recv(65536)
        except TimeoutError:
            raise AssertionError(
                f"the host kept the connection open {time.monotonic() - started:.1f} s "
                f"after {data[:40]!r}…"
            ) from None
        except OSError:  # reset
            return got
        if not chunk:
            return got
        got += chunk


def check_answer(data: bytes, got: bytes) -> None:
    if data[:1] == bytes([TLS_HANDSHAKE]):
        # Whatever began like TLS is answered in TLS records or not at all, never in plaintext.
        assert not got or got[0] in (TLS_ALERT, TLS_HANDSHAKE), (data[:40], got[:80])
        assert b"HTTP/" not in got[:16]
    elif got:
        # This machine's plain HTTP: pywsgi's answer to a malformed request, or a real one.
        assert got.startswith(b"HTTP/1."), (data[:40], got[:80])


def tls_websocket(target: Target, auth: dict[str, str]) -> tuple[socket.socket, bytes, Any]:
    """A hand-made wss:// client trusting exactly the host's certificate, signed in: (socket,
    bytes read beyond the welcome, the welcome). Hand-made rather than python-socketio's client,
    which reads and writes one TLS connection from two threads (tests/rawws.py)."""
    origin = f"Origin: https://127.0.0.1:{target.port}\r\n"
    s, rest, _ = raw_websocket(target.port, origin, cafile=target.data_dir / "tls-cert.pem")
    rest, welcome = signed_in(s, rest, auth)
    return s, rest, welcome


def new_client_chats(target: Target) -> None:
    """A newcomer on wss:// and the known user on wss:// too: one sends, the other receives."""
    newcomer, seen, _ = tls_websocket(
        target, {"name": f"newcomer-{time.monotonic_ns()}", "code": JOIN_CODE}
    )
    keeper, kept, _ = tls_websocket(target, {"token": target.token})
    with newcomer, keeper:
        marker = f"still here {time.monotonic_ns()}"
        send = {"room_id": target.general, "text": marker, "client_id": f"c-{time.monotonic_ns()}"}
        keeper.sendall(masked(0x1, ("421" + json.dumps(["send_message", send])).encode()))
        for _ in range(50):
            _opcode, payload, kept = read_frame(keeper, kept)
            if payload.startswith(b"431"):
                assert json.loads(payload[3:])[0]["ok"] is True, payload
                break
        else:
            raise AssertionError("no ack for the message")
        for _ in range(50):
            _opcode, payload, seen = read_frame(newcomer, seen)
            if payload.startswith(b'42["message_created"') and marker.encode() in payload:
                return
        raise AssertionError("the newcomer never got the message")


@pytest.fixture
def baseline(target: Target) -> Iterator[tuple[int, int]]:
    target.assert_unharmed()  # warm: first welcome, first database reads
    new_client_chats(target)
    yield target.rss_kib(), target.open_files()


def settle(target: Target, fds: int) -> None:
    deadline = time.monotonic() + 10
    while target.open_files() > fds + FD_GROWTH and time.monotonic() < deadline:
        time.sleep(0.1)


def test_stalled_handshakes_time_out_and_hold_nobody_up(
    target: Target, baseline: tuple[int, int]
) -> None:
    _, fds = baseline
    # Half a ClientHello, a record header alone, and nothing at all: then silence, held open.
    starts = [HELLO[: len(HELLO) // 2], HELLO[:5], bytes([TLS_HANDSHAKE]), b""]
    stalled = []
    for n in range(STALLED):
        s = socket.create_connection(("127.0.0.1", target.port), timeout=HEADER_TIMEOUT + 10)
        if starts[n % len(starts)]:
            s.sendall(starts[n % len(starts)])
        stalled.append(s)
    opened = time.monotonic()
    try:
        target.assert_unharmed()  # others are served meanwhile: a welcome within 100 ms
        new_client_chats(target)
        for s in stalled:
            try:
                assert s.recv(1024) == b""  # ended, nothing said
            except ConnectionResetError:
                pass
        took = time.monotonic() - opened
        # Ended by the host's own deadline (the handshake's, like a request's headers), not ours.
        assert took <= HEADER_TIMEOUT + 3, f"stalled handshakes held {took:.1f} s"
    finally:
        for s in stalled:
            s.close()
    settle(target, fds)
    assert target.open_files() <= fds + FD_GROWTH
    target.assert_unharmed()


@pytest.mark.parametrize(
    "data",
    [
        bytes([TLS_HANDSHAKE]) + os.urandom(4000),  # a TLS first byte, then noise
        bytes([TLS_HANDSHAKE, 3, 1, 0xFF, 0xFF]) + os.urandom(300),  # a record that lies long
        bytes([TLS_HANDSHAKE, 3, 3, 0, 4, 1, 0, 0, 0]),  # an empty ClientHello
        bytes([TLS_HANDSHAKE]) + b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",  # plaintext in TLS
        HELLO + os.urandom(2000),  # a real hello, then noise where the next flight goes
        HELLO[:5] + bytes([2]) + HELLO[6:],  # a "ServerHello" sent to the server
        HELLO * 3,
    ],
    ids=["noise", "long-record", "empty-hello", "plaintext", "hello-noise", "server-hello", "3x"],
)
def test_garbage_after_the_first_tls_byte_is_refused_cleanly(
    target: Target, baseline: tuple[int, int], data: bytes
) -> None:
    with connect(target) as s:
        check_answer(data, answer_after(s, data))
    target.assert_unharmed()
    new_client_chats(target)


def _mangled(draw: st.DrawFn) -> bytes:
    base = bytearray(HELLO)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(base) - 1))
        base[at] = draw(st.integers(0, 255))
    cut = draw(st.integers(1, len(base)))
    return bytes(base[:cut]) + draw(st.binary(max_size=64))


@st.composite
def first_flights(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mangled-hello", "record", "tls-byte", "any"]))
    if kind == "mangled-hello":
        return _mangled(draw)
    if kind == "record":
        # A record header of any content type, version and length, then a body of any size.
        head = bytes(
            [
                draw(st.sampled_from([0x14, 0x15, 0x16, 0x17, 0x18, draw(st.integers(0, 255))])),
                draw(st.sampled_from([2, 3])),
                draw(st.integers(0, 4)),
            ]
        ) + draw(st.integers(0, 0xFFFF)).to_bytes(2, "big")
        return head + draw(st.binary(max_size=512))
    if kind == "tls-byte":
        return bytes([TLS_HANDSHAKE]) + draw(st.binary(max_size=512))
    return draw(st.binary(min_size=1, max_size=512))


def test_fuzzed_first_bytes_and_records_harm_nothing(
    target: Target, baseline: tuple[int, int]
) -> None:
    rss, fds = baseline
    started = time.monotonic()
    cases = 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate, *((Phase.shrink,) if SHRINK else ())),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(data=first_flights())
    def fuzz(data: bytes) -> None:
        nonlocal cases
        if time.monotonic() - started > RUN_BUDGET_S:
            return  # over budget: the rest are skipped, and the count below says so
        with connect(target) as s:
            check_answer(data, answer_after(s, data))
        cases += 1
        if cases % 200 == 0:
            assert target.process.proc.poll() is None, target.log()[-3000:]

    fuzz()
    took = time.monotonic() - started
    settle(target, fds)
    print(
        f"\nTLS fuzzer: {cases} cases in {took:.1f} s; RSS {rss} -> {target.rss_kib()} KiB, "
        f"open files {fds} -> {target.open_files()}"
    )
    assert cases == EXAMPLES, f"only {cases} of {EXAMPLES} cases ran within {RUN_BUDGET_S} s"
    assert target.open_files() <= fds + FD_GROWTH
    assert target.rss_kib() <= rss + RSS_GROWTH_KIB
    target.assert_unharmed()
    new_client_chats(target)
