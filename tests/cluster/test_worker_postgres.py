"""The storage worker's contract on PostgreSQL (storage/worker.py, interface.py): a job that fails
is undone alone (its savepoint), readers see every committed write, and two writers on one
database (two host processes, later) never interleave their transactions."""

from __future__ import annotations

import threading
import time

import gevent
import pytest

from backend.storage.interface import Store
from backend.storage.postgres.store import PostgresBackend
from backend.storage.worker import Database
from tests.cluster.servers import PostgresServer


class Boom(Exception):
    pass


def test_a_failing_job_is_undone_alone_and_readers_see_the_rest(database_url: str) -> None:
    db = Database(PostgresBackend(database_url))
    try:

        def good(n: int) -> int:
            return db.write(lambda s: s.users.insert(f"user{n}", f"user{n}").id)

        def bad(s: Store) -> None:
            s.users.insert("ghost", "ghost")  # written, then undone with the job's savepoint
            raise Boom

        def failing() -> None:
            with pytest.raises(Boom):
                db.write(bad)

        # Queued together, so they share batches: the failure must not undo its neighbours.
        jobs = [gevent.spawn(good, n) for n in range(10)] + [gevent.spawn(failing)]
        jobs += [gevent.spawn(good, n) for n in range(10, 20)]
        gevent.joinall(jobs, raise_error=True)
        ids = [job.value for job in jobs if job.value is not None]
        assert len(set(ids)) == 20
        names = db.read(lambda s: [u.name for u in s.users.all()])
        assert sorted(names) == sorted(f"user{n}" for n in range(20))
        assert db.read(lambda s: s.users.by_name_key("ghost")) is None
    finally:
        db.close()


def test_two_writers_take_turns_so_ids_commit_in_order(database_url: str) -> None:
    backend = PostgresBackend(database_url)
    first, second = backend.open_writer(), backend.open_writer()
    try:
        first.begin()
        ana = first.users.insert("ana", "ana")
        room = first.rooms.insert("general", "general", kind="channel", created_by=None)
        first.commit()

        first.begin()
        early, _ = first.messages.insert(room.id, ana, "a1", "first")
        later: list[int] = []

        def other_process() -> None:
            second.begin()  # waits for the first writer's transaction to end
            message, _ = second.messages.insert(room.id, ana, "a2", "second")
            later.append(message.id)
            second.commit()

        thread = threading.Thread(target=other_process)
        thread.start()
        time.sleep(0.5)
        assert later == []  # still waiting: the first transaction holds the write lock
        first.commit()
        thread.join(10)
        assert later and later[0] > early.id
        # Change numbers come from one sequence: never the same twice, whichever writer asks.
        first.begin()
        revs = [first.messages.next_rev(), first.messages.next_rev()]
        first.commit()
        second.begin()
        revs.append(second.messages.next_rev())
        second.commit()
        assert revs == sorted(set(revs))
    finally:
        first.close()
        second.close()


def test_connections_the_server_dropped_are_made_again(
    database_url: str, postgres: PostgresServer
) -> None:
    """A PostgreSQL restart or failover drops every connection: the host goes on without one."""
    db = Database(PostgresBackend(database_url))
    try:
        db.write(lambda s: s.users.insert("ana", "ana"))
        name = database_url.rsplit("/", 1)[1]
        ours = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'"
        deadline = time.monotonic() + 10  # the readers connect as their threads start
        while int(postgres.sql(ours)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        dropped = postgres.sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        assert int(dropped) == 3  # the writer and both readers
        assert db.write(lambda s: s.users.insert("bo", "bo")).name == "bo"
        names = {db.read(lambda s: tuple(u.name for u in s.users.all())) for _ in range(4)}
        assert names == {("ana", "bo")}  # every reader, each connected again
    finally:
        db.close()
