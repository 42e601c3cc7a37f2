"""join_host's step-by-step verdicts, against real sockets on 127.0.0.1 (no network mocks): a closed
port, a full listen queue, a plain web server, a real Parley host, and one answering HTTP 421."""

from __future__ import annotations

import http.server
import socket
import socketserver
import threading
import time
import wsgiref.simple_server
from collections.abc import Iterator

import pytest

from backend import ServerHandle
from desktop.bridge import Bridge
from desktop.probe import probe, probe_in_order


def _serve(server: socketserver.BaseServer) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _NotFound(_Quiet):
    def do_GET(self) -> None:  # noqa: N802
        self.send_error(404)


class _NotJson(_Quiet):
    def do_GET(self) -> None:  # noqa: N802
        body = b"<!doctype html><title>router</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _misdirected(environ: dict, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
    start_response("421 Misdirected Request", [("Content-Type", "text/plain")])
    return [b"This host does not answer to that name."]


class _QuietWsgi(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator:
    servers: list = []

    def _start(handler: type) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        servers.append(server)
        return _serve(server)

    yield _start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def misdirected() -> Iterator[str]:
    server = wsgiref.simple_server.make_server(
        "127.0.0.1", 0, _misdirected, handler_class=_QuietWsgi
    )
    url = _serve(server)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now: the kernel answers RST
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def full_backlog() -> Iterator[str]:
    """A listener that never accepts, with its queue filled: Linux drops further SYNs, so a connect
    times out exactly like an address with no route (all on loopback)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/"
    for sock in [*fillers, listener]:
        sock.close()


def test_closed_port_is_refused(closed_port: str) -> None:
    attempt = probe(closed_port)
    assert attempt.step == "refused", attempt
    assert "Nothing is listening" in attempt.message


def test_silent_address_is_unreachable(full_backlog: str) -> None:
    started = time.monotonic()
    attempt = probe(full_backlog, timeout=0.5)
    assert attempt.step == "unreachable", attempt
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("handler", [_NotFound, _NotJson])
def test_plain_web_server_is_not_parley(http_server, handler: type) -> None:
    attempt = probe(http_server(handler))
    assert attempt.step == "not_parley", attempt


def test_http_421_is_host_refused(misdirected: str) -> None:
    attempt = probe(misdirected)
    assert attempt.step == "host_refused", attempt
    assert "421" in attempt.message


def test_real_host_answers(live_server: ServerHandle) -> None:
    attempt = probe(live_server.url)
    assert attempt.ok and attempt.name == "Test host", attempt


def test_first_answering_candidate_in_order_wins(
    closed_port: str, http_server, misdirected: str, live_server: ServerHandle
) -> None:
    urls = [closed_port, http_server(_NotFound), misdirected, live_server.url, closed_port]
    steps = [a.step for a in probe_in_order(urls)]
    assert steps == ["refused", "not_parley", "host_refused", "ok"]


class _Window:
    def __init__(self) -> None:
        self.url = "http://127.0.0.1:4000/#join"

    def get_current_url(self) -> str:
        return self.url

    def set_title(self, title: str) -> None:
        pass


def _api(window: _Window):  # type: ignore[no-untyped-def]
    return Bridge("http://127.0.0.1:4000/", window, lambda t, b: True, probe_timeout=0.5).api()


def test_join_host_goes_to_the_first_parley_url(
    closed_port: str, live_server: ServerHandle
) -> None:
    window = _Window()
    result = _api(window).join_host([closed_port, live_server.url])
    assert result["ok"] is True and result["url"] == live_server.url
    assert [a["step"] for a in result["attempts"]] == ["refused", "ok"]
    assert result["attempts"][1]["name"] == "Test host"
    assert result["open"] == live_server.url


def test_join_host_reports_every_failed_step_and_stays(
    closed_port: str, http_server, misdirected: str, full_backlog: str
) -> None:
    window = _Window()
    result = _api(window).join_host(
        [full_backlog, closed_port, http_server(_NotFound), misdirected]
    )
    assert result["ok"] is False
    assert [a["step"] for a in result["attempts"]] == [
        "unreachable",
        "refused",
        "not_parley",
        "host_refused",
    ]
    assert all(a["message"] for a in result["attempts"])
    assert "open" not in result


def test_join_host_typed_address(live_server: ServerHandle) -> None:
    window = _Window()
    result = _api(window).join_host(f"127.0.0.1:{live_server.port}")
    # No scheme typed: https (loopback TLS is served as TLS), the key pinned on this first use.
    https = f"https://127.0.0.1:{live_server.port}/"
    assert result["ok"] and result["open"] == https
    assert result["attempts"][0]["fingerprint"] == live_server.fingerprint
    bad = _api(window).join_host("not an address")
    assert bad["ok"] is False and bad["attempts"][0]["step"] == "invalid"
