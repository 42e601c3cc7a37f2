"""People's names with a real database (tests/unit/test_names.py: look-alikes refused at join,
the host's own name, the look keys the database itself enforces) on PostgreSQL storage: the same
tests, through this module's ``db`` on a fresh database of the session's throwaway server. The
rules without a database, and SQLite's migration of a data dir from before look keys (PostgreSQL's
schema starts with them), are tests/unit's alone."""

from __future__ import annotations

import psycopg
import pytest

from backend.storage.postgres.store import PostgresBackend
from backend.storage.worker import Database
from tests.unit.test_names import (  # noqa: F401  (collected here, on this module's ``db``)
    refuses_a_second_of_each_look_key,
    service,
    test_five_carols_make_one_person,
    test_invisible_characters_alone_are_invalid_not_taken,
    test_the_host_user_is_told_apart_from_a_look_alike_already_here,
    test_the_hosts_name_is_kept_until_the_host_user_exists,
)


@pytest.fixture
def db(postgres_worker: Database) -> Database:
    return postgres_worker


def test_the_database_enforces_each_look_key(database_url: str) -> None:
    store = PostgresBackend(database_url).open_writer()
    try:
        refuses_a_second_of_each_look_key(store, psycopg.errors.UniqueViolation)
    finally:
        store.close()
