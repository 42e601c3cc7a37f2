"""Several host processes sharing one PostgreSQL database and one Redis (tests/cluster)."""

from __future__ import annotations

import itertools
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
    ) -> None:
        self.db_name = f"fanout{uuid.uuid4().hex[:8]}"
        self.database = postgres.create_database(self.db_name, template=TEMPLATE)
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

    def stop(self, postgres: PostgresServer) -> None:
        for peer in self.peers:
            peer.close()
        for host in self.hosts:
            host.kill()
        postgres.drop_database(self.db_name)
