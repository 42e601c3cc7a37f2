"""SQLite rows for incoming webhooks (a secret URL posting as a bot into one room)."""

from __future__ import annotations

import sqlite3

from ...models import Webhook, utc_now
from .rows import last_id

_SELECT = (
    "SELECT w.id, w.bot_id, w.room_id, r.name AS room_name, w.secret_hash, w.created_at "
    "FROM webhook w JOIN room r ON r.id = w.room_id "
)


class Webhooks:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def insert(self, bot_id: int, room_id: int, secret_hash: str) -> int:
        cur = self._db.execute(
            "INSERT INTO webhook (bot_id, room_id, secret_hash, created_at) VALUES (?, ?, ?, ?)",
            (bot_id, room_id, secret_hash, utc_now()),
        )
        return last_id(cur)

    def get(self, webhook_id: int) -> Webhook | None:
        row = self._db.execute(_SELECT + "WHERE w.id = ?", (webhook_id,)).fetchone()
        return _webhook(row) if row else None

    def all(self) -> list[Webhook]:
        return [_webhook(row) for row in self._db.execute(_SELECT + "ORDER BY w.id")]

    def delete(self, webhook_id: int) -> bool:
        return self._db.execute("DELETE FROM webhook WHERE id = ?", (webhook_id,)).rowcount == 1

    def delete_of_bot(self, bot_id: int) -> int:
        return self._db.execute("DELETE FROM webhook WHERE bot_id = ?", (bot_id,)).rowcount


def _webhook(row: sqlite3.Row) -> Webhook:
    return Webhook(
        id=row["id"],
        bot_id=row["bot_id"],
        room_id=row["room_id"],
        room_name=row["room_name"],
        secret_hash=row["secret_hash"],
        created_at=row["created_at"],
    )
