"""The host's own websocket write path (backend/wire/websocket.py FastWebSocket): frames, order, no deflate."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

import pytest

from backend import ServerHandle
from backend.wire.frames import frame as _ws_frame
from backend.wire.websocket import FastWebSocket, _Frame
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


class _Queue:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def qsize(self) -> int:
        return len(self.items)

    def put(self, item: Any) -> None:
        self.items.append(item)


class _Sock:
    """Takes at most ``room`` bytes per send, like a socket whose buffer is nearly full."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.written = b""

    def send(self, data: bytes, flags: int, timeout: float) -> int:
        assert timeout == 0.0  # a broadcast must never wait on one slow client
        if self.room == 0:
            raise BlockingIOError
        taken = data[: self.room]
        self.written += taken
        self.room -= len(taken)
        return len(taken)


class _Conn:
    def __init__(self) -> None:
        self.queue = _Queue()


def _ws(room: int) -> tuple[FastWebSocket, _Sock]:
    ws = FastWebSocket.__new__(FastWebSocket)  # no handshake: only the write path is under test
    sock = _Sock(room)
    ws._sending = False
    ws.ws = type("W", (), {"sock": sock, "connected": True})()
    return ws, sock


def test_deliver_writes_now_and_queues_only_what_the_kernel_did_not_take() -> None:
    ws, sock = _ws(room=4)
    conn = _Conn()
    ws.deliver(conn, b"abcdefgh")
    assert sock.written == b"abcd"
    assert [f.data for f in conn.queue.items] == [b"efgh"]  # the writer sends the rest, in order
    ws.deliver(conn, b"ijkl")  # something is queued: this goes behind it, not onto the socket
    assert sock.written == b"abcd"
    assert [f.data for f in conn.queue.items] == [b"efgh", b"ijkl"]


def test_deliver_queues_while_the_writer_is_mid_send() -> None:
    ws, sock = _ws(room=100)
    conn = _Conn()
    ws._sending = True
    ws.deliver(conn, b"abc")
    assert sock.written == b"" and isinstance(conn.queue.items[0], _Frame)


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


class _Owner:
    """An Engine.IO socket as ``send_packet`` sees it, already on websocket."""

    def __init__(self) -> None:
        self.queue = _Queue()
        self.upgrading, self.upgraded = False, True
        self.queued: list[Any] = []

    def check_ping_timeout(self) -> bool:
        return True


def test_messages_go_direct_but_pings_keep_feeding_the_writer_queue() -> None:
    # Engine.IO's writer closes a connection whose queue stays empty for ping_interval +
    # ping_timeout: the server's PING must keep going through that queue.
    from engineio import packet as eio_packet

    ws, sock = _ws(room=1000)
    owner = _Owner()
    ws.send_packet(owner, owner.queued.append, eio_packet.Packet(eio_packet.MESSAGE, '2["x"]'))
    assert sock.written == _ws_frame('42["x"]') and owner.queued == []
    ping = eio_packet.Packet(eio_packet.PING)
    ws.send_packet(owner, owner.queued.append, ping)
    assert owner.queued == [ping]
    owner.upgraded = False  # still long-polling: everything is Engine.IO's
    message = eio_packet.Packet(eio_packet.MESSAGE, "3")
    ws.send_packet(owner, owner.queued.append, message)
    assert owner.queued == [ping, message]


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
