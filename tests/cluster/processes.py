"""Several host processes sharing one PostgreSQL database and one Redis (tests/cluster)."""

from __future__ import annotations

import itertools
import time
import uuid
from pathlib import Path

from tests.cluster.conftest import TEMPLATE
from tests.cluster.servers import PostgresServer, RedisServer
from tests.hostproc import HostProcess
from tests.peers import Peer

_people = itertools.count(1)
# Sends and joins by many people from one address in a few seconds: the limits are not the subject.
NO_LIMITS = {"PARLEY_SEND_RATE": "1000", "PARLEY_SEND_BURST": "1000"}


class Cluster:
    """``count`` host processes of one fresh database (from the template), one shared files dir."""

    def __init__(
        self,
        postgres: PostgresServer,
        redis: RedisServer,
        root: Path,
        count: int = 3,
        env: dict[str, str] | None = None,
        people: int = 0,
    ) -> None:
        """``people``: in the database before the processes start, offline (more than
        ``protocol.WELCOME_USERS_MAX``: a big host, whose welcomes do not list everyone)."""
        self._postgres = postgres
        self.db_name = f"fanout{uuid.uuid4().hex[:8]}"
        self.database = postgres.create_database(self.db_name, template=TEMPLATE)
        if people:
            postgres.sql(
                "INSERT INTO users (name, name_key, created_at) SELECT 'Seed ' || g, 'seed ' || g,"
                f" '2026-01-01T00:00:00+00:00' FROM generate_series(1, {int(people)}) AS g",
                self.db_name,
            )
        files = root / "files"  # the shared mount
        self.hosts = [
            HostProcess(
                root / f"host{i}",
                "--open",
                "--database",
                self.database,
                "--message-queue",
                redis.url,
                "--files-dir",
                str(files),
                env={**NO_LIMITS, **(env or {})},
            )
            for i in range(count)
        ]
        self.peers: list[Peer] = []

    def peer(self, index: int | str, name: str | None = None, **auth: str) -> Peer:
        """A client of host ``index``, or of the URL given (HAProxy's)."""
        auth = auth or {"name": name or f"P{next(_people)}"}
        url = index if isinstance(index, str) else self.hosts[index].url
        peer = Peer(url, auth)
        self.peers.append(peer)
        return peer

    def host_person(self, index: int) -> Peer:
        """The host person, signed in with host ``index``'s printed admin link (one use: once per
        process)."""
        prefix = "Admin sign-in"
        deadline = time.monotonic() + 5.0  # the banner's lines after the URL may still be coming
        while not any(line.startswith(prefix) for line in self.hosts[index].output):
            assert time.monotonic() < deadline, "no admin link printed"
            time.sleep(0.05)
        line = next(o for o in self.hosts[index].output if o.startswith(prefix))
        return self.peer(index, link=line.split("#signin=", 1)[1].strip())

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop(self._postgres)

    def stop(self, postgres: PostgresServer) -> None:
        for peer in self.peers:
            peer.close()
        for host in self.hosts:
            host.kill()
        postgres.drop_database(self.db_name)


def another_device(cluster: Cluster, peer: Peer, index: int) -> tuple[Peer, int]:
    """A new device of ``peer``'s person (a sign-in link), connected to host ``index``; and its id."""
    link = peer.call("create_device_link", {"name": "phone"})
    assert link["ok"], link
    device = cluster.peer(index, link=link["secret"])
    listed = device.call("list_devices")["devices"]
    return device, next(d["id"] for d in listed if d["current"])


def device_shown_online(
    asker: Peer, device_id: int, online: bool, within: float, command: str = "list_devices"
) -> bool:
    """Whether ``asker``'s devices list (``command``: their own, or the admin panel's
    ``admin_info``) shows the device ``online`` (or not) within ``within`` s: what another process
    hears comes through Redis a moment after it happened."""
    deadline = time.monotonic() + within
    while True:
        listed = asker.call(command)["devices"]
        if next(d["online"] for d in listed if d["id"] == device_id) is online:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
