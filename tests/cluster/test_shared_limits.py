"""The send limit is per person across host processes (Redis), not per process: one person
connected to two processes gets one burst, not two."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.cluster.processes import Cluster
from tests.cluster.servers import PostgresServer, RedisServer

RATE, BURST = 1, 10


@pytest.fixture(scope="module")
def cluster(
    postgres: PostgresServer, redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    limits = {"PARLEY_SEND_RATE": str(RATE), "PARLEY_SEND_BURST": str(BURST)}
    made = Cluster(postgres, redis_server, tmp_path_factory.mktemp("limits"), count=2, env=limits)
    try:
        yield made
    finally:
        made.stop(postgres)


def test_one_person_on_two_processes_gets_one_burst(cluster: Cluster) -> None:
    ana = cluster.peer(0)
    ana_on_b = cluster.peer(1, token=ana.token)
    room = ana.room_id()
    started = time.monotonic()
    answers = []
    for peer in (ana, ana_on_b):  # a full burst's worth from each process
        for _ in range(BURST):
            answers.append(
                peer.call(
                    "send_message",
                    {"room_id": room, "text": "quick", "client_id": str(uuid.uuid4())},
                )
            )
    elapsed = time.monotonic() - started
    accepted = sum(1 for a in answers if a["ok"])
    refused = [a["error"]["code"] for a in answers if not a["ok"]]
    assert set(refused) == {"rate_limited"}
    assert BURST <= accepted <= BURST + int(elapsed * RATE) + 1, (accepted, elapsed)
