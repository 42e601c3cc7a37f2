"""Three host processes sharing one PostgreSQL database and one Redis, seen from outside: real
processes (tests/hostproc.py), real websocket clients (tests/peers.py), real servers
(servers.py). One set of processes per module: every test below uses fresh people."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.cluster.processes import Cluster, another_device, device_shown_online
from tests.cluster.servers import PostgresServer, RedisServer
from tests.peers import Peer, refusal


@pytest.fixture(scope="module")
def cluster(
    postgres: PostgresServer, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    made = Cluster(postgres, redis_server, tmp_path_factory.mktemp("cluster"))
    try:
        yield made
    finally:
        made.stop(postgres)


def _ok(answer: dict) -> dict:
    assert answer["ok"], answer
    return answer


def _count(peer: Peer, message_id: int, within: float = 1.0) -> int:
    return sum(1 for m in peer.received("message_created", within) if m["id"] == message_id)


def test_processes_share_one_host_identity(cluster: Cluster) -> None:
    ids = {cluster.peer(i).welcome["server"]["host_id"] for i in range(3)}
    assert len(ids) == 1, ids


def test_a_message_sent_through_a_reaches_b_and_c_once(cluster: Cluster) -> None:
    ana, bo, cy = cluster.peer(0), cluster.peer(1), cluster.peer(2)
    general = ana.room_id()
    for peer in (ana, bo, cy):
        peer.received("message_created", 0.3)  # others' traffic so far
    for round_ in range(3):
        sent = ana.send(general, f"hello everyone {round_}", str(uuid.uuid4()))
        assert [_count(p, sent["id"]) for p in (ana, bo, cy)] == [1, 1, 1]


def test_dms_stay_private_across_processes(cluster: Cluster) -> None:
    ana, bo, cy = cluster.peer(0), cluster.peer(1), cluster.peer(2)
    dm = _ok(ana.call("open_dm", {"user_ids": [bo.user["id"]]}))["room"]
    cy.received("message_created", 0.3)
    sent = ana.send(dm["id"], "just between us", str(uuid.uuid4()))
    got = bo.expect("message_created")
    assert got["id"] == sent["id"] and got["text"] == "just between us"
    assert all(m["id"] != sent["id"] for m in cy.received("message_created", 1.0))
    # Bo's answer, from process B, reaches Ana on A and nobody else.
    back = bo.send(dm["id"], "agreed", str(uuid.uuid4()))
    assert _count(ana, back["id"]) == 1
    assert all(m["id"] != back["id"] for m in cy.received("message_created", 0.5))


def test_joining_a_room_on_a_subscribes_the_persons_sockets_on_b(cluster: Cluster) -> None:
    """Bo is added to a room by a command on A while his socket is on B: B puts it on the room's
    channel (a request between processes), so the room's messages reach him."""
    ana, bo = cluster.peer(0), cluster.peer(1)
    room = _ok(ana.call("create_room", {"name": f"r{uuid.uuid4().hex[:6]}"}))["room"]
    bo_on_a = cluster.peer(0, token=bo.token)  # Bo's same device, also connected to A
    _ok(bo_on_a.call("join_room", {"room_id": room["id"]}))
    sent = ana.send(room["id"], "welcome aboard", str(uuid.uuid4()))
    assert _count(bo, sent["id"]) == 1


def test_signing_a_device_out_closes_its_sockets_on_every_process(cluster: Cluster) -> None:
    ana = cluster.peer(0)
    ana_on_b = cluster.peer(1, token=ana.token)
    ana_on_c = cluster.peer(2, token=ana.token)
    _ok(ana.call("sign_out"))
    assert ana_on_b.expect("signed_out")["device_id"] == ana_on_c.expect("signed_out")["device_id"]
    assert refusal(cluster.hosts[2].url, {"token": ana.token}).code == "bad_token"


def test_a_search_on_b_finds_a_message_written_on_a(cluster: Cluster) -> None:
    ana, bo = cluster.peer(0), cluster.peer(1)
    word = f"zebra{uuid.uuid4().hex[:8]}"
    sent = ana.send(ana.room_id(), f"the {word} crossed", str(uuid.uuid4()))
    found = _ok(bo.call("search", {"query": word}))["messages"]
    assert [m["id"] for m in found] == [sent["id"]]


def test_typing_reaches_the_room_on_other_processes(cluster: Cluster) -> None:
    ana, bo = cluster.peer(0), cluster.peer(1)
    _ok(ana.call("typing", {"room_id": ana.room_id()}))
    typing = [t for t in bo.received("typing", 1.0) if t["user"]["id"] == ana.user["id"]]
    assert len(typing) == 1


def _presence_of(peer: Peer, user_id: int, within: float) -> list[bool]:
    return [
        u["online"]
        for e in peer.received("users_changed", within)
        for u in e["users"]
        if u["id"] == user_id
    ]


def test_presence_is_right_across_processes(cluster: Cluster) -> None:
    """Online to everyone while connected to any process; offline once the last connection, on
    whichever process, is gone; a process started later sees who is online on the others."""
    ana = cluster.peer(0)
    bo = cluster.peer(1)
    assert _presence_of(ana, bo.user["id"], 1.0) == [True]
    bo_on_c = cluster.peer(2, token=bo.token)
    cy = cluster.peer(0)
    assert next(u for u in cy.welcome["users"] if u["id"] == bo.user["id"])["online"]
    bo.sio.disconnect()  # his connection to B goes; the one to C stays
    assert _presence_of(ana, bo.user["id"], 1.0) == []
    members = _ok(cy.call("list_members", {"room_id": cy.room_id()}))
    assert next(u for u in members["members"] if u["id"] == bo.user["id"])["online"]
    bo_on_c.sio.disconnect()
    assert _presence_of(ana, bo.user["id"], 2.0) == [False]


def test_who_comes_online_on_a_is_told_on_b_as_stored(cluster: Cluster) -> None:
    """A's window goes to B as the people's records (chat/records.py), not ids B reads again: B's
    clients see the person as stored (name, status, a bot's avatar), online as B sees them, the
    same entry B's own member list gives."""
    watcher = cluster.peer(1)
    ana = cluster.peer(0)
    _ok(ana.call("set_status", {"status": "dnd", "text": "focus until 3"}))
    ana.sio.disconnect()
    watcher.expect_user(ana.user["id"], False)
    cluster.peer(0, token=ana.token)  # she is back, on A
    told = watcher.expect_user(ana.user["id"], True)
    assert (told["name"], told["status"], told["status_text"]) == (
        ana.user["name"],
        "dnd",
        "focus until 3",
    )
    members = _ok(watcher.call("list_members", {"room_id": watcher.room_id()}))["members"]
    assert told == next(u for u in members if u["id"] == ana.user["id"])
    host = cluster.host_person(2)
    made = _ok(host.call("create_bot", {"name": f"Bot{uuid.uuid4().hex[:6]}", "avatar": "🤖"}))
    cluster.peer(0, token=made["token"])
    told = watcher.expect_user(made["bot"]["id"], True)
    assert (told["name"], told["avatar"], told["bot"]) == (made["bot"]["name"], "🤖", True)


def test_what_another_process_sends_malformed_is_refused(
    cluster: Cluster, redis_server: RedisServer
) -> None:
    """Requests and heartbeats on the processes' Redis channel are checked as they are read: a
    malformed record is left out, the good one beside it told, a heartbeat that is not one
    ignored, and the process goes on serving (a bug or another version must not crash it)."""
    watcher = cluster.peer(1)
    ana = cluster.peer(0)
    watcher.expect_user(ana.user["id"], True)
    channel = f"parley:{watcher.welcome['server']['host_id']}"
    good = {"id": ana.user["id"], "name": ana.user["name"]}
    bad = [{"id": 10**6, "name": "\ud800"}, {"id": "7", "name": "x"}, {"name": "y"}, 7, "z"]
    client = redis.Redis.from_url(redis_server.url)
    try:
        for sent in (
            {"o": "f" * 16, "a": "users_changed", "args": [*bad, good]},
            {"o": "f" * 16, "a": "users_changed", "args": "not a list"},
            {"o": "f" * 16, "on": "not base64!", "dev": [1, 2]},
            {"o": "f" * 16, "on": "not base64!", "dev": [1, 2]},  # as it comes every 2 s
        ):
            client.publish(channel, json.dumps(sent))
    finally:
        client.close()
    told = [u for e in watcher.received("users_changed", 1.0) for u in e["users"]]
    members = _ok(watcher.call("list_members", {"room_id": watcher.room_id()}))["members"]
    assert told == [next(u for u in members if u["id"] == ana.user["id"])]
    log = "".join(cluster.hosts[1].output)  # what B said it refused, and why
    assert "another process sent 5 malformed user records" in log
    assert log.count("an id set is base64") == 1  # said once per process, without a traceback
    assert "Traceback" not in log
    sent_message = ana.send(ana.room_id(), "still here", str(uuid.uuid4()))
    assert _count(watcher, sent_message["id"]) == 1


def test_a_rooms_online_count_follows_joins_and_departures_on_other_processes(
    cluster: Cluster,
) -> None:
    """Ana on A shows a room's online count (watch_users with room_id): Bo joining it on B, and
    leaving the host from B, each reach her as room_online, counted on A with B's people."""
    ana, bo = cluster.peer(0), cluster.peer(1)
    room = _ok(ana.call("create_room", {"name": f"r{uuid.uuid4().hex[:6]}"}))["room"]["id"]
    assert _ok(ana.call("watch_users", {"ids": [], "room_id": room}))["room_online"] == 1
    _ok(bo.call("join_room", {"room_id": room}))
    counts = [e["online"] for e in ana.received("room_online", 1.0) if e["room_id"] == room]
    assert counts == [2]
    bo.sio.disconnect()
    counts = [e["online"] for e in ana.received("room_online", 2.0) if e["room_id"] == room]
    assert counts == [1]


def test_the_devices_list_shows_devices_on_other_processes_online(cluster: Cluster) -> None:
    """Asked through A, the list says online for a device connected to B only, and offline once
    its last connection there goes: while the person stays on B with another device, and when
    they leave B altogether. The admin panel's list of every device (the host person, on A) too."""
    host = cluster.host_person(0)
    ana = cluster.peer(0)
    ana_on_b = cluster.peer(1, token=ana.token)  # her laptop, on A and on B
    phone, phone_id = another_device(cluster, ana, 1)
    assert device_shown_online(ana, phone_id, True, within=3.0)
    assert device_shown_online(host, phone_id, True, within=3.0, command="admin_info")
    phone.sio.disconnect()  # ana stays on B with her laptop
    assert device_shown_online(ana, phone_id, False, within=3.0)
    assert device_shown_online(host, phone_id, False, within=3.0, command="admin_info")
    laptop = next(d for d in ana.call("list_devices")["devices"] if d["current"])
    assert laptop["online"]
    phone = cluster.peer(1, token=phone.token)
    assert device_shown_online(ana, phone_id, True, within=3.0)
    phone.sio.disconnect()
    ana_on_b.sio.disconnect()  # nobody of hers is left on B
    assert device_shown_online(ana, phone_id, False, within=3.0)
