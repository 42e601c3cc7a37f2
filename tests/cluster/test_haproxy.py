"""Three host processes behind a throwaway HAProxy, with their own Redis: what happens when one
process is SIGKILLed, and when Redis goes away and comes back. Real processes, real servers, real
websocket clients; every wait bounded."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.cluster.processes import Cluster, another_device, device_shown_online
from tests.cluster.servers import HaproxyServer, PostgresServer, RedisServer, free_port
from tests.peers import Peer

# HAProxy's check takes a dead process out within a second; a lapsed heartbeat counts after 7 s.
RECONNECT_WITHIN = 15.0
LAPSE_WITHIN = 15.0
SENDS_PER_PEER = 200


# HAProxy's port, known before the hosts start: they accept its origin (PARLEY_PUBLIC_ORIGINS).
PROXY_PORT = free_port()


@pytest.fixture(scope="module")
def cluster(
    postgres: PostgresServer, own_redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """On this module's own Redis: one test restarts it."""
    origin = {"PARLEY_PUBLIC_ORIGINS": f"http://127.0.0.1:{PROXY_PORT}"}
    made = Cluster(postgres, own_redis, tmp_path_factory.mktemp("behind-haproxy"), env=origin)
    try:
        yield made
    finally:
        made.stop(postgres)


@pytest.fixture(scope="module")
def haproxy(cluster: Cluster) -> Iterator[HaproxyServer]:
    backends = [h.url.removeprefix("http://").rstrip("/") for h in cluster.hosts]
    proxy = HaproxyServer(backends, PROXY_PORT)
    try:
        yield proxy
    finally:
        proxy.stop()


def _ok(answer: dict) -> dict:
    assert answer["ok"], answer
    return answer


def _history(peer: Peer, room_id: int) -> list[dict]:
    """Every message of the room, paged with after_id (bounded)."""
    found: list[dict] = []
    after = 0
    for _ in range(100):
        page = _ok(peer.call("fetch_messages", {"room_id": room_id, "after_id": after}))
        found += page["messages"]
        if not page["has_more"]:
            return found
        after = page["messages"][-1]["id"]
    raise AssertionError("history did not end")


def _reconnect(cluster: Cluster, url: str, token: str) -> Peer:
    deadline = time.monotonic() + RECONNECT_WITHIN
    while True:
        try:
            return cluster.peer(url, token=token)
        except Exception:  # refused or reset while HAProxy still tries the dead process
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_redis_restarted_fan_out_resumes_without_a_host_restart(
    cluster: Cluster, own_redis: RedisServer
) -> None:
    ana, bo = cluster.peer(0), cluster.peer(1)
    room = ana.room_id()
    own_redis.restart()  # stopped by PID, started again on the same port: no subscriber survives
    deadline = time.monotonic() + 20.0
    while True:  # the processes connect again on their own, with a pause of at most 2 s
        sent = ana.send(room, f"after the outage {uuid.uuid4().hex[:6]}", str(uuid.uuid4()))
        if any(m["id"] == sent["id"] for m in bo.received("message_created", 0.5)):
            break
        assert time.monotonic() < deadline, "fan-out did not resume after Redis came back"
    again = ana.send(room, "and it stays", str(uuid.uuid4()))
    assert [m["id"] for m in bo.received("message_created", 1.0)].count(again["id"]) == 1


def test_sigkill_one_process_clients_move_to_the_others_nothing_lost_or_doubled(
    cluster: Cluster, haproxy: HaproxyServer
) -> None:
    peers = [cluster.peer(haproxy.url) for _ in range(6)]  # round robin: two per process
    room = peers[0].room_id()
    acked: dict[str, int] = {}  # client_id → message id, for every acknowledged send
    unsure: dict[int, str] = {}  # peer index → the send whose answer the kill cut off
    stop = threading.Event()

    def keep_sending(index: int, peer: Peer) -> None:
        for n in range(SENDS_PER_PEER):  # bounded; the kill comes well before the end
            if stop.is_set():
                return
            client_id = str(uuid.uuid4())
            try:
                answer = peer.call(
                    "send_message", {"room_id": room, "text": f"n{n}", "client_id": client_id}
                )
            except Exception:  # the connection went with the process: stored or not, unknown
                unsure[index] = client_id
                return
            assert answer["ok"], answer
            acked[client_id] = answer["message"]["id"]
            time.sleep(0.02)

    senders = [
        threading.Thread(target=keep_sending, args=(i, p), daemon=True) for i, p in enumerate(peers)
    ]
    for sender in senders:
        sender.start()
    # Someone on a live process with a second device on the one about to die: their devices
    # list shows it online, then offline once the dead process's heartbeat has lapsed.
    asker = cluster.peer(1)
    _, on_killed = another_device(cluster, asker, 0)
    assert device_shown_online(asker, on_killed, True, within=3.0)
    time.sleep(1.0)  # sends under way on every process
    for peer in peers:  # the arrivals they were told of (all in by now): what follows is the kill's
        peer.received("users_changed", 0.1)
    cluster.hosts[0].kill()  # SIGKILL: no goodbye to anyone
    time.sleep(1.5)  # the killed process's clients notice (their sockets closed at once)
    stop.set()
    for sender in senders:
        sender.join(10)
    dropped = [p for p in peers if p.disconnected]
    survivors = [p for p in peers if not p.disconnected]
    assert dropped and survivors, "round robin put nobody (or everybody) on the killed process"
    # One of the dropped stays away: the others are told it went offline once its process's
    # heartbeat lapsed. The rest come back through HAProxy, to the two live processes.
    away, returning = dropped[0], dropped[1:]
    back = [_reconnect(cluster, haproxy.url, p.token) for p in returning]
    # An outbox's retry: the send whose answer was lost goes again with its client_id, and is
    # stored once (the same message if it had been stored before the kill).
    for old, new in zip(returning, back, strict=True):
        client_id = unsure.get(peers.index(old))
        if client_id is not None:
            answer = _ok(
                new.call("send_message", {"room_id": room, "text": "r", "client_id": client_id})
            )
            acked[client_id] = answer["message"]["id"]
    # Every survivor, on either live process, hears it exactly once, and hears it offline: one
    # process says the lapse, and the other tells its own clients from its own view of who is
    # online, which must no longer count the dead process (it looks at its own pace).
    heard: list[list[bool]] = [[] for _ in survivors]  # each survivor: what it was told of away

    def listen(within: float) -> None:
        for told, peer in zip(heard, survivors, strict=True):
            told += [
                u["online"]
                for e in peer.received("users_changed", within)
                for u in e["users"]
                if u["id"] == away.user["id"]
            ]

    deadline = time.monotonic() + LAPSE_WITHIN
    while not all(False in told for told in heard) and time.monotonic() < deadline:
        listen(0.2)
    listen(1.0)  # a second telling would come within a window or two
    assert all(told == [False] for told in heard), (
        f"the killed process's person was not said offline once to each survivor: {heard}"
    )
    assert device_shown_online(asker, on_killed, False, within=LAPSE_WITHIN)
    for peer in [*survivors, *back]:
        client_id = str(uuid.uuid4())
        acked[client_id] = peer.send(room, "after", client_id)["id"]
    # Resync: what a client that was away reads back has every acknowledged message once.
    for peer in [*back, survivors[0]]:
        history = _history(peer, room)
        ours = [m for m in history if m["client_id"] in acked]
        assert sorted(m["id"] for m in ours) == sorted(acked.values())
        assert len({m["client_id"] for m in ours}) == len(ours)
        assert len({m["id"] for m in history}) == len(history)
    # Live fan-out reaches the reconnected clients once, wherever they landed.
    last = survivors[0].send(room, "the last word", str(uuid.uuid4()))
    for peer in back:
        assert [m["id"] for m in peer.received("message_created", 1.0)].count(last["id"]) == 1
