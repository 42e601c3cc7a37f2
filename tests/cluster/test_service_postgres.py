"""The chat rules (tests/unit/test_service.py) on PostgreSQL storage: the same tests, the
chat rules run by the storage worker on a fresh database of the session's throwaway server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.storage.postgres.store import PostgresBackend
from backend.storage.worker import Database
from tests.unit.test_service import *  # noqa: F403


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(PostgresBackend(database_url))
    yield database
    database.close()
