"""The throwaway servers themselves (servers.py): they start, answer a real client, and stop."""

from __future__ import annotations

import os
import tempfile
import urllib.request
from pathlib import Path

import psycopg

from tests.cluster.servers import HaproxyServer, PostgresServer, RedisServer
from tests.hostproc import HostProcess


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


def test_redis_restarts_on_the_same_port_empty() -> None:
    server = RedisServer()
    try:
        port, old = server.port, server.pid
        server.cli("SET", "k", "v")
        server.restart()
        assert server.port == port and server.pid != old and old is not None and not _alive(old)
        assert server.cli("GET", "k").strip() == ""  # nothing kept
    finally:
        server.stop()


def test_haproxy_starts_in_front_of_a_host_and_stops() -> None:

    with tempfile.TemporaryDirectory() as tmp:
        host = HostProcess(Path(tmp), "--open")
        proxy = HaproxyServer([host.url.removeprefix("http://").rstrip("/")])
        pid = proxy.pid
        try:
            with urllib.request.urlopen(proxy.url + "healthz", timeout=10) as answer:
                assert answer.status == 200
                assert "PARLEY_HOST=h0" in answer.headers.get("Set-Cookie", "")  # sticky cookie
        finally:
            proxy.stop()
            host.stop()
        assert pid is not None and not _alive(pid)
        assert not proxy.root.exists()
