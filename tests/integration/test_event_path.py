"""Events read and acked by the host's own path (backend/wire/fastpath.py EventFastPath), byte for byte
what python-socketio would do, and everything it does not handle left to python-socketio."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from socketio import packet as sio_packet

from backend import ServerHandle
from backend.wire.fastpath import EventFastPath
from tests.conftest import JOIN_CODE
from tests.peers import Peer
from tests.rawws import masked, raw_websocket, read_frame

pytestmark = pytest.mark.integration

Connect = Callable[..., Peer]


class RawClient:
    """A Socket.IO client written by hand on a real socket: the exact texts go out and come back."""

    def __init__(self, port: int, name: str) -> None:
        self.sock, self.buf, _ = raw_websocket(port)
        assert self.next_text().startswith("0{")  # Engine.IO OPEN
        self.send(f'40{{"name":"{name}","code":"{JOIN_CODE}"}}')
        self.welcome = self.until(lambda t: t.startswith('42["welcome"'))
        self.general = json.loads(self.welcome[2:])[1]["rooms"][0]["id"]

    def send(self, text: str) -> None:
        self.sock.sendall(masked(0x1, text.encode()))

    def next_text(self) -> str:
        opcode, payload, self.buf = read_frame(self.sock, self.buf)
        assert opcode == 0x1, (opcode, payload)
        return payload.decode()

    def until(self, wanted: Callable[[str], bool]) -> str:
        """The next text ``wanted`` accepts; presence and other broadcasts before it are skipped."""
        for _ in range(50):
            text = self.next_text()
            if wanted(text):
                return text
        raise AssertionError("not received")

    def ack(self, ack_id: int) -> list[Any]:
        prefix = f"43{ack_id}["
        text = self.until(lambda t: t.startswith(prefix))
        return json.loads(text[len(prefix) - 1 :])  # type: ignore[no-any-return]


@pytest.fixture
def raw(live_server: ServerHandle) -> Iterator[Callable[[str], RawClient]]:
    clients: list[RawClient] = []

    def make(name: str) -> RawClient:
        clients.append(RawClient(live_server.port, name))
        return clients[-1]

    yield make
    for c in clients:
        c.sock.close()


def test_events_are_acked_with_their_id_and_run_in_order(raw: Callable[[str], RawClient]) -> None:
    ana = raw("Ana")
    for n in range(1, 21):  # all sent before any answer is read
        ana.send(
            f'42{n}["send_message",{{"room_id":{ana.general},"text":"m{n}","client_id":"c{n}"}}]'
        )
    acks = [ana.ack(n)[0] for n in range(1, 21)]
    assert all(a["ok"] for a in acks)
    ids = [a["message"]["id"] for a in acks]
    assert ids == sorted(ids) and [a["message"]["text"] for a in acks] == [
        f"m{n}" for n in range(1, 21)
    ]


def test_an_event_without_an_ack_id_runs_and_is_not_answered(
    raw: Callable[[str], RawClient], connect: Connect
) -> None:
    bo = connect("Bo")
    ana = raw("Ana")
    ana.send(f'42["typing",{{"room_id":{ana.general}}}]')
    assert bo.expect("typing")["user"]["name"] == "Ana"
    ana.send('425["list_rooms",{}]')
    assert ana.until(lambda t: t.startswith("43")).startswith("435[")  # no answer came before it


def test_bad_events_get_error_acks_or_are_dropped_and_the_connection_serves_on(
    raw: Callable[[str], RawClient],
) -> None:
    ana = raw("Ana")
    ana.send('421[7,{"room_id":1}]')  # not a name: answered, as by python-socketio's path
    assert ana.ack(1)[0]["error"]["code"] == "invalid"
    ana.send('422["no_such_event",{}]')
    assert "no_such_event" in ana.ack(2)[0]["error"]["message"]
    ana.send('423["list_rooms",{"room_id":' + "9" * 101 + "}]")  # over 100 digits: never parsed
    ana.send('424["list_rooms",[1')  # broken JSON
    ana.send("425[]")  # no event at all
    ana.send('42/other,426["list_rooms",{}]')  # a namespace nobody joined
    ana.send('42007["list_rooms",{}]')  # python-socketio reads the id as 7
    rooms = ana.ack(7)[0]
    assert rooms["ok"] and rooms["rooms"][0]["id"] == ana.general


def test_acks_are_python_socketios_own_text() -> None:
    fast = EventFastPath.__new__(EventFastPath)
    EventFastPath.__init__(fast, type("S", (), {})(), 65536)  # only the encoder is used here
    for answer in [
        {"ok": True, "rooms": [{"name": "général ☕", "id": 1}]},
        {"ok": False, "error": {"code": "invalid", "message": 'quote " and \\ and \u2028'}},
        None,
        ("two", 2),
        [1, [2, {"3": None}]],
    ]:
        args = [] if answer is None else list(answer) if isinstance(answer, tuple) else [answer]
        theirs = sio_packet.Packet(sio_packet.ACK, namespace="/", id=12, data=args).encode()
        assert fast.ack_text("12", answer) == "4" + theirs


def test_a_client_that_vanishes_mid_event_does_not_disturb_others(
    live_server: ServerHandle, raw: Callable[[str], RawClient], connect: Connect
) -> None:
    ana = raw("Ana")
    ana.send(f'421["send_message",{{"room_id":{ana.general},"text":"bye","client_id":"x1"}}]')
    ana.sock.shutdown(socket.SHUT_RDWR)
    bo = connect("Bo")
    assert bo.call("list_rooms", {})["ok"]
    page = bo.call("fetch_messages", {"room_id": ana.general})
    assert [m["text"] for m in page["messages"]][-1:] == ["bye"]
