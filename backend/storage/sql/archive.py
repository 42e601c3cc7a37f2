"""Rows for export and import (docs/export.md): history read a page at a time as archive
records, and rows written with the times and links an archive carries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...archive import AttachmentRecord, MessageRecord, RoomRecord, UserRecord
from .rows import RowGroup


class ArchiveRows(RowGroup):
    # -- export ----------------------------------------------------------------------------------

    def last_message_id(self) -> int:
        row = self._db.execute("SELECT coalesce(max(id), 0) FROM message").fetchone()
        return int(row[0])

    def room_ids(self, *, dms_of: int | None = None) -> list[int]:
        if dms_of is None:
            return [row[0] for row in self._db.execute("SELECT id FROM room ORDER BY id")]
        rows = self._db.execute(
            "SELECT r.id FROM room r JOIN room_member rm ON rm.room_id = r.id AND rm.user_id = ? "
            "WHERE r.kind = 'dm' ORDER BY r.id",
            (dms_of,),
        )
        return [row[0] for row in rows]

    def room_by_name(self, name: str) -> int | None:
        row = self._db.execute("SELECT id FROM room WHERE name_key = ?", (name,)).fetchone()
        return int(row[0]) if row else None

    def rooms(self, room_ids: list[int]) -> list[RoomRecord]:
        if not room_ids:
            return []
        members: dict[int, list[str]] = {}
        among, args = self._dialect.among(room_ids)
        for row in self._db.execute(
            "SELECT rm.room_id, u.name FROM room_member rm JOIN user u ON u.id = rm.user_id "
            f"WHERE rm.room_id {among} ORDER BY u.name_key",
            args,
        ):
            members.setdefault(row[0], []).append(row[1])
        rows = self._db.execute(
            "SELECT r.id, r.kind, r.name, r.created_at, u.name AS creator FROM room r "
            "LEFT JOIN user u ON u.id = r.created_by "
            f"WHERE r.id {among} ORDER BY r.id",
            args,
        )
        return [
            RoomRecord(
                id=row["id"],
                kind=row["kind"],
                name=row["name"],
                members=tuple(members.get(row["id"], ())),
                created_at=row["created_at"],
                created_by=row["creator"],
            )
            for row in rows
        ]

    def users_after(self, after_id: int, limit: int) -> list[tuple[int, UserRecord]]:
        rows = self._db.execute(
            "SELECT id, name, is_host, created_at FROM user WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        )
        return [(row["id"], _user(row)) for row in rows]

    def users_named(self, names: list[str]) -> list[UserRecord]:
        found: list[UserRecord] = []
        for start in range(0, len(names), 500):  # well under SQLite's host-parameter limit
            among, args = self._dialect.among(names[start : start + 500])
            found += [
                _user(row)
                for row in self._db.execute(
                    f"SELECT name, is_host, created_at FROM user WHERE name {among} ORDER BY id",
                    args,
                )
            ]
        return found

    def messages(
        self, room_id: int, after_id: int, up_to_id: int, limit: int
    ) -> list[MessageRecord]:
        """A room's messages with after_id < id <= up_to_id, oldest first, as archive records."""
        rows = self._db.execute(
            "SELECT m.id, u.name AS author, m.client_id, m.text, m.created_at, m.edited_at, "
            "m.deleted_at, m.reply_to FROM message m JOIN user u ON u.id = m.author_id "
            "WHERE m.room_id = ? AND m.id > ? AND m.id <= ? ORDER BY m.id LIMIT ?",
            (room_id, after_id, up_to_id, limit),
        ).fetchall()
        if not rows:
            return []
        among, args = self._dialect.among([row["id"] for row in rows])
        reactions: dict[int, dict[str, list[str]]] = {}
        for row in self._db.execute(
            "SELECT r.message_id, r.emoji, u.name FROM reaction r JOIN user u ON u.id = r.user_id "
            f"WHERE r.message_id {among} ORDER BY r.created_at, r.emoji, r.user_id",
            args,
        ):
            reactions.setdefault(row[0], {}).setdefault(row[1], []).append(row[2])
        files: dict[int, list[AttachmentRecord]] = {}
        for row in self._db.execute(
            "SELECT message_id, name, size, mime, kind, sha256 FROM file "
            f"WHERE message_id {among} ORDER BY id",
            args,
        ):
            files.setdefault(row["message_id"], []).append(
                AttachmentRecord(row["name"], row["size"], row["mime"], row["kind"], row["sha256"])
            )
        return [
            MessageRecord(
                id=row["id"],
                author=row["author"],
                client_id=row["client_id"],
                text=row["text"],
                created_at=row["created_at"],
                edited_at=row["edited_at"],
                deleted=row["deleted_at"] is not None,
                deleted_at=row["deleted_at"],
                reply_to=row["reply_to"],
                reactions=tuple(
                    (emoji, tuple(users)) for emoji, users in reactions.get(row["id"], {}).items()
                ),
                attachments=tuple(files.get(row["id"], ())),
            )
            for row in rows
        ]

    # -- import ----------------------------------------------------------------------------------

    def insert_user(
        self, name: str, name_key: str, skeleton: str, shape: str, created_at: str
    ) -> int:
        return self._insert(
            "INSERT INTO user (name, name_key, name_skeleton, name_shape, is_host, created_at) "
            "VALUES (?, ?, ?, ?, FALSE, ?)",
            (name, name_key, skeleton, shape, created_at),
        )

    def insert_room(
        self,
        kind: str,
        name: str,
        name_key: str | None,
        dm_key: str | None,
        created_by: int | None,
        created_at: str,
    ) -> int:
        return self._insert(
            "INSERT INTO room (kind, name, name_key, dm_key, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (kind, name, name_key, dm_key, created_by, created_at),
        )

    def room_by_dm_key(self, dm_key: str) -> int | None:
        row = self._db.execute("SELECT id FROM room WHERE dm_key = ?", (dm_key,)).fetchone()
        return int(row[0]) if row else None

    def message_of(self, author_id: int, client_id: str) -> tuple[int, int] | None:
        """(id, room id) of the author's message with this client_id."""
        row = self._db.execute(
            "SELECT id, room_id FROM message WHERE author_id = ? AND client_id = ?",
            (author_id, client_id),
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def insert_message(
        self,
        room_id: int,
        author_id: int,
        record: MessageRecord,
        reply_to: int | None,
    ) -> int:
        deleted_at = (record.deleted_at or record.created_at) if record.deleted else None
        return self._insert(
            "INSERT INTO message (room_id, author_id, client_id, text, created_at, edited_at, "
            "deleted_at, reply_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                room_id,
                author_id,
                record.client_id,
                "" if record.deleted else record.text,
                record.created_at,
                record.edited_at,
                deleted_at,
                reply_to,
            ),
        )

    def insert_reactions(
        self, message_id: int, created_at: str, rows: Iterable[tuple[str, int]]
    ) -> None:
        # Reactions are listed in the order they were first added (their created_at). The archive
        # keeps that order but not the times, so each gets the message's time plus its place.
        self._db.executemany(
            "INSERT INTO reaction (message_id, emoji, user_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                (message_id, emoji, user_id, f"{created_at}#{n:06d}")
                for n, (emoji, user_id) in enumerate(rows)
            ],
        )

    def insert_file(
        self,
        room_id: int,
        uploader_id: int,
        message_id: int,
        file: AttachmentRecord,
        created_at: str,
    ) -> None:
        self._db.execute(
            "INSERT INTO file (room_id, uploader_id, message_id, name, size, mime, kind, sha256, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                room_id,
                uploader_id,
                message_id,
                file.name,
                file.size,
                file.mime,
                file.kind,
                file.sha256,
                created_at,
            ),
        )


def _user(row: Any) -> UserRecord:
    return UserRecord(name=row["name"], is_host=bool(row["is_host"]), created_at=row["created_at"])
