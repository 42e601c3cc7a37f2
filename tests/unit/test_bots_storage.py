"""Bots and webhooks in real SQLite files: the migration that added them, their rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.chat.sessions import hash_token
from backend.storage.sqlite import schema
from backend.storage.sqlite.store import SqliteBackend, connect

# Found by what it does, not by its number: other migrations may come before or after it.
BOTS = next(n for n, step in enumerate(schema.MIGRATIONS) if "CREATE TABLE webhook" in step)


def test_people_stored_before_bots_existed_stay_people(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:BOTS])
        db = connect(path, synchronous="normal")
        schema.migrate(db)
        db.execute(
            "INSERT INTO user (name, name_key, is_host, created_at) VALUES ('Ana', 'ana', 0, 'x')"
        )
        db.close()
    store = SqliteBackend(path, synchronous="normal").open_writer()
    try:
        ana = store.users.by_name_key("ana")
        assert ana is not None and not ana.is_bot and ana.avatar is None
        assert ana.to_wire() == {
            "id": ana.id,
            "name": "Ana",
            "is_host": False,
            "bot": False,
            "admin": False,
            "status": "available",
            "status_text": "",
        }
        assert store.users.bots() == []
    finally:
        store.close()


def test_bots_their_tokens_and_webhooks(tmp_path: Path) -> None:
    store = SqliteBackend(tmp_path / "t.sqlite3", synchronous="normal").open_writer()
    try:
        store.begin()
        room = store.rooms.insert("builds", "builds", kind="channel", created_by=None)
        person = store.users.insert("Ana", "ana")
        bot = store.users.insert("CI", "ci", is_bot=True, avatar="🤖")
        assert bot.ref() == {"id": bot.id, "name": "CI", "bot": True}
        assert person.ref() == {"id": person.id, "name": "Ana"}
        first = store.devices.insert(bot.id, hash_token("one"), "bot")
        found = store.devices.by_token_hash(hash_token("one"))
        assert found is not None and found[0] == bot and found[1] == first
        assert store.users.bots() == [bot] and store.users.get(bot.id) == bot

        hook = store.webhooks.insert(bot.id, room.id, hash_token("secret"))
        got = store.webhooks.get(hook)
        assert got is not None and (got.bot_id, got.room_id, got.room_name) == (
            bot.id,
            room.id,
            "builds",
        )
        assert got.secret_hash == hash_token("secret") and "secret" not in str(got.to_wire())

        assert store.devices.delete_of_user(bot.id) == [first]
        assert store.devices.by_token_hash(hash_token("one")) is None
        assert store.devices.of_user(bot.id) == []
        assert store.webhooks.delete_of_bot(bot.id) == 1
        assert store.webhooks.all() == [] and store.webhooks.get(hook) is None
        store.commit()
    finally:
        store.close()
