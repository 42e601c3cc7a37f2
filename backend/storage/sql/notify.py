"""Notification settings: one row of flags per person who changed any, one row per room whose
level is not the default (SQLite's schema migration 9)."""

from __future__ import annotations

from ...models import NotifySettings
from .rows import RowGroup


class NotifyRows(RowGroup):
    def of_user(self, user_id: int) -> NotifySettings:
        flags = self._db.execute(
            "SELECT dnd, sound_channels, sound_direct FROM notify_setting WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        rooms = self._db.execute(
            "SELECT room_id, level FROM room_notify WHERE user_id = ? ORDER BY room_id", (user_id,)
        )
        levels = tuple((int(row[0]), str(row[1])) for row in rooms)
        if flags is None:
            return NotifySettings(rooms=levels)
        return NotifySettings(
            dnd=bool(flags[0]),
            sound_channels=bool(flags[1]),
            sound_direct=bool(flags[2]),
            rooms=levels,
        )

    def set_flags(self, user_id: int, dnd: bool, sound_channels: bool, sound_direct: bool) -> None:
        self._db.execute(
            "INSERT INTO notify_setting (user_id, dnd, sound_channels, sound_direct) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET dnd = excluded.dnd, "
            "sound_channels = excluded.sound_channels, sound_direct = excluded.sound_direct",
            (user_id, dnd, sound_channels, sound_direct),
        )

    def set_room(self, user_id: int, room_id: int, level: str) -> None:
        if level == "all":
            self._db.execute(
                "DELETE FROM room_notify WHERE user_id = ? AND room_id = ?", (user_id, room_id)
            )
            return
        self._db.execute(
            "INSERT INTO room_notify (user_id, room_id, level) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, room_id) DO UPDATE SET level = excluded.level",
            (user_id, room_id, level),
        )
