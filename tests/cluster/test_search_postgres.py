"""The search suite (tests/unit/test_search_storage.py) against PostgreSQL's tsvector search, and
what it shares with SQLite's tokenizer: accents, punctuation and prefixes."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from backend.storage.postgres.store import PostgresBackend, PostgresStore
from tests.unit.test_search_storage import *  # noqa: F403
from tests.unit.test_search_storage import _pages, test_the_date_window

# It sets the stamps through SQLite's file; its twin below does it through PostgreSQL.
del test_the_date_window


@pytest.fixture
def store(database_url: str) -> Iterator[PostgresStore]:
    opened = PostgresBackend(database_url).open_writer()
    yield opened
    opened.close()


def _found(store: PostgresStore, user_id: int, query: str) -> list[str]:
    hits, _ = store.messages.search(
        user_id, query, room_id=None, author_id=None, before_id=None, limit=20
    )
    return [hit.message.text for hit in hits]


def test_words_are_cut_and_matched_as_on_sqlite(store: PostgresStore) -> None:
    ana = store.users.insert("ana", "ana")
    room = store.rooms.insert("general", "general", kind="channel", created_by=None)
    store.members.insert(room.id, ana.id)
    texts = ["Café au lait", "deploy_script ran", "Q3-report.pdf is out", "the deployment"]
    texts += ["Привет, мир—как дела?"]
    for n, text in enumerate(texts):
        store.messages.insert(room.id, ana, f"c{n}", text)
    assert _found(store, ana.id, "cafe") == ["Café au lait"]  # accents dropped on both sides
    assert _found(store, ana.id, "CAFÉ LAIT") == ["Café au lait"]
    assert _found(store, ana.id, "report") == ["Q3-report.pdf is out"]  # punctuation separates
    assert _found(store, ana.id, "script") == ["deploy_script ran"]
    # The last word is a prefix while typed (newest first); a finished word is whole.
    assert _found(store, ana.id, "dep") == ["the deployment", "deploy_script ran"]
    assert _found(store, ana.id, "deploy ") == ["deploy_script ran"]
    assert _found(store, ana.id, "de") == []  # too short to be a prefix
    # Letters beyond ASCII are letters, and non-ASCII punctuation separates words.
    assert _found(store, ana.id, "мир") == ["Привет, мир—как дела?"]
    assert _found(store, ana.id, "привет как") == ["Привет, мир—как дела?"]
    # Operators are words, never syntax.
    assert _found(store, ana.id, "lait & | ! :*") == ["Café au lait"]


def test_the_date_window_on_postgres(store: PostgresStore, database_url: str) -> None:
    ana = store.users.insert("ana", "ana")
    room = store.rooms.insert("general", "general", kind="channel", created_by=None)
    store.members.insert(room.id, ana.id)
    days = ["2026-12-01", "2026-12-02", "2026-12-02", "2026-12-03", "2026-12-05"]
    ids = []
    for n in range(len(days)):
        message, _ = store.messages.insert(room.id, ana, f"c-{n}", f"standup {n}")
        ids.append(message.id)
    # The host stamps sends itself; another connection sets them to known days for the bounds.
    with psycopg.connect(database_url, autocommit=True) as db:
        for message_id, day in zip(ids, days, strict=True):
            db.execute(
                "UPDATE message SET created_at = %s WHERE id = %s",
                (f"{day}T09:00:00.000Z", message_id),
            )

    def found(after: str | None = None, before: str | None = None) -> list[int]:
        return sorted(
            m for page in _pages(store, ana, "standup", after=after, before=before) for m in page
        )

    assert found() == ids
    assert found(after="2026-12-02T00:00:00.000Z") == ids[1:]
    assert found(after="2026-12-02T09:00:00.000Z") == ids[1:]  # inclusive
    assert found(before="2026-12-02T09:00:00.000Z") == ids[:1]  # exclusive
    assert found(after="2026-12-02T00:00:00.000Z", before="2026-12-04T00:00:00.000Z") == ids[1:4]
    assert found(after="2026-12-04T00:00:00.000Z", before="2026-12-05T00:00:00.000Z") == []
    assert found(after="2027-01-01T00:00:00.000Z") == []
    assert found(before="2026-01-01T00:00:00.000Z") == []
