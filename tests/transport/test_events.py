"""Socket.IO handlers through flask_socketio's test client (in process, no network)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from backend import Settings
from backend.app import create_app
from tests.conftest import JOIN_CODE


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings.replace(send_burst=5, send_rate=0.01))
    yield app
    app.extensions["parley"].db.close()


@pytest.fixture
def join(app: Flask) -> Callable[..., Any]:
    def _join(name: str) -> Any:
        client = app.extensions["socketio"].test_client(app, auth={"name": name, "code": JOIN_CODE})
        assert client.is_connected()
        return client

    return _join


def _welcome(client: Any) -> dict[str, Any]:
    [event] = [e for e in client.get_received() if e["name"] == "welcome"]
    return event["args"][0]  # type: ignore[no-any-return]


def test_welcome_then_send_acks_and_broadcasts(join: Callable[..., Any]) -> None:
    ana, bo = join("ana"), join("bo")
    room_id = _welcome(ana)["rooms"][0]["id"]
    _welcome(bo)
    ack = ana.emit(
        "send_message", {"room_id": room_id, "text": "hi", "client_id": "a1"}, callback=True
    )
    assert (
        ack["ok"] and ack["message"]["text"] == "hi" and ack["message"]["author"]["name"] == "ana"
    )
    [event] = [e for e in bo.get_received() if e["name"] == "message_created"]
    assert event["args"][0] == ack["message"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"room_id": "1", "text": "x", "client_id": "c"}, "invalid"),
        ({"room_id": 1, "text": 42, "client_id": "c"}, "invalid"),
        ({"room_id": 1, "text": "x"}, "invalid"),
        ({"room_id": 1, "text": "", "client_id": "c"}, "invalid"),
        ({"room_id": 1, "text": "x" * 4001, "client_id": "c"}, "too_large"),
        ({"room_id": 1, "text": "x" * 70_000, "client_id": "c"}, "too_large"),
        ({"room_id": 404, "text": "x", "client_id": "c"}, "not_found"),
        ("just a string", "invalid"),
    ],
)
def test_send_message_bad_input_gets_error_ack(
    join: Callable[..., Any], payload: Any, code: str
) -> None:
    ana = join("ana")
    ack = ana.emit("send_message", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]


def test_unknown_event_and_no_payload_get_error_acks(join: Callable[..., Any]) -> None:
    ana = join("ana")
    assert ana.emit("drop_tables", {}, callback=True)["error"]["code"] == "invalid"
    assert ana.emit("list_rooms", callback=True)["error"]["code"] == "invalid"
    assert ana.emit("list_rooms", {}, callback=True)["ok"] is True


def test_rate_limited_without_disconnect(join: Callable[..., Any]) -> None:
    ana = join("ana")
    room_id = _welcome(ana)["rooms"][0]["id"]
    acks = [
        ana.emit(
            "send_message", {"room_id": room_id, "text": "x", "client_id": f"c{n}"}, callback=True
        )
        for n in range(6)
    ]
    assert [a["ok"] for a in acks] == [True] * 5 + [False]
    assert (
        acks[-1]["error"]["code"] == "rate_limited" and acks[-1]["error"]["data"]["retry_after"] > 0
    )
    assert ana.is_connected()


def test_bad_auth_is_refused(app: Flask) -> None:
    sio = app.extensions["socketio"]
    assert not sio.test_client(app, auth={"name": "x", "code": "nope"}).is_connected()
    assert not sio.test_client(app, auth="token?").is_connected()
    assert not sio.test_client(app).is_connected()


def test_room_commands(join: Callable[..., Any]) -> None:
    ana, bo = join("ana"), join("bo")
    room = ana.emit("create_room", {"name": "Lunch Plans"}, callback=True)["room"]
    assert room["name"] == "lunch-plans" and room["member"]
    assert any(e["name"] == "room_created" for e in bo.get_received())
    assert (
        bo.emit("fetch_messages", {"room_id": room["id"]}, callback=True)["error"]["code"]
        == "forbidden"
    )
    assert bo.emit("join_room", {"room_id": room["id"]}, callback=True)["room"]["member"]
    members = ana.emit("list_members", {"room_id": room["id"]}, callback=True)["members"]
    assert sorted(m["name"] for m in members) == ["ana", "bo"] and all(m["online"] for m in members)
    assert bo.emit("leave_room", {"room_id": room["id"]}, callback=True) == {"ok": True}
    dup = ana.emit("create_room", {"name": "lunch-plans"}, callback=True)
    assert dup["error"]["code"] == "conflict"
