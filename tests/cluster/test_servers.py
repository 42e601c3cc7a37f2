"""The throwaway servers themselves (servers.py): they start, answer a real client, and stop."""

from __future__ import annotations

import os

import psycopg

from tests.cluster.servers import PostgresServer, RedisServer


def test_redis_starts_answers_ping_and_stops() -> None:
    server = RedisServer()
    pid = server.pid
    assert pid is not None
    try:
        assert server.cli("PING").strip() == "PONG"
        assert server.cli("SET", "k", "v").strip() == "OK"
        assert server.cli("GET", "k").strip() == "v"
        assert server.cli("CONFIG", "GET", "save").split() == ["save"]  # no persistence
    finally:
        server.stop()
    assert not _alive(pid)
    assert not server.root.exists()


def test_the_session_postgres_serves_a_database_per_test(
    postgres: PostgresServer, database_url: str
) -> None:
    with psycopg.connect(database_url) as db:
        row = db.execute("SELECT current_setting('server_encoding'), current_user").fetchone()
        assert row == ("UTF8", "postgres")
        assert db.execute("SELECT max(version) FROM parley_schema").fetchone() == (1,)
    assert postgres.pid is not None and _alive(postgres.pid)
    assert str(postgres.port) in database_url and "127.0.0.1" in database_url


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
