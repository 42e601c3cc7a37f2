"""Rows for rooms: the rooms themselves, who is in them, and how far each has read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ...models import Room, User, utc_now
from ..interface import RETENTION_KEY
from .rows import USER_COLUMNS, RowGroup, user_from_row

# The host's default retention, read with every room so each carries its effective rule.
_HOST_RETENTION = f"(SELECT value FROM host_setting WHERE key = '{RETENTION_KEY}')"
_ROOM_SELECT = (
    "SELECT r.id, r.name, r.kind, r.created_at, "
    "COALESCE((SELECT max(id) FROM message WHERE room_id = r.id), 0) AS last_message_id, "
    "COALESCE((SELECT max(rev) FROM message WHERE room_id = r.id AND rev > 0), 0) AS last_rev, "
    f"r.retention_days AS own_retention, {_HOST_RETENTION} AS host_retention "
    "FROM room r"
)


class Rooms(RowGroup):
    def get(self, room_id: int) -> Room | None:
        row = self._db.execute(_ROOM_SELECT + " WHERE r.id = ?", (room_id,)).fetchone()
        return self._with_members([_room(row)])[0] if row else None

    def by_name_key(self, name_key: str) -> Room | None:
        row = self._db.execute(_ROOM_SELECT + " WHERE r.name_key = ?", (name_key,)).fetchone()
        return _room(row) if row else None

    def by_dm_key(self, dm_key: str) -> Room | None:
        row = self._db.execute(_ROOM_SELECT + " WHERE r.dm_key = ?", (dm_key,)).fetchone()
        return self._with_members([_room(row)])[0] if row else None

    def visible_to(self, user_id: int) -> list[Room]:
        channels = self._db.execute(_ROOM_SELECT + " WHERE r.kind = 'channel' ORDER BY r.name_key")
        dms = self._db.execute(
            _ROOM_SELECT + " JOIN room_member rm ON rm.room_id = r.id AND rm.user_id = ? "
            "WHERE r.kind = 'dm' ORDER BY r.id",
            (user_id,),
        )
        return [_room(row) for row in channels] + self._with_members([_room(row) for row in dms])

    def insert(
        self,
        name: str,
        name_key: str | None,
        *,
        kind: str,
        created_by: int | None,
        dm_key: str | None = None,
    ) -> Room:
        now = utc_now()
        new_id = self._insert(
            "INSERT INTO room (kind, name, name_key, created_by, created_at, dm_key) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (kind, name, name_key, created_by, now, dm_key),
        )
        return Room(id=new_id, name=name, kind=kind, created_at=now)

    def set_retention(self, room_id: int, days: int | None) -> bool:
        cur = self._db.execute("UPDATE room SET retention_days = ? WHERE id = ?", (days, room_id))
        return bool(cur.rowcount == 1)

    def with_retention(self) -> list[tuple[int, int]]:
        rows = self._db.execute(
            # The setting is text: an integer here, as the room's own column is one.
            "SELECT id, COALESCE(retention_days, "
            f"CAST(NULLIF({_HOST_RETENTION}, '') AS INTEGER)) FROM room ORDER BY id"
        )
        return [(row[0], int(row[1])) for row in rows if row[1] is not None and int(row[1]) > 0]

    def _with_members(self, rooms: list[Room]) -> list[Room]:
        """Direct messages carry their participants (channels list them with members.list)."""
        dms = [r.id for r in rooms if r.is_dm]
        if not dms:
            return rooms
        members: dict[int, list[User]] = {}
        among, args = self._dialect.among(dms)
        for row in self._db.execute(
            f"SELECT rm.room_id, {USER_COLUMNS} FROM room_member rm "
            f"JOIN user u ON u.id = rm.user_id WHERE rm.room_id {among} "
            "ORDER BY u.id",
            args,
        ):
            members.setdefault(row["room_id"], []).append(user_from_row(row))
        return [replace(r, members=tuple(members.get(r.id, ()))) if r.is_dm else r for r in rooms]


class Members(RowGroup):
    def room_ids_of(self, user_id: int) -> set[int]:
        rows = self._db.execute("SELECT room_id FROM room_member WHERE user_id = ?", (user_id,))
        return {row[0] for row in rows}

    def room_ids_of_some(self, user_ids: Sequence[int]) -> dict[int, set[int]]:
        sql = "SELECT user_id, room_id FROM room_member WHERE user_id {among}"
        return {u: set(rooms) for u, rooms in self._ids_by(sql, user_ids).items()}

    def contains(self, room_id: int, user_id: int) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM room_member WHERE room_id = ? AND user_id = ?", (room_id, user_id)
        ).fetchone()
        return row is not None

    def insert(self, room_id: int, user_id: int) -> bool:
        cur = self._db.execute(
            "INSERT INTO room_member (room_id, user_id, joined_at) VALUES (?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (room_id, user_id, utc_now()),
        )
        return bool(cur.rowcount == 1)

    def delete(self, room_id: int, user_id: int) -> bool:
        cur = self._db.execute(
            "DELETE FROM room_member WHERE room_id = ? AND user_id = ?", (room_id, user_id)
        )
        return bool(cur.rowcount == 1)

    def of_room(self, room_id: int) -> list[User]:
        rows = self._db.execute(
            f"SELECT {USER_COLUMNS} FROM room_member rm JOIN user u ON u.id = rm.user_id "
            "WHERE rm.room_id = ? ORDER BY u.name_key",
            (room_id,),
        )
        return [user_from_row(row) for row in rows]

    def ids_of_room(self, room_id: int) -> list[int]:
        rows = self._db.execute("SELECT user_id FROM room_member WHERE room_id = ?", (room_id,))
        return [row[0] for row in rows]


class ReadMarks(RowGroup):
    def get(self, user_id: int, room_id: int) -> int:
        row = self._db.execute(
            "SELECT last_read_id FROM read_mark WHERE user_id = ? AND room_id = ?",
            (user_id, room_id),
        ).fetchone()
        return int(row[0]) if row else 0

    def of_user(self, user_id: int) -> dict[int, int]:
        rows = self._db.execute(
            "SELECT room_id, last_read_id FROM read_mark WHERE user_id = ?", (user_id,)
        )
        return {row[0]: row[1] for row in rows}

    def of_room(self, room_id: int) -> list[tuple[int, int]]:
        rows = self._db.execute(
            "SELECT rm.user_id, COALESCE(k.last_read_id, 0) FROM room_member rm "
            "LEFT JOIN read_mark k ON k.user_id = rm.user_id AND k.room_id = rm.room_id "
            "WHERE rm.room_id = ? ORDER BY rm.user_id",
            (room_id,),
        )
        return [(row[0], row[1]) for row in rows]

    def set(self, user_id: int, room_id: int, message_id: int) -> tuple[int, bool]:
        # An upsert whose update only applies forward: two devices reading at once cannot move
        # the mark back.
        cur = self._db.execute(
            "INSERT INTO read_mark (user_id, room_id, last_read_id) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, room_id) DO UPDATE SET last_read_id = excluded.last_read_id "
            "WHERE excluded.last_read_id > read_mark.last_read_id",
            (user_id, room_id, message_id),
        )
        return self.get(user_id, room_id), bool(cur.rowcount == 1)

    def count_unread(
        self, room_id: int, after_id: int, up_to_id: int, reader: int, cap: int
    ) -> tuple[int, int]:
        count = self._db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM message WHERE room_id = ? AND id > ? AND id <= ? "
            "AND author_id != ? AND deleted_at IS NULL LIMIT ?) AS unread",
            (room_id, after_id, up_to_id, reader, cap),
        ).fetchone()
        mentions = self._db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM mention mn JOIN message m ON m.id = mn.message_id "
            "WHERE mn.user_id = ? AND mn.message_id > ? AND mn.message_id <= ? AND m.room_id = ? "
            "LIMIT ?) AS mentioned",
            (reader, after_id, up_to_id, room_id, cap),
        ).fetchone()
        return int(count[0]), int(mentions[0])


def _room(row: Any) -> Room:
    return Room(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        created_at=row["created_at"],
        last_message_id=row["last_message_id"],
        last_rev=row["last_rev"],
        retention_days=effective_retention(row["own_retention"], row["host_retention"]),
        retention_own=row["own_retention"] is not None,
    )


def effective_retention(own: int | None, host: str | None) -> int | None:
    """The days a room keeps messages: its own rule (0: forever), else the host's; None: forever."""
    days = own if own is not None else (int(host) if host else None)
    return days or None
