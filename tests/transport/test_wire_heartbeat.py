"""Engine.IO's pings from one greenlet for every connection (backend/wire/heartbeat.py), on a real
python-engineio server with the fast path installed."""

from __future__ import annotations

import gc
from typing import Any

import gevent
import greenlet
import socketio
from engineio import packet as eio_packet
from engineio import socket as eio_socket

from backend.wire import install as wire_install
from backend.wire.outbox import Outbox

INTERVAL = 0.05


def _eio() -> Any:
    server = socketio.Server(async_mode="gevent", transports=["websocket"])
    wire_install.install(server, fast=True, max_event_bytes=65536)
    eio = server.eio
    eio.ping_interval = INTERVAL
    return eio


def _connected(eio: Any, n: int) -> list[eio_socket.Socket]:
    """``n`` Engine.IO sockets as ``_handle_connect`` makes them: queued OPEN aside, pings asked."""
    socks = []
    for k in range(n):
        s = eio_socket.Socket(eio, f"sid-{k}")
        eio.sockets[s.sid] = s
        s.schedule_ping()
        socks.append(s)
    return socks


def _greenlets() -> int:
    gc.collect()
    return sum(isinstance(o, greenlet.greenlet) for o in gc.get_objects())


def test_pings_go_out_every_interval_while_answered_and_stop_when_not() -> None:
    eio = _eio()
    answering, silent = _connected(eio, 2)
    assert isinstance(answering.queue, Outbox)  # the fast path's queue: framed and held here
    gevent.sleep(INTERVAL * 2 + 0.3)  # one interval, one heartbeat tick of lateness, margin
    assert answering.queue.qsize() == 1 and silent.queue.qsize() == 1  # one PING each
    assert answering.last_ping is not None and silent.last_ping is not None
    answering.receive(eio_packet.Packet(eio_packet.PONG))  # the next is asked for by the PONG
    gevent.sleep(INTERVAL * 2 + 0.3)
    assert answering.queue.qsize() == 2
    assert silent.queue.qsize() == 1  # no PONG, no more pings: Engine.IO's timeout ends it


def test_one_greenlet_pings_them_all_and_a_closed_socket_is_skipped() -> None:
    eio = _eio()
    before = _greenlets()
    socks = _connected(eio, 200)
    assert _greenlets() - before <= 1  # Engine.IO started one per socket
    socks[0].closed = True
    gevent.sleep(INTERVAL * 2 + 0.3)
    assert socks[0].queue.qsize() == 0
    assert all(s.queue.qsize() == 1 for s in socks[1:])
