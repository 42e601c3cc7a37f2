"""Profiles and statuses (tests/unit/test_profiles.py) on PostgreSQL storage: the same tests, the
chat rules run by the storage worker on a fresh database of the session's throwaway server."""

from __future__ import annotations

import psycopg
import pytest

from backend.storage.postgres.store import PostgresBackend
from backend.storage.worker import Database
from tests.unit.test_profiles import *  # noqa: F403
from tests.unit.test_profiles import (
    test_the_profiles_migration_asks_an_existing_host_person_their_name,
)

# SQLite's migration 7 on a SQLite file; PostgreSQL's schema starts with those columns (below).
del test_the_profiles_migration_asks_an_existing_host_person_their_name


@pytest.fixture
def db(postgres_worker: Database) -> Database:
    return postgres_worker


def test_the_database_keeps_statuses_to_the_three(database_url: str) -> None:
    store = PostgresBackend(database_url).open_writer()
    try:
        ana = store.users.insert("Ana", "ana")
        host = store.users.insert("vm", "vm", is_host=True)
        assert not host.name_chosen and ana.name_chosen
        store.begin()
        with pytest.raises(psycopg.errors.CheckViolation):
            store.users.set_status(ana.id, "busy", "", False)
        store.rollback()
        store.users.set_status(ana.id, "dnd", "in a meeting", False)
        again = store.users.get(ana.id)
        assert again is not None
        assert (again.status, again.status_text, again.status_auto) == (
            "dnd",
            "in a meeting",
            False,
        )
    finally:
        store.close()
