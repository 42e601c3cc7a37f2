"""Rows for incoming webhooks (a secret URL posting as a bot into one room)."""

from __future__ import annotations

from typing import Any

from ...models import Webhook, utc_now
from .rows import RowGroup

_SELECT = (
    "SELECT w.id, w.bot_id, w.room_id, r.name AS room_name, w.secret_hash, w.created_at "
    "FROM webhook w JOIN room r ON r.id = w.room_id "
)


class Webhooks(RowGroup):
    def insert(self, bot_id: int, room_id: int, secret_hash: str) -> int:
        return self._insert(
            "INSERT INTO webhook (bot_id, room_id, secret_hash, created_at) VALUES (?, ?, ?, ?)",
            (bot_id, room_id, secret_hash, utc_now()),
        )

    def get(self, webhook_id: int) -> Webhook | None:
        row = self._db.execute(_SELECT + "WHERE w.id = ?", (webhook_id,)).fetchone()
        return _webhook(row) if row else None

    def all(self) -> list[Webhook]:
        return [_webhook(row) for row in self._db.execute(_SELECT + "ORDER BY w.id")]

    def delete(self, webhook_id: int) -> bool:
        cur = self._db.execute("DELETE FROM webhook WHERE id = ?", (webhook_id,))
        return bool(cur.rowcount == 1)

    def delete_of_bot(self, bot_id: int) -> int:
        return int(self._db.execute("DELETE FROM webhook WHERE bot_id = ?", (bot_id,)).rowcount)


def _webhook(row: Any) -> Webhook:
    return Webhook(
        id=row["id"],
        bot_id=row["bot_id"],
        room_id=row["room_id"],
        room_name=row["room_name"],
        secret_hash=row["secret_hash"],
        created_at=row["created_at"],
    )
