"""Real host on a real port, real python-socketio clients on the websocket transport."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend import ServerHandle
from tests.peers import Peer, Refused, refusal

pytestmark = pytest.mark.integration

Connect = Callable[..., Peer]


def test_two_clients_chat_in_general_and_in_a_new_room(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()

    sent = ana.send(general, "hi Bo", "a-1")
    assert sent["text"] == "hi Bo" and sent["author"] == {"id": ana.user["id"], "name": "Ana"}
    assert bo.expect("message_created") == sent
    assert ana.expect("message_created") == sent  # the sender too

    reply = bo.send(general, "hi Ana", "b-1")
    assert ana.expect("message_created") == reply and reply["id"] > sent["id"]

    room = ana.call("create_room", {"name": "plans"})["room"]
    assert bo.expect("room_created")["id"] == room["id"]
    assert bo.call("join_room", {"room_id": room["id"]})["ok"]
    assert ana.expect("member_joined")["user"]["name"] == "Bo"
    there = bo.send(room["id"], "in plans", "b-2")
    assert ana.expect("message_created") == there


def test_reconnect_with_token_keeps_the_user_and_name_is_held(
    live_server: ServerHandle, connect: Connect
) -> None:
    ana = connect("Ana")
    ana.close()
    again = connect(token=ana.token)
    assert again.user == ana.user
    refused = refusal(live_server.url, {"name": "ANA", "code": "24681357"})
    assert refused.code == "name_taken"
    assert refusal(live_server.url, {"token": "forged"}).code == "bad_token"


def test_resume_after_id_gets_exactly_what_was_missed(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    seen = bo.send(general, "before", "b-0")
    bo.close()
    missed = [ana.send(general, f"missed {n}", f"a-{n}") for n in range(7)]

    back = connect(token=bo.token)
    page = back.call("fetch_messages", {"room_id": general, "after_id": seen["id"], "limit": 5})
    rest = back.call(
        "fetch_messages", {"room_id": general, "after_id": page["messages"][-1]["id"], "limit": 5}
    )
    assert page["has_more"] and not rest["has_more"]
    assert page["messages"] + rest["messages"] == missed  # in order, nothing more, nothing less


def test_repeated_client_id_is_stored_and_broadcast_once(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    first = ana.send(general, "once", "dup-1")
    again = ana.send(general, "once", "dup-1")
    assert again == first
    assert bo.received("message_created", within=0.7) == [first]
    history = bo.call("fetch_messages", {"room_id": general})["messages"]
    assert [m["client_id"] for m in history].count("dup-1") == 1


BAD_INPUTS = [
    ("send_message", {"room_id": "general", "text": "x", "client_id": "c"}, "invalid"),
    ("send_message", {"room_id": 1, "text": ["x"], "client_id": "c"}, "invalid"),
    ("send_message", {"text": "x", "client_id": "c"}, "invalid"),
    ("send_message", {"room_id": 1, "text": "x", "client_id": "has spaces"}, "invalid"),
    ("send_message", {"room_id": 987654, "text": "x", "client_id": "c"}, "not_found"),
    ("send_message", {"room_id": 1, "text": "y" * 4001, "client_id": "c"}, "too_large"),
    ("send_message", {"room_id": 1, "text": "z" * 66_000, "client_id": "c"}, "too_large"),
    ("send_message", ["not", "an", "object"], "invalid"),
    ("fetch_messages", {"room_id": 1, "limit": 201}, "invalid"),
    ("fetch_messages", {"room_id": 1, "after_id": 1, "before_id": 5}, "invalid"),
    ("fetch_messages", {"room_id": 1, "after_id": -1}, "invalid"),
    ("fetch_messages", {"room_id": 31337}, "not_found"),
    ("create_room", {"name": "../../etc"}, "invalid"),
    ("create_room", {"name": None}, "invalid"),
    ("join_room", {"room_id": 424242}, "not_found"),
    ("leave_room", {"room_id": 1}, "forbidden"),
    ("typing", {"room_id": True}, "invalid"),
    ("get_invite", {}, "forbidden"),
    ("no_such_event", {}, "invalid"),
]


def test_bad_input_gets_clear_errors_and_everyone_else_is_served(connect: Connect) -> None:
    mallory, ana, bo = connect("Mallory"), connect("Ana"), connect("Bo")
    for event, payload, code in BAD_INPUTS:
        ack = mallory.call(event, payload)
        assert ack["ok"] is False, (event, payload)
        assert ack["error"]["code"] == code, (event, payload, ack)
        assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
    assert mallory.sio.connected
    # Nothing was stored by any of it, and the others chat on.
    general = ana.room_id()
    assert ana.call("fetch_messages", {"room_id": general})["messages"] == []
    sent = ana.send(general, "still here?", "a-1")
    assert bo.expect("message_created") == sent


def test_binary_payload_is_refused(connect: Connect) -> None:
    ana = connect("Ana")
    ack = ana.call("send_message", {"room_id": 1, "text": b"\x00\x01", "client_id": "c"})
    assert ack["error"]["code"] == "invalid"


def test_presence_and_typing(connect: Connect) -> None:
    ana = connect("Ana")
    bo = connect("Bo")
    assert ana.expect_user(bo.user["id"], True) == {**bo.user, "online": True}
    assert bo.call("typing", {"room_id": bo.room_id()}) == {"ok": True}
    assert ana.expect("typing") == {
        "room_id": ana.room_id(),
        "user": {"id": bo.user["id"], "name": "Bo"},
    }
    assert bo.received("typing", within=0.3) == []  # not echoed to the typist
    bo.close()
    assert ana.expect_user(bo.user["id"], False) == {**bo.user, "online": False}
    welcome_users = connect("Cy").welcome["users"]
    assert {u["name"]: u["online"] for u in welcome_users} == {"Ana": True, "Bo": False, "Cy": True}


def test_a_small_host_tells_everyone_of_each_join(connect: Connect) -> None:
    """Every welcome lists everyone (users_complete): every client hears each newcomer."""
    ana, bo = connect("Ana"), connect("Bo")
    cy = connect("Cy")
    assert ana.welcome["users_complete"] and bo.welcome["users_complete"]
    for peer in (ana, bo):
        assert peer.expect_user(cy.user["id"], True)["name"] == "Cy"


def test_host_window_joins_with_the_owner_key(live_server: ServerHandle, connect: Connect) -> None:
    owner_url = live_server.owner_url
    key = owner_url.split("#owner=")[1]
    host = connect(owner_key=key)
    assert host.user["is_host"]
    invite = host.call("get_invite", {})
    assert invite["code"] == "24681357" and invite["urls"]
    with pytest.raises(Refused):
        connect(owner_key=key)  # one-time
    assert live_server.owner_url != owner_url
    assert {u["name"] for u in live_server.connected_here()} == {host.user["name"]}


def test_stop_disconnects_clients(live_server: ServerHandle, connect: Connect) -> None:
    ana = connect("Ana")
    live_server.stop()
    assert not live_server.running
    ana.sio.sleep(0.5)
    assert ana.disconnected
