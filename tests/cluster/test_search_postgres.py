"""The search suite (tests/unit/test_search_storage.py: how words are cut and matched, file names,
the membership filter, the date window) against PostgreSQL's tsvector search, through this
module's ``store`` and ``set_sent_at``; then what is PostgreSQL's alone (docs/deploy.md, "What
differs on PostgreSQL")."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from backend.storage.postgres.store import PostgresBackend, PostgresStore
from tests.unit.test_search_storage import *  # noqa: F403
from tests.unit.test_search_storage import SetSentAt, _found


@pytest.fixture
def store(database_url: str) -> Iterator[PostgresStore]:
    opened = PostgresBackend(database_url).open_writer()
    yield opened
    opened.close()


@pytest.fixture
def set_sent_at(database_url: str) -> SetSentAt:
    def set_them(stamps: dict[int, str]) -> None:
        with psycopg.connect(database_url, autocommit=True) as db:
            db.cursor().executemany(
                "UPDATE message SET created_at = %s WHERE id = %s",
                [(at, message_id) for message_id, at in stamps.items()],
            )

    return set_them


def test_a_word_past_the_index_limit_is_stored_but_not_indexed(store: PostgresStore) -> None:
    # PostgreSQL indexes words up to 2,047 bytes (SQLite has no such limit): a longer one is left
    # out of the tsvector, and the message with it is still sent and found by its other words.
    ana = store.users.insert("ana", "ana")
    room = store.rooms.insert("general", "general", kind="channel", created_by=None)
    store.members.insert(room.id, ana.id)
    long_word = "x" * 2048
    sent, _ = store.messages.insert(room.id, ana, "c-long", f"standup {long_word}")
    assert store.messages.get(sent.id) is not None
    assert _found(store, ana.id, "standup") == [f"standup {long_word}"]
    assert _found(store, ana.id, long_word + " ") == []
