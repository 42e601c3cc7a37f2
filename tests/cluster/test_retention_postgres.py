"""Retention (tests/unit/test_retention.py: the sweep, rooms' own rules, who may set them, the
schedule) on PostgreSQL storage: the same tests, through this module's ``host`` on a fresh database
of the session's throwaway server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from backend.storage.postgres.store import PostgresBackend
from tests.unit.test_retention import *  # noqa: F403
from tests.unit.test_retention import (
    Host,
    test_the_sweep_interval_is_a_setting_and_must_be_positive,
)

# A setting, no storage: once is enough.
del test_the_sweep_interval_is_a_setting_and_must_be_positive


def _postgres_count(url: str, sql: str) -> int:
    with psycopg.connect(url, autocommit=True) as raw:
        row = raw.execute(sql).fetchone()
        assert row is not None
        return int(row[0])


@pytest.fixture
def host(tmp_path: Path, database_url: str) -> Iterator[Host]:
    h = Host(
        tmp_path, PostgresBackend(database_url), lambda sql: _postgres_count(database_url, sql)
    )
    yield h
    h.db.close()
