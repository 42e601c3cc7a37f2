"""Profiles on a real host with real websocket clients (issue 15): a rename is seen by everyone at
once and after a resync, a look-alike name is refused, a status is told to everyone, signing out
drops the device, and the host person's name is their own (not the machine's)."""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable

import pytest

from backend import ServerHandle, Settings
from backend.config import default_person_name
from tests.peers import Peer, refusal

pytestmark = pytest.mark.integration

Connect = Callable[..., Peer]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with the host person's name left to the OS account, as a host has it
    (tests/conftest.py pins it for every other test)."""
    return settings.replace(person_name=default_person_name())


def _owner(live_server: ServerHandle, connect: Connect) -> Peer:
    return connect(owner_key=live_server.owner_url.split("#owner=")[1])


def test_a_rename_reaches_another_client_now_and_after_a_resync(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    general = ana.room_id()
    said = ana.send(general, "hello", "a-1")
    ack = ana.call("set_name", {"name": "  Ana   Lopez "})
    assert ack["ok"] and ack["user"]["name"] == "Ana Lopez" and ack["user"]["id"] == ana.user["id"]
    told = bo.expect("user_updated")["user"]
    assert (told["id"], told["name"], told["online"]) == (ana.user["id"], "Ana Lopez", True)
    assert ana.expect("user_updated")["user"]["name"] == "Ana Lopez"  # her other devices too

    # New messages carry the new name; history read afterwards does too.
    assert ana.send(general, "again", "a-2")["author"]["name"] == "Ana Lopez"
    page = bo.call("fetch_messages", {"room_id": general, "after_id": said["id"] - 1})
    assert [m["author"]["name"] for m in page["messages"]] == ["Ana Lopez", "Ana Lopez"]
    # A client that was away learns it from its next welcome.
    bo.close()
    back = connect(token=bo.token)
    assert {u["name"] for u in back.welcome["users"]} == {"Ana Lopez", "Bo"}
    # And the old name is free for someone new.
    assert connect("Ana").user["name"] == "Ana"


def test_a_look_alike_name_is_refused_with_name_taken(connect: Connect) -> None:
    connect("carol")
    dave = connect("Dave")
    for name in ("cаrol", "CAROL", "car0l"):  # a Cyrillic а, case, a zero
        ack = dave.call("set_name", {"name": name})
        assert not ack["ok"] and ack["error"]["code"] == "name_taken", ack
        assert "carol" in ack["error"]["message"]
    for bad in ({"name": "dave\u200b"}, {"name": ""}, {"name": "x" * 33}, {"name": 5}, {}):
        ack = dave.call("set_name", bad)
        assert not ack["ok"] and ack["error"]["code"] == "invalid", (bad, ack)
    assert dave.call("set_name", {"name": "DAVE"})["user"]["name"] == "DAVE"  # his own, recased


def test_a_status_is_told_to_everyone_and_kept(connect: Connect) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    ack = ana.call("set_status", {"status": "dnd", "text": "<i>focus</i> until 3"})
    assert ack["ok"], ack
    told = bo.expect("user_updated")["user"]
    assert (told["status"], told["status_text"]) == ("dnd", "<i>focus</i> until 3")
    assert ana.call("set_status", {"status": "away", "auto": True})["user"]["status_auto"]
    assert bo.expect("user_updated")["user"]["status_auto"] is True
    for bad in (
        {"status": "gone"},
        {"status": "away", "text": "x" * 81},
        {"status": "available", "auto": True},
    ):
        ack = ana.call("set_status", bad)
        assert not ack["ok"] and ack["error"]["code"] == "invalid", (bad, ack)
    cy = connect("Cy")
    assert next(u for u in cy.welcome["users"] if u["name"] == "Ana")["status"] == "away"


def test_sign_out_drops_this_device_and_its_token(
    live_server: ServerHandle, connect: Connect
) -> None:
    ana, bo = connect("Ana"), connect("Bo")
    assert ana.call("sign_out", {}) == {"ok": True}  # answered, then dropped
    ana.sio.sleep(0.5)
    assert ana.disconnected
    assert bo.expect_user(ana.user["id"], False) == {**ana.user, "online": False}
    assert refusal(live_server.url, {"token": ana.token}).code == "bad_token"
    assert bo.call("set_name", {"name": "Bo B"})["ok"]  # nobody else is touched


def test_the_host_person_is_named_for_the_os_account_not_the_machine(
    live_server: ServerHandle, connect: Connect
) -> None:
    entry = pwd.getpwuid(os.getuid())
    expected = " ".join(entry.pw_gecos.split(",")[0].split()) or entry.pw_name
    guest = connect("Ana")
    assert "name_suggestion" not in guest.welcome
    host = _owner(live_server, connect)
    assert host.user["is_host"] and host.user["name"] == expected
    assert host.welcome["name_suggestion"] == expected  # the host's window asks, filled in
    assert host.call("admin_rename_host", {"name": "Kitchen box"})["ok"]
    assert guest.expect("server_changed")["server"]["name"] == "Kitchen box"
    assert guest.received("user_updated") == []  # the person is not renamed with the machine
    ack = host.call("sign_out", {})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"
    assert host.call("set_name", {"name": "Jo"})["ok"]
    again = _owner(live_server, connect)
    assert again.user["name"] == "Jo" and "name_suggestion" not in again.welcome
