"""Storage against real SQLite files: schema, migrations, idempotent inserts, paging."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backend import storage
from backend.models import User
from backend.storage import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    db = storage.connect(tmp_path / "t.sqlite3", synchronous="full")
    storage.migrate(db)
    return Store(db)


def _user(store: Store, name: str = "ana") -> User:
    return store.insert_user(name, name.casefold())


def test_migrate_sets_version_and_is_idempotent(tmp_path: Path) -> None:
    db = storage.connect(tmp_path / "t.sqlite3", synchronous="full")
    assert storage.migrate(db) == len(storage.MIGRATIONS)
    assert storage.migrate(db) == len(storage.MIGRATIONS)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(storage.MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = storage.connect(tmp_path / "t.sqlite3", synchronous="normal")
    db.execute(f"PRAGMA user_version = {len(storage.MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer"):
        storage.migrate(db)


def test_insert_message_twice_with_same_client_id_returns_the_first(store: Store) -> None:
    ana = _user(store)
    room = store.insert_room("general", "general", kind="channel", created_by=None)
    first, created = store.insert_message(room.id, ana, "c-1", "hello")
    again, created_again = store.insert_message(room.id, ana, "c-1", "hello edited?")
    assert created and not created_again
    assert again == first
    assert store.count_messages() == 1


def test_same_client_id_from_two_users_are_two_messages(store: Store) -> None:
    ana, bo = _user(store, "ana"), _user(store, "bo")
    room = store.insert_room("general", "general", kind="channel", created_by=None)
    a, _ = store.insert_message(room.id, ana, "same", "from ana")
    b, _ = store.insert_message(room.id, bo, "same", "from bo")
    assert a.id != b.id


def test_pages_after_before_and_latest(store: Store) -> None:
    ana = _user(store)
    room = store.insert_room("general", "general", kind="channel", created_by=None)
    other = store.insert_room("other", "other", kind="channel", created_by=None)
    ids = []
    for n in range(10):
        ids.append(store.insert_message(room.id, ana, f"c{n}", str(n))[0].id)
        store.insert_message(other.id, ana, f"o{n}", "noise")

    latest = store.list_messages(room.id, after_id=None, before_id=None, limit=3)
    assert [m.id for m in latest.messages] == ids[-3:] and latest.has_more

    older = store.list_messages(room.id, after_id=None, before_id=ids[-3], limit=3)
    assert [m.id for m in older.messages] == ids[-6:-3] and older.has_more

    oldest = store.list_messages(room.id, after_id=None, before_id=ids[2], limit=5)
    assert [m.id for m in oldest.messages] == ids[:2] and not oldest.has_more

    after = store.list_messages(room.id, after_id=ids[4], before_id=None, limit=3)
    assert [m.id for m in after.messages] == ids[5:8] and after.has_more
    tail = store.list_messages(room.id, after_id=ids[7], before_id=None, limit=3)
    assert [m.id for m in tail.messages] == ids[8:] and not tail.has_more


def test_names_are_unique_by_key(store: Store) -> None:
    _user(store, "Ana")
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_user("ANA", "ana")


def test_device_token_lookup_and_replacement(store: Store) -> None:
    ana = _user(store)
    store.insert_device(ana.id, "hash-1")
    assert store.get_user_by_token_hash("hash-1") == ana
    store.replace_device_token(ana.id, "window", "hash-2")
    store.replace_device_token(ana.id, "window", "hash-3")
    assert store.get_user_by_token_hash("hash-2") is None
    assert store.get_user_by_token_hash("hash-3") == ana
    assert store.db.execute("SELECT count(*) FROM device").fetchone()[0] == 2


def test_membership(store: Store) -> None:
    ana = _user(store)
    room = store.insert_room("x", "x", kind="channel", created_by=ana.id)
    assert store.insert_member(room.id, ana.id)
    assert not store.insert_member(room.id, ana.id)
    assert store.list_room_ids_of_user(ana.id) == {room.id}
    assert store.list_members(room.id) == [ana]
    assert store.delete_member(room.id, ana.id)
    assert not store.is_member(room.id, ana.id)


def test_last_message_id_on_rooms(store: Store) -> None:
    ana = _user(store)
    room = store.insert_room("x", "x", kind="channel", created_by=None)
    assert store.get_room(room.id).last_message_id == 0  # type: ignore[union-attr]
    message, _ = store.insert_message(room.id, ana, "c", "t")
    assert store.get_room(room.id).last_message_id == message.id  # type: ignore[union-attr]
