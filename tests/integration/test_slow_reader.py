"""A client reading slower than the host writes to it costs the host a bounded backlog, not
memory without end: past ``max_backlog_bytes`` its connection is closed (backend/wire/outbox.py),
everyone else is served as before, and the client, coming back with its token, finds every
message in history.

Real host process, real sockets: the slow client is a signed-in websocket whose receive buffer
is 4 KB and which reads nothing while 8 MB of broadcasts are sent to its room.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.conftest import FASTPATH
from tests.hostproc import HostProcess
from tests.integration.test_crowds import Client, drain
from tests.rawws import raw_websocket, signed_in

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not FASTPATH, reason="the fast path's own outbox; this run serves stock python-engineio"
    ),
]

BACKLOG = 256 * 1024
TEXT = 30_000  # characters per message: 270 of them are ~8 MB for each recipient
MESSAGES = 270
ENV = {
    "PARLEY_MAX_BACKLOG_BYTES": str(BACKLOG),
    "PARLEY_MAX_TEXT_CHARS": str(TEXT),
    "PARLEY_SEND_RATE": "100000",
    "PARLEY_SEND_BURST": "100000",
}


def _stalled(port: int, token: str) -> socket.socket:
    """A signed-in websocket with a 4 KB receive buffer that, from its welcome on, reads
    nothing (set before connecting, so TCP offers the host a window that small)."""
    s, rest, _ = raw_websocket(port, rcvbuf=4096)
    _rest, welcome = signed_in(s, rest, {"token": token})
    assert welcome["user"]["name"] == "Slow"
    return s


def _read_to_end(s: socket.socket, limit_s: float) -> tuple[int, bool]:
    """Read until the host ends the connection (bounded): (bytes read, whether it ended)."""
    total = 0
    deadline = time.monotonic() + limit_s
    s.settimeout(1)
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(262144)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return total, True
        if not chunk:
            return total, True
        total += len(chunk)
    return total, False


def test_a_client_that_stops_reading_is_dropped_at_the_bound_and_loses_nothing(
    tmp_path: Path,
) -> None:
    host = HostProcess(tmp_path, "--open", env=ENV)
    port = int(host.url.rstrip("/").rsplit(":", 1)[1])
    try:
        sender = Client(port, {"name": "Sender"})
        reader = Client(port, {"name": "Reader"})
        slow_person = Client(port, {"name": "Slow"})
        token = slow_person.token
        slow_person.close()
        slow = _stalled(port, token)
        general = next(r["id"] for r in sender.welcome["rooms"] if r["name"] == "general")

        acked = []
        for i in range(MESSAGES):
            text = f"{i:04d} " + "x" * (TEXT - 5)
            ack = sender.call(
                "send_message", {"room_id": general, "text": text, "client_id": f"s{i}"}
            )
            assert ack["ok"], ack
            acked.append(ack["message"]["id"])
            drain([reader], 0.0)  # a reader keeping up: nothing waits for it
        drain([reader, sender], 0.5)

        # Everyone else was served: the reader has every message, in order.
        got = [body["id"] for name, body in reader.events if name == "message_created"]
        assert got == acked

        # The stalled client was dropped once its backlog passed the bound: what reaches it
        # ends well short of the ~8 MB it was sent.
        read, ended = _read_to_end(slow, 30)
        assert ended, f"the host kept the stalled connection open ({read} bytes read)"
        assert read < MESSAGES * TEXT // 2, read
        assert any("read too slowly" in line for line in host.output), "".join(host.output[-20:])

        # The same person, back with their token, finds every acknowledged message in history.
        back = Client(port, {"token": token})
        ids: list[int] = []
        after = 0
        for _ in range(MESSAGES // 5 + 5):  # pages small enough for the bound (5 × 30 KB)
            page = back.call("fetch_messages", {"room_id": general, "limit": 5, "after_id": after})
            assert page["ok"], page
            batch = [m["id"] for m in page["messages"]]
            if not batch:
                break
            ids += batch
            after = max(batch)
        assert set(acked) <= set(ids)

        # And the host still serves a newcomer.
        newcomer = Client(port, {"name": "Newcomer"})
        assert newcomer.call("list_rooms", {})["ok"]
    finally:
        host.stop()
