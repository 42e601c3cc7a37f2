"""The chat rules (tests/unit/test_service.py) on PostgreSQL storage: the same tests, the
chat rules run by the storage worker on a fresh database of the session's throwaway server."""

from __future__ import annotations

import pytest

from backend.storage.worker import Database
from tests.unit.test_service import *  # noqa: F403


@pytest.fixture
def db(postgres_worker: Database) -> Database:
    return postgres_worker
