"""The server thread: bound before start returns, stops cleanly and repeatedly, any thread."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from backend import Settings, start_server
from tests.conftest import server_threads

pytestmark = pytest.mark.integration


def test_start_returns_bound_and_port_zero_resolves(settings: Settings) -> None:
    handle = start_server(settings)
    try:
        assert handle.port > 0
        assert requests.get(f"{handle.url}healthz", timeout=5).json() == {"ok": True}
    finally:
        handle.stop()


def test_many_starts_and_stops_leak_no_threads_or_ports(settings: Settings) -> None:
    ports = set()
    for _ in range(15):
        handle = start_server(settings)
        ports.add(handle.port)
        handle.stop()
        handle.stop()  # idempotent
        assert not handle.running
    assert server_threads() == []
    for port in ports:  # every port is free again
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))


def test_stop_from_another_thread_is_bounded(settings: Settings) -> None:
    handle = start_server(settings)
    stopper = threading.Thread(target=handle.stop, kwargs={"timeout": 5})
    stopper.start()
    stopper.join(10)
    assert not stopper.is_alive() and not handle.running


def test_busy_port_raises_oserror(settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError):
            start_server(settings.replace(port=port))
        assert server_threads() == []


def test_call_runs_on_the_server_thread(settings: Settings) -> None:
    handle = start_server(settings)
    try:
        assert handle.call(lambda: threading.current_thread().name) == "chat-server"
    finally:
        handle.stop()


def test_a_peer_gone_before_its_bad_request_is_answered_is_not_an_error() -> None:
    # pywsgi answers a malformed request with a 400; when the peer has already closed, that write
    # raised BrokenPipeError out of the connection's greenlet (a traceback in the host's log).
    import gevent.socket
    from gevent import pywsgi

    from backend.connections import Handler

    ours, peer = gevent.socket.socketpair()
    peer.sendall(b"NOT HTTP\r\n\r\n")
    peer.close()
    server = pywsgi.WSGIServer(
        ("127.0.0.1", 0), lambda e, s: [], handler_class=Handler, log=None, error_log=None
    )
    handler = Handler(ours, ("127.0.0.1", 1), server)
    handler.handle()  # returns: nobody left to answer
    assert handler.status is not None and handler.status.startswith("400")
