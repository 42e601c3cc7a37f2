"""Fixtures for tests with real servers: one PostgreSQL and one Redis per session (servers.py), a
fresh database per test, copied from a template that already holds Parley's schema."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend import Settings
from backend.storage.postgres.store import PostgresBackend
from backend.storage.worker import Database
from tests.cluster.servers import PostgresServer, RedisServer

TEMPLATE = "parley_template"
_numbers = itertools.count(1)


def make_template(server: PostgresServer) -> None:
    """Parley's schema in TEMPLATE, migrated once: every database made from it is a copy (CREATE
    DATABASE … TEMPLATE: a file copy). The tests' and the benchmarks' servers."""
    server.create_database(TEMPLATE)
    PostgresBackend(server.url(TEMPLATE)).open_writer().close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        make_template(server)
        yield server
    finally:
        server.stop()


@pytest.fixture
def database_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh database with Parley's schema, dropped after the test."""
    name = f"t{next(_numbers)}"
    url = postgres.create_database(name, template=TEMPLATE)
    yield url
    postgres.drop_database(name)


@pytest.fixture
def postgres_worker(database_url: str) -> Iterator[Database]:
    """The storage worker on the test's fresh database: the ``db`` of unit tests run on
    PostgreSQL (a module's own ``db`` fixture returns it)."""
    database = Database(PostgresBackend(database_url))
    yield database
    database.close()


def _redis() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


redis_server = pytest.fixture(scope="session", name="redis_server")(_redis)
# A module's own, for the tests that stop or restart it (the session's is every module's).
own_redis = pytest.fixture(scope="module", name="own_redis")(_redis)


@pytest.fixture
def settings(tmp_path: Path, settings: Settings, database_url: str) -> Settings:
    """The shared test settings, with the host's storage on PostgreSQL."""
    return settings.replace(database_url=database_url)


@pytest.fixture(autouse=True)
def _database_for_child_hosts(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hosts a test starts as child processes (tests/hostproc.py) use the test's database too,
    in every test of a ``*_on_postgres`` module (an integration module run on PostgreSQL). After
    tests/conftest.py's ``_clean_env``, which empties PARLEY_* first."""
    if request.module.__name__.endswith("_on_postgres") or "database_url" in request.fixturenames:
        url = request.getfixturevalue("database_url")
        monkeypatch.setenv("PARLEY_DATABASE_URL", url)
