"""The host's own websocket write path (backend/wire/websocket.py FastWebSocket, outbox.py): frames,
order, no deflate, pings."""

from __future__ import annotations

import gc
import socket
import struct
from collections.abc import Callable
from typing import Any

import gevent
import gevent.socket
import greenlet
import pytest
from engineio import packet as eio_packet

from backend import ServerHandle
from backend.wire.frames import frame as _ws_frame
from backend.wire.outbox import Outbox
from backend.wire.websocket import FastWebSocket
from tests.conftest import FASTPATH, JOIN_CODE
from tests.peers import Peer
from tests.rawws import masked, raw_websocket, read_frames

pytestmark = pytest.mark.integration
# What the host's own websocket does on the wire: with PARLEY_FASTPATH=0 the host runs stock
# python-engineio and simple-websocket, which say these things their own way.
fast_path_only = pytest.mark.skipif(
    not FASTPATH, reason="the fast path's own websocket; this run serves stock python-engineio"
)

Connect = Callable[..., Peer]


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 300_000])
def test_frames_carry_rfc6455_lengths(size: int) -> None:
    frame = _ws_frame("x" * size)
    assert frame[0] == 0x81  # FIN, text, unmasked (server → client)
    if size < 126:
        assert frame[1] == size and len(frame) == 2 + size
    elif size < 0x10000:
        assert frame[1] == 126 and struct.unpack("!H", frame[2:4])[0] == size
    else:
        assert frame[1] == 127 and struct.unpack("!Q", frame[2:10])[0] == size
    assert _ws_frame(b"\x00\x01")[:2] == b"\x82\x02"  # binary


def _ws_on(sock: Any) -> FastWebSocket:
    """The write side of a FastWebSocket on ``sock`` (no handshake: only the way out is under
    test)."""
    ws = FastWebSocket.__new__(FastWebSocket)
    ws.ws = type("W", (), {"sock": sock, "connected": True})()
    return ws


def _read(sock: Any, n: int) -> bytes:
    data = b""
    with gevent.Timeout(10):  # bounded: a write path that stalls fails the test, not hangs it
        while len(data) < n:
            chunk = sock.recv(65536)
            assert chunk, data[-100:]
            data += chunk
    return data


def test_outbox_writes_now_and_the_rest_behind_it_in_order() -> None:
    # A real socket pair whose send buffer cannot take a large frame at once.
    near, far = gevent.socket.socketpair()
    near.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    with near, far:
        box = Outbox()
        box.attach(_ws_on(near), gevent.spawn)
        big = b"x" * 2_000_000
        box.write(big)  # what the kernel did not take waits; the broadcast did not
        assert box.qsize() == 1
        box.write(b"tail")  # something is waiting: this goes behind it, not onto the socket
        assert box.qsize() == 2
        assert _read(far, len(big) + 4) == big + b"tail"
        assert box.qsize() == 0
        box.write(b"now")  # nothing ahead again: straight out
        assert box.qsize() == 0 and _read(far, 3) == b"now"


def test_outbox_holds_what_comes_before_the_websocket_and_sends_packets_framed() -> None:
    # Engine.IO's OPEN is put before the websocket exists; its PINGs and messages after.
    near, far = gevent.socket.socketpair()
    with near, far:
        box = Outbox()
        box.put(eio_packet.Packet(eio_packet.OPEN, {"sid": "x"}))
        assert box.qsize() == 1
        box.attach(_ws_on(near), gevent.spawn)
        box.put(eio_packet.Packet(eio_packet.PING))
        box.put(eio_packet.Packet(eio_packet.MESSAGE, '2["x"]'))
        want = _ws_frame('0{"sid":"x"}') + _ws_frame("2") + _ws_frame('42["x"]')
        assert _read(far, len(want)) == want
        box.join()  # Engine.IO's close(wait=True) waits here: nothing is ever left to take
        box.put(None)  # the session is over: the close frame, then the connection ends
        assert _read(far, 4) == b"\x88\x02\x03\xe8"
        assert far.recv(16) == b""
        box.put(eio_packet.Packet(eio_packet.MESSAGE, "3"))  # after the end: nothing more
        assert box.qsize() == 0


@fast_path_only
def test_handshake_refuses_permessage_deflate(live_server: ServerHandle) -> None:
    offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    s, _, headers = raw_websocket(live_server.port, offer)
    s.close()
    assert not [h for h in headers if h.lower().startswith("sec-websocket-extensions")]


def test_large_broadcasts_and_acks_arrive_whole_and_in_order(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    texts = [f"{n:02d}" + "é" * 3990 for n in range(15)]  # multi-byte text, 16-bit frame lengths
    acked = [ana.send(general, text, f"big-{n}") for n, text in enumerate(texts)]
    got = [bo.expect("message_created") for _ in texts]
    assert [m["text"] for m in got] == texts
    assert got == acked
    page = bo.call("fetch_messages", {"room_id": general, "limit": 200})  # a ~120 KB ack
    assert [m["text"] for m in page["messages"]] == texts


@fast_path_only
def test_the_host_reads_frames_itself_pings_fragments_and_closing(
    live_server: ServerHandle,
) -> None:
    """The host's own frame reader (backend/ws_frames.py) with a real socket: a WebSocket ping is
    answered, a message split into fragments is one Engine.IO packet, and a close is answered
    before the host closes the TCP connection."""
    s, rest, _ = raw_websocket(live_server.port)
    with s:
        ((opcode, opening),) = read_frames(s, rest, 1)
        assert opcode == 0x1 and opening.startswith(b"0{")  # Engine.IO OPEN
        s.sendall(masked(0x9, b"still there?"))
        assert read_frames(s, b"", 1) == [(0xA, b"still there?")]
        # A Socket.IO connect packet in three fragments, a ping between two of them.
        s.sendall(masked(0x1, b'40{"na', fin=False))
        s.sendall(masked(0x9, b"mid"))
        s.sendall(masked(0x0, b'me":"Raw","code":"', fin=False))
        s.sendall(masked(0x0, f'{JOIN_CODE}"}}'.encode()))
        frames = read_frames(s, b"", 3)
        assert frames[0] == (0xA, b"mid")
        texts = [payload.decode() for _, payload in frames[1:]]
        assert any(t.startswith('42["welcome"') for t in texts), texts
        s.sendall(masked(0x8, struct.pack("!H", 1000)))
        closing = read_frames(s, b"", 1)
        assert closing == [(0x8, struct.pack("!H", 1000))]
        assert s.recv(16) == b""  # then the host closes the connection


@fast_path_only
def test_an_unmasked_frame_closes_the_connection_with_1002(live_server: ServerHandle) -> None:
    s, rest, _ = raw_websocket(live_server.port)
    with s:
        read_frames(s, rest, 1)
        s.sendall(b"\x81\x03abc")  # clients must mask
        assert read_frames(s, b"", 1) == [
            (0x8, struct.pack("!H", 1002) + b"client frames must be masked")
        ]
        assert s.recv(16) == b""


def _live_greenlets() -> int:
    """Greenlets alive in this process (the host's: the peers run on threads)."""
    gc.collect()
    return sum(isinstance(o, greenlet.greenlet) and not o.dead for o in gc.get_objects())


@fast_path_only
def test_a_connected_client_costs_the_host_one_greenlet(
    live_server: ServerHandle, connect: Connect
) -> None:
    # Engine.IO kept three per connection: the reader, a writer waiting on the socket's queue
    # and a ping task sleeping ping_interval, each with its saved stack and Python frames
    # (docs/benchmarks.md: ~18 KB of the ~63 KB a connected client cost). Now the reader only:
    # the outbox writes, and one heartbeat greenlet pings everyone.
    connect("Warm").expect("users_changed")  # the host's own greenlets (crowd, heartbeat) exist
    before = live_server.call(_live_greenlets)
    peers = [connect(f"Peer {n}") for n in range(8)]
    for peer in peers:
        peer.call("list_rooms")  # connected, welcomed, answering
    grown = live_server.call(_live_greenlets) - before
    assert len(peers) <= grown <= len(peers) + 2, grown  # + at most a crowd window's flush
