"""Rich chat through real clients: direct messages, replies, edits, deletions, reactions, mentions,
read marks, search and host administration — each event and who may (not) use it."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from backend import ServerHandle, Settings, start_server
from tests.peers import Peer, refusal

pytestmark = pytest.mark.integration

Connect = Callable[..., Peer]


def _ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


def _error(ack: dict[str, Any]) -> str:
    assert not ack["ok"], ack
    return str(ack["error"]["code"])


def _host(live_server: ServerHandle, connect: Connect) -> Peer:
    return connect(owner_key=live_server.owner_url.split("#owner=")[1])


# -- direct messages ---------------------------------------------------------------------------


def test_a_direct_message_is_private_to_its_participants(connect: Connect) -> None:
    ana, bo, cy = connect("Ana"), connect("Bo"), connect("Cy")
    room = _ok(ana.call("open_dm", {"user_ids": [bo.user["id"]]}))["room"]
    assert room["kind"] == "dm" and room["member"] is True
    assert [m["name"] for m in room["members"]] == ["Ana", "Bo"]
    assert bo.expect("room_created")["id"] == room["id"]  # Bo learns of it and is subscribed

    # The same people always get the same room, whoever opens it.
    assert _ok(bo.call("open_dm", {"user_ids": [ana.user["id"]]}))["room"]["id"] == room["id"]

    secret = ana.send(room["id"], "just for you, Bo", "a-dm-1")
    assert bo.expect("message_created") == secret
    assert cy.received("message_created") == []
    assert cy.received("room_created") == []

    # An outsider cannot read, write, fetch changes, search, see members, react, or learn it exists.
    rid = room["id"]
    assert _error(cy.call("fetch_messages", {"room_id": rid})) == "not_found"
    assert _error(cy.call("fetch_messages", {"room_id": rid, "around_id": secret["id"]})) == (
        "not_found"
    )
    assert _error(cy.call("fetch_changes", {"room_id": rid, "after_rev": 0})) == "not_found"
    assert _error(cy.call("send_message", {"room_id": rid, "text": "x", "client_id": "c"})) == (
        "not_found"
    )
    assert _error(cy.call("join_room", {"room_id": rid})) == "not_found"
    assert _error(cy.call("list_members", {"room_id": rid})) == "not_found"
    assert _error(cy.call("get_read_marks", {"room_id": rid})) == "not_found"
    assert _error(cy.call("mark_read", {"room_id": rid, "message_id": secret["id"]})) == (
        "not_found"
    )
    assert _error(cy.call("count_unread", {"rooms": [{"room_id": rid}]})) == "not_found"
    react = {"message_id": secret["id"], "emoji": "👍", "on": True}
    assert _error(cy.call("react", react)) == "not_found"
    assert _error(cy.call("edit_message", {"message_id": secret["id"], "text": "x"})) == (
        "not_found"
    )
    assert _error(cy.call("delete_message", {"message_id": secret["id"]})) == "not_found"
    assert _error(cy.call("search", {"query": "just for you", "room_id": rid})) == "not_found"
    assert _ok(cy.call("search", {"query": "just for you"}))["messages"] == []
    assert all(r["id"] != rid for r in _ok(cy.call("list_rooms"))["rooms"])
    assert all(r["id"] != rid for r in connect(token=cy.token).welcome["rooms"])

    # Participants see it in their room list and welcome.
    assert any(r["id"] == rid for r in connect(token=bo.token).welcome["rooms"])
    assert _ok(ana.call("search", {"query": "just for"}))["messages"][0]["id"] == secret["id"]


def test_a_group_dm_and_its_limits(connect: Connect) -> None:
    ana, bo, cy = connect("Ana"), connect("Bo"), connect("Cy")
    room = _ok(ana.call("open_dm", {"user_ids": [bo.user["id"], cy.user["id"], ana.user["id"]]}))[
        "room"
    ]
    assert len(room["members"]) == 3
    assert cy.expect("room_created")["id"] == room["id"]
    assert _error(ana.call("open_dm", {"user_ids": [ana.user["id"]]})) == "invalid"
    assert _error(ana.call("open_dm", {"user_ids": list(range(1000, 1009))})) == "invalid"
    assert _error(ana.call("open_dm", {"user_ids": [9999]})) == "not_found"
    assert _error(ana.call("open_dm", {"user_ids": "bo"})) == "invalid"
    assert _error(ana.call("open_dm", {"user_ids": [True]})) == "invalid"
    assert _error(ana.call("leave_room", {"room_id": room["id"]})) == "forbidden"


# -- replies, edits, deletions, reactions --------------------------------------------------------


def test_reply_quotes_the_original_in_the_same_room(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    original = ana.send(general, "lunch at noon?", "a-1")
    assert ana.expect("message_created") == original
    ack = _ok(
        bo.call(
            "send_message",
            {"room_id": general, "text": "yes!", "client_id": "b-1", "reply_to": original["id"]},
        )
    )
    quote = ack["message"]["reply_to"]
    assert quote == {
        "id": original["id"],
        "author": {"id": ana.user["id"], "name": "Ana"},
        "snippet": "lunch at noon?",
        "deleted": False,
    }
    assert ana.expect("message_created")["reply_to"] == quote

    other = _ok(ana.call("create_room", {"name": "elsewhere"}))["room"]
    elsewhere = ana.send(other["id"], "far away", "a-2")
    wrong_room = {"room_id": general, "text": "?", "client_id": "b-2", "reply_to": elsewhere["id"]}
    assert _error(bo.call("send_message", wrong_room)) == "not_found"


def test_edit_and_delete_reach_everyone_and_resync(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    message = ana.send(general, "helo", "a-1")
    assert message["rev"] == 0 and message["edited_at"] is None

    edited = _ok(ana.call("edit_message", {"message_id": message["id"], "text": "hello"}))
    assert edited["message"]["text"] == "hello" and edited["message"]["edited_at"]
    assert edited["message"]["rev"] > 0
    assert bo.expect("message_updated") == edited["message"]

    # Only the author edits; nobody but the author (or the host) deletes.
    assert _error(bo.call("edit_message", {"message_id": message["id"], "text": "x"})) == (
        "forbidden"
    )
    assert _error(bo.call("delete_message", {"message_id": message["id"]})) == "forbidden"
    assert _error(ana.call("edit_message", {"message_id": message["id"], "text": "  "})) == (
        "invalid"
    )
    assert _error(ana.call("edit_message", {"message_id": 10**9, "text": "x"})) == "not_found"

    # Bo goes away; meanwhile the message is deleted; Bo catches up with fetch_changes.
    bo_rev = _ok(bo.call("fetch_messages", {"room_id": general}))["rev"]
    bo.close()
    gone = _ok(ana.call("delete_message", {"message_id": message["id"]}))["message"]
    assert gone["deleted"] is True and gone["text"] == "" and gone["rev"] > edited["message"]["rev"]
    assert _ok(ana.call("delete_message", {"message_id": message["id"]}))["message"] == gone
    assert _error(ana.call("edit_message", {"message_id": message["id"], "text": "x"})) == (
        "conflict"
    )

    back = connect(token=bo.token)
    changes = _ok(back.call("fetch_changes", {"room_id": general, "after_rev": bo_rev}))
    assert [m["id"] for m in changes["messages"]] == [message["id"]]
    assert changes["messages"][0] == gone and changes["rev"] == gone["rev"]
    again = _ok(back.call("fetch_changes", {"room_id": general, "after_rev": changes["rev"]}))
    assert again["messages"] == [] and again["has_more"] is False
    # The tombstone keeps its place in history.
    history = _ok(back.call("fetch_messages", {"room_id": general}))["messages"]
    assert [m for m in history if m["id"] == message["id"]] == [gone]


def test_the_host_user_may_delete_anyones_message(
    live_server: ServerHandle, connect: Connect
) -> None:
    host, bo = _host(live_server, connect), connect("Bo")
    general = bo.room_id()
    rude = bo.send(general, "spam spam", "b-1")
    gone = _ok(host.call("delete_message", {"message_id": rude["id"]}))["message"]
    assert gone["deleted"] and bo.expect("message_deleted") == gone
    assert _ok(bo.call("search", {"query": "spam"}))["messages"] == []


def test_reactions_count_who_reacted_and_are_idempotent(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    message = ana.send(general, "ship it", "a-1")
    mid = message["id"]
    first = _ok(bo.call("react", {"message_id": mid, "emoji": "👍", "on": True}))["message"]
    assert first["reactions"] == [{"emoji": "👍", "user_ids": [bo.user["id"]]}]
    assert ana.expect("message_updated") == first
    both = _ok(ana.call("react", {"message_id": mid, "emoji": "👍", "on": True}))["message"]
    assert both["reactions"] == [{"emoji": "👍", "user_ids": [bo.user["id"], ana.user["id"]]}]
    heart = _ok(ana.call("react", {"message_id": mid, "emoji": "❤️", "on": True}))["message"]
    assert [r["emoji"] for r in heart["reactions"]] == ["👍", "❤️"]
    family = "👩\u200d👩\u200d👧"
    assert _ok(ana.call("react", {"message_id": mid, "emoji": family, "on": True}))["ok"]
    same = _ok(ana.call("react", {"message_id": mid, "emoji": "❤️", "on": True}))["message"]
    assert same["rev"] == _ok(ana.call("fetch_messages", {"room_id": general}))["rev"]
    off = _ok(bo.call("react", {"message_id": mid, "emoji": "👍", "on": False}))["message"]
    assert off["reactions"][0] == {"emoji": "👍", "user_ids": [ana.user["id"]]}
    for bad in ("a", "ab", "<b>", "👍 x", "", "1", 5, None, "👍" * 20):
        assert _error(ana.call("react", {"message_id": mid, "emoji": bad, "on": True})) == (
            "invalid"
        )
    assert _error(ana.call("react", {"message_id": mid, "emoji": "👍", "on": "yes"})) == "invalid"


# -- mentions and read marks -------------------------------------------------------------------


def test_mentions_are_found_counted_and_cleared_by_reading(connect: Connect) -> None:
    ana, bo, cy = connect("Ana"), connect("Bo Li"), connect("Cy")
    general = ana.room_id()
    message = ana.send(general, "@bo li and @Cy: standup? (not @Bobby, not mail@cy)", "a-1")
    assert sorted(message["mentions"]) == sorted([bo.user["id"], cy.user["id"]])
    ana.send(general, "just chatter", "a-2")
    assert bo.call("count_unread", {"rooms": [{"room_id": general}]})["counts"] == [
        {"room_id": general, "count": 2, "mentions": 1}
    ]
    # Reading on one device moves the mark for all of them.
    other_device = connect(token=bo.token)
    marked = _ok(bo.call("mark_read", {"room_id": general, "message_id": message["id"]}))
    assert marked["last_read_id"] == message["id"]
    assert other_device.expect("read_changed") == {
        "room_id": general,
        "last_read_id": message["id"],
    }
    assert other_device.call("count_unread", {"rooms": [{"room_id": general}]})["counts"] == [
        {"room_id": general, "count": 1, "mentions": 0}
    ]
    # Marks never move back; a fresh welcome carries them.
    back = _ok(bo.call("mark_read", {"room_id": general, "message_id": 1}))
    assert back["last_read_id"] == message["id"]
    room = next(r for r in connect(token=bo.token).welcome["rooms"] if r["id"] == general)
    assert room["last_read_id"] == message["id"]
    # An edit that removes the mention removes it from the count.
    edited = _ok(ana.call("edit_message", {"message_id": message["id"], "text": "never mind"}))
    assert edited["message"]["mentions"] == []
    assert cy.call("count_unread", {"rooms": [{"room_id": general}]})["counts"][0]["mentions"] == 0


def test_newcomers_start_with_the_history_read(connect: Connect) -> None:
    ana = connect("Ana")
    general = ana.room_id()
    for i in range(3):
        last = ana.send(general, f"before anyone else {i}", f"a-{i}")
    plans = _ok(ana.call("create_room", {"name": "plans"}))["room"]
    plans_last = ana.send(plans["id"], "old plan", "a-p")
    bo = connect("Bo")
    room = next(r for r in bo.welcome["rooms"] if r["id"] == general)
    assert room["last_read_id"] == last["id"]
    joined = _ok(bo.call("join_room", {"room_id": plans["id"]}))["room"]
    assert joined["member"] and joined["last_read_id"] == plans_last["id"]
    news = ana.send(general, "now Bo is here", "a-new")
    counts = bo.call("count_unread", {"rooms": [{"room_id": general}, {"room_id": plans["id"]}]})[
        "counts"
    ]
    assert counts == [
        {"room_id": general, "count": 1, "mentions": 0},
        {"room_id": plans["id"], "count": 0, "mentions": 0},
    ]
    marks = {r["id"]: r["last_read_id"] for r in connect(token=bo.token).welcome["rooms"]}
    assert marks[plans["id"]] == plans_last["id"] and marks[general] < news["id"]


def test_seen_in_a_direct_message(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    room = _ok(ana.call("open_dm", {"user_ids": [bo.user["id"]]}))["room"]
    message = ana.send(room["id"], "ping", "a-1")
    _ok(bo.call("mark_read", {"room_id": room["id"], "message_id": message["id"]}))
    assert ana.expect("seen") == {
        "room_id": room["id"],
        "user_id": bo.user["id"],
        "last_read_id": message["id"],
    }
    marks = _ok(ana.call("get_read_marks", {"room_id": room["id"]}))["marks"]
    assert {m["user_id"]: m["last_read_id"] for m in marks} == {
        ana.user["id"]: 0,
        bo.user["id"]: message["id"],
    }
    assert _error(ana.call("get_read_marks", {"room_id": ana.room_id()})) == "invalid"


# -- history around a message and search --------------------------------------------------------


def test_fetch_around_a_message_and_search_with_filters(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    sent = [
        (ana if i % 2 else bo).send(general, f"note {i} about otters", f"n-{i}") for i in range(30)
    ]
    ana.send(general, "Zürich café plans", "z-1")

    around = _ok(
        ana.call("fetch_messages", {"room_id": general, "around_id": sent[15]["id"], "limit": 10})
    )
    ids = [m["id"] for m in around["messages"]]
    assert sent[15]["id"] in ids and len(ids) == 10 and ids == sorted(ids)
    assert around["has_more"] and around["has_more_after"]
    both = {"room_id": general, "around_id": 5, "before_id": 9}
    assert _error(ana.call("fetch_messages", both)) == "invalid"

    found = _ok(ana.call("search", {"query": "otters", "limit": 5}))
    assert [m["id"] for m in found["messages"]] == [m["id"] for m in reversed(sent[-5:])]
    assert found["has_more"]
    page2 = _ok(
        ana.call(
            "search", {"query": "otters", "limit": 5, "before_id": found["messages"][-1]["id"]}
        )
    )
    assert [m["id"] for m in page2["messages"]] == [m["id"] for m in reversed(sent[-10:-5])]
    by_bo = _ok(ana.call("search", {"query": "otter", "author_id": bo.user["id"], "limit": 50}))
    assert len(by_bo["messages"]) == 15
    assert all(m["author"]["id"] == bo.user["id"] for m in by_bo["messages"])
    # Accents and case are ignored; the last word matches as a prefix; FTS syntax is just words.
    assert len(_ok(ana.call("search", {"query": "zurich CAFE"}))["messages"]) == 1
    assert len(_ok(ana.call("search", {"query": "caf"}))["messages"]) == 1
    for tricky in ('"unbalanced', "NEAR(a b)", "text:otters", "otters OR", "-otters *"):
        assert _ok(ana.call("search", {"query": tricky}))["ok"]
    assert _error(ana.call("search", {"query": "   "})) == "invalid"
    assert _error(ana.call("search", {"query": "!!!"})) == "invalid"
    assert _error(ana.call("search", {"query": "x" * 201})) == "too_large"
    assert _error(ana.call("search", {"query": 5})) == "invalid"
    assert _error(ana.call("search", {"query": "otters", "limit": 51})) == "invalid"


# -- host administration ------------------------------------------------------------------------


def test_only_the_host_user_administers(live_server: ServerHandle, connect: Connect) -> None:
    bo = connect("Bo")
    for event, data in (
        ("admin_info", {}),
        ("admin_rename_host", {"name": "mine now"}),
        ("admin_set_join_code", {"code": None}),
        ("admin_remove_device", {"device_id": 1}),
    ):
        assert _error(bo.call(event, data)) == "forbidden", event


def test_rename_and_join_code_changes_apply_at_once_and_persist(
    settings: Settings, connect: Connect, live_server: ServerHandle
) -> None:
    host, bo = _host(live_server, connect), connect("Bo")
    server = _ok(host.call("admin_rename_host", {"name": "  Kitchen   laptop "}))["server"]
    assert server["name"] == "Kitchen laptop"
    assert bo.expect("server_changed") == {"server": server}
    assert _error(host.call("admin_rename_host", {"name": ""})) == "invalid"

    assert _ok(host.call("admin_set_join_code", {"code": None}))["join_code"] is None
    connect("Walk In", code="")  # open now: no code needed
    fresh = _ok(host.call("admin_set_join_code", {"code": ""}))["join_code"]
    assert fresh and fresh.isdigit() and len(fresh) == 10  # a fresh code: host_settings.py
    assert refusal(live_server.url, {"name": "Late", "code": "12345678"}).code in {"bad_code"}
    chosen = _ok(host.call("admin_set_join_code", {"code": "Otter42x"}))["join_code"]
    assert chosen == "Otter42x"
    connect("Late", code="Otter42x")
    assert _error(host.call("admin_set_join_code", {"code": "no spaces"})) == "invalid"
    assert _error(host.call("admin_set_join_code", {})) == "invalid"
    info = _ok(host.call("admin_info"))
    assert info["name"] == "Kitchen laptop" and info["join_code"] == "Otter42x"

    # A restart with no name or code flags keeps the admin's choices.
    live_server.stop()
    again = start_server(settings.replace(port=0, name=socket.gethostname(), join_code=None))
    try:
        with urllib.request.urlopen(f"{again.url}/api/info") as r:
            assert json.load(r)["name"] == "Kitchen laptop"
        assert again.join_code == "Otter42x"
    finally:
        again.stop()


def test_removing_a_device_drops_it_at_once(live_server: ServerHandle, connect: Connect) -> None:
    host, bo = _host(live_server, connect), connect("Bo")
    phone = connect(token=bo.token)  # the same device connected twice
    laptop = connect("Bo2")
    devices = _ok(host.call("admin_info"))["devices"]
    bos = [d for d in devices if d["user"]["name"] == "Bo"]
    assert len(bos) == 1 and bos[0]["online"] is True
    own = next(d for d in devices if d["user"]["id"] == host.user["id"])
    assert _error(host.call("admin_remove_device", {"device_id": own["id"]})) == "forbidden"
    assert _error(host.call("admin_remove_device", {"device_id": 10**6})) == "not_found"

    _ok(host.call("admin_remove_device", {"device_id": bos[0]["id"]}))
    deadline = time.monotonic() + 5
    while not (bo.disconnected and phone.disconnected) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bo.disconnected and phone.disconnected and not laptop.disconnected
    assert refusal(live_server.url, {"token": bo.token}).code == "bad_token"
    assert all(d["id"] != bos[0]["id"] for d in _ok(host.call("admin_info"))["devices"])
