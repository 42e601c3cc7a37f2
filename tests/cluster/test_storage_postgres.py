"""The storage suite (tests/unit/test_storage.py) against PostgreSQL: the same tests, each on a
fresh database of the session's throwaway server (the search suite's twin is test_search_postgres.py).

Left out: the tests of SQLite's own files (its pragmas and migrations); PostgreSQL's migrations
are tested below.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

# Under other names: the star import below brings SQLite's ``schema`` and ``connect``.
from backend.storage.postgres import schema as pg_schema
from backend.storage.postgres.store import Link, PostgresBackend, PostgresStore
from backend.storage.postgres.store import connect as pg_connect
from tests.unit.test_storage import *  # noqa: F403
from tests.unit.test_storage import (
    test_migrate_sets_version_and_is_idempotent,
    test_names_are_unique_by_key,
    test_newer_schema_is_refused,
)

# SQLite's file, pragmas and error class: not this engine's (their twins are below).
del test_migrate_sets_version_and_is_idempotent, test_newer_schema_is_refused
del test_names_are_unique_by_key


@pytest.fixture
def store(database_url: str) -> Iterator[PostgresStore]:
    opened = PostgresBackend(database_url).open_writer()
    yield opened
    opened.close()


def test_migrate_records_the_version_and_is_idempotent(database_url: str) -> None:
    db = pg_connect(database_url)
    try:
        assert pg_schema.migrate(db) == len(pg_schema.MIGRATIONS)
        assert pg_schema.migrate(db) == len(pg_schema.MIGRATIONS)
        assert pg_schema.version(db) == len(pg_schema.MIGRATIONS)
    finally:
        db.close()


def test_newer_schema_is_refused(database_url: str) -> None:
    db = pg_connect(database_url)
    try:
        db.execute(
            "INSERT INTO parley_schema (version) VALUES (%s)", (len(pg_schema.MIGRATIONS) + 1,)
        )
        with pytest.raises(RuntimeError, match="newer"):
            pg_schema.migrate(db)
    finally:
        db.close()


def test_names_are_unique_by_key(store: PostgresStore) -> None:
    store.users.insert("Ana", "ana")
    with pytest.raises(psycopg.errors.UniqueViolation):
        store.users.insert("ANA", "ana")


def test_shared_statements_are_rewritten_into_postgresql_spelling(database_url: str) -> None:
    # The row groups' SQL (backend/storage/sql/) is SQLite's spelling; the store's connection
    # rewrites it: ``?`` placeholders, the ``user`` table, and a literal ``%`` either way.
    link = Link(database_url, readonly=True)
    try:
        assert link.execute("SELECT count(*) FROM user").fetchone()[0] == 0
        assert link.execute("SELECT '5%' || ?", ("x",)).fetchone()[0] == "5%x"
        assert link.execute("SELECT '5%'").fetchone()[0] == "5%"
    finally:
        link.close()
