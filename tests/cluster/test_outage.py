"""Two host processes of a big host (more people than a welcome lists) with their own Redis: what a
client of one process learns of what happened through the other while Redis was away, without
reconnecting; and whose presence a person's devices on every process hear once they open a DM.
Real processes, real servers, real websocket clients; every wait bounded."""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Iterator

import pytest

from backend import protocol as p
from backend.chat import outage
from backend.wire import cluster as cluster_wire
from tests.cluster.processes import Cluster
from tests.cluster.servers import PostgresServer, RedisServer
from tests.peers import Peer

# Each process's listener is back within its longest retry pause (2 s) of Redis; the catch-up is
# told a settling time (3 s) after that.
RESYNC_WITHIN = 15.0


@pytest.fixture(scope="module")
def cluster(
    postgres: PostgresServer, own_redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """On this module's own Redis: a test stops it."""
    root, people = tmp_path_factory.mktemp("outage"), p.WELCOME_USERS_MAX + 1
    with Cluster(postgres, own_redis, root, count=2, people=people) as made:
        yield made


def _ids(peer: Peer, event: str, within: float) -> list[int]:
    return [m["id"] for m in peer.received(event, within)]


def _until_resync(peer: Peer) -> tuple[dict, list[int]]:
    """The next ``resync``, and the ids of the messages heard live before it."""
    live: list[int] = []
    deadline = time.monotonic() + RESYNC_WITHIN
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "no resync after the outage"
        try:
            name, payload = peer.events.get(timeout=left)
        except queue.Empty:
            continue
        if name == "message_created":
            live.append(payload["id"])
        elif name == "resync":
            return payload, live


def test_what_was_sent_while_redis_was_away_reaches_a_client_of_another_process_once(
    cluster: Cluster, own_redis: RedisServer
) -> None:
    """Bo stays connected to B; through A, while Redis is down, Ana sends a message and Cy
    (whose phone is on B) makes a room. Once Redis is back, B tells its clients once to resync:
    Bo's catch-up (after the last id he held without a gap) finds Ana's message, which he holds
    once; Cy's phone on B is on the new room's channel without having reconnected."""
    ana, bo = cluster.peer(0), cluster.peer(1)
    cy = cluster.peer(0)
    cy_phone = cluster.peer(1, token=cy.token)
    general = ana.room_id()
    held = ana.send(general, "before the outage", str(uuid.uuid4()))
    assert _ids(bo, "message_created", 1.0).count(held["id"]) == 1  # fan-out works: the baseline
    own_redis.down()
    try:
        sent = ana.send(general, "while Redis was away", str(uuid.uuid4()))  # acked: stored
        room = cy.ok("create_room", {"name": f"outage {uuid.uuid4().hex[:6]}"})["room"]
        # Long enough for every process to have tried to say who is connected to it: each has
        # dropped texts (and tells the others), each listener is away: one catch-up all the same.
        time.sleep(cluster_wire.HEARTBEAT_SECONDS + 0.5)
    finally:
        own_redis.up()
    told, live = _until_resync(bo)
    assert 0 <= told["within_ms"] <= outage.SPREAD_MS_MAX
    page = bo.ok("fetch_messages", {"room_id": general, "after_id": held["id"]})
    fetched = [m["id"] for m in page["messages"]]
    assert fetched == [sent["id"]]
    live += _ids(bo, "message_created", 1.0)  # none comes late, after his catch-up
    assert live + fetched == [sent["id"]]  # once: by the catch-up, never live as well
    # ... and Cy's phone, on B, hears the room made through A as a member would.
    cy_phone.expect("resync", timeout=RESYNC_WITHIN)
    in_room = cy.send(room["id"], "in the new room", str(uuid.uuid4()))
    assert _ids(cy_phone, "message_created", 2.0).count(in_room["id"]) == 1
    # One catch-up per break, and nobody reconnected.
    assert bo.received("resync", cluster_wire.RESYNC_SETTLE_SECONDS + 1.0) == []
    assert not (bo.disconnected or cy_phone.disconnected)


def test_a_dm_opened_on_a_has_the_persons_devices_on_b_watch_the_partner(
    cluster: Cluster,
) -> None:
    """Xi's laptop is on B before Yu arrives (its welcome does not list Yu, a big host's does
    not list everyone); Xi opens a DM with Yu through A: Yu's leaving is told to the laptop on B
    at once, without a watch_users from it."""
    xi = cluster.peer(0)
    laptop = cluster.peer(1, token=xi.token)
    assert laptop.welcome["users_complete"] is False
    yu = cluster.peer(0)
    assert yu.user["id"] not in {u["id"] for u in laptop.welcome["users"]}
    xi.ok("open_dm", {"user_ids": [yu.user["id"]]})
    laptop.expect("room_created")  # the DM, through Redis: the request to watch Yu came before it
    yu.close()
    said = [
        u["online"]
        for e in laptop.received("users_changed", 3.0)
        for u in e["users"]
        if u["id"] == yu.user["id"]
    ]
    assert said == [False]
