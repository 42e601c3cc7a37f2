"""Storage against real SQLite files: schema, migrations, idempotent inserts, paging."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.models import User
from backend.storage.sqlite import schema
from backend.storage.sqlite.store import SqliteBackend, SqliteStore, connect


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteBackend(tmp_path / "t.sqlite3", synchronous="full").open_writer()
    yield opened
    opened.close()


def _user(store: SqliteStore, name: str = "ana") -> User:
    return store.users.insert(name, name.casefold())


def test_migrate_sets_version_and_is_idempotent(tmp_path: Path) -> None:
    db = connect(tmp_path / "t.sqlite3", synchronous="full")
    assert schema.migrate(db) == len(schema.MIGRATIONS)
    assert schema.migrate(db) == len(schema.MIGRATIONS)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(schema.MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = connect(tmp_path / "t.sqlite3", synchronous="normal")
    db.execute(f"PRAGMA user_version = {len(schema.MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        schema.migrate(db)


def test_insert_message_twice_with_same_client_id_returns_the_first(store: SqliteStore) -> None:
    ana = _user(store)
    room = store.rooms.insert("general", "general", kind="channel", created_by=None)
    first, created = store.messages.insert(room.id, ana, "c-1", "hello")
    again, created_again = store.messages.insert(room.id, ana, "c-1", "hello edited?")
    assert created and not created_again
    assert again == first
    assert store.messages.count() == 1


def test_same_client_id_from_two_users_are_two_messages(store: SqliteStore) -> None:
    ana, bo = _user(store, "ana"), _user(store, "bo")
    room = store.rooms.insert("general", "general", kind="channel", created_by=None)
    a, _ = store.messages.insert(room.id, ana, "same", "from ana")
    b, _ = store.messages.insert(room.id, bo, "same", "from bo")
    assert a.id != b.id


def test_pages_after_before_and_latest(store: SqliteStore) -> None:
    ana = _user(store)
    room = store.rooms.insert("general", "general", kind="channel", created_by=None)
    other = store.rooms.insert("other", "other", kind="channel", created_by=None)
    ids = []
    for n in range(10):
        ids.append(store.messages.insert(room.id, ana, f"c{n}", str(n))[0].id)
        store.messages.insert(other.id, ana, f"o{n}", "noise")

    latest = store.messages.page(room.id, after_id=None, before_id=None, limit=3)
    assert [m.id for m in latest.messages] == ids[-3:] and latest.has_more

    older = store.messages.page(room.id, after_id=None, before_id=ids[-3], limit=3)
    assert [m.id for m in older.messages] == ids[-6:-3] and older.has_more

    oldest = store.messages.page(room.id, after_id=None, before_id=ids[2], limit=5)
    assert [m.id for m in oldest.messages] == ids[:2] and not oldest.has_more

    after = store.messages.page(room.id, after_id=ids[4], before_id=None, limit=3)
    assert [m.id for m in after.messages] == ids[5:8] and after.has_more
    tail = store.messages.page(room.id, after_id=ids[7], before_id=None, limit=3)
    assert [m.id for m in tail.messages] == ids[8:] and not tail.has_more


def test_names_are_unique_by_key(store: SqliteStore) -> None:
    _user(store, "Ana")
    with pytest.raises(sqlite3.IntegrityError):
        store.users.insert("ANA", "ana")


def test_device_token_lookup_and_replacement(store: SqliteStore) -> None:
    ana = _user(store)
    store.devices.insert(ana.id, "hash-1")
    assert _token_user(store, "hash-1") == ana
    store.devices.replace_token(ana.id, "window", "hash-2")
    store.devices.replace_token(ana.id, "window", "hash-3")
    assert _token_user(store, "hash-2") is None
    assert _token_user(store, "hash-3") == ana
    assert len(store.devices.all()) == 2


def _token_user(store: SqliteStore, token_hash: str) -> User | None:
    found = store.devices.by_token_hash(token_hash)
    return found[0] if found else None


def test_membership(store: SqliteStore) -> None:
    ana = _user(store)
    room = store.rooms.insert("x", "x", kind="channel", created_by=ana.id)
    assert store.members.insert(room.id, ana.id)
    assert not store.members.insert(room.id, ana.id)
    assert store.members.room_ids_of(ana.id) == {room.id}
    assert store.members.of_room(room.id) == [ana]
    assert store.members.delete(room.id, ana.id)
    assert not store.members.contains(room.id, ana.id)


def test_rooms_and_devices_of_some_people_in_one_query_each(store: SqliteStore) -> None:
    """What a process reads after a message-queue outage (chat/outage.py): per person asked,
    their rooms and devices; someone with none gets an empty entry, nobody else is listed."""
    ana, bo, cy = _user(store, "ana"), _user(store, "bo"), _user(store, "cy")
    room = store.rooms.insert("x", "x", kind="channel", created_by=ana.id)
    store.members.insert(room.id, ana.id)
    store.members.insert(room.id, cy.id)
    laptop = store.devices.insert(ana.id, "hash-1")
    phone = store.devices.insert(ana.id, "hash-2")
    assert store.members.room_ids_of_some([ana.id, bo.id]) == {ana.id: {room.id}, bo.id: set()}
    assert store.devices.of_some([ana.id, bo.id]) == {ana.id: [laptop, phone], bo.id: []}
    assert store.members.room_ids_of_some([]) == {} and store.devices.of_some([]) == {}


def test_last_message_id_on_rooms(store: SqliteStore) -> None:
    ana = _user(store)
    room = store.rooms.insert("x", "x", kind="channel", created_by=None)
    assert store.rooms.get(room.id).last_message_id == 0  # type: ignore[union-attr]
    message, _ = store.messages.insert(room.id, ana, "c", "t")
    assert store.rooms.get(room.id).last_message_id == message.id  # type: ignore[union-attr]


def test_users_by_ids_and_by_pages(store: SqliteStore) -> None:
    """Issue 17: a client asks for the people it does not know, by id or a page at a time."""
    made = [_user(store, f"p{i}") for i in range(7)]
    ids = [u.id for u in made]
    assert [u.id for u in store.users.some([ids[5], ids[1], 999_999])] == [ids[1], ids[5]]
    assert store.users.some([]) == []
    assert [u.name for u in store.users.some([ids[2]])] == ["p2"]
    pages, after = [], 0
    while page := store.users.page(after, 3):
        pages.append([u.id for u in page])
        after = page[-1].id
    assert pages == [ids[0:3], ids[3:6], ids[6:7]]
