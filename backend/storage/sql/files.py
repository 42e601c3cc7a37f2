"""Rows for files: uploads in progress and finished files (their bytes are in ``blobs``)."""

from __future__ import annotations

from typing import Any

from ...models import Attachment, Upload, utc_now
from .rows import FILE_COLUMNS, RowGroup, attachment_from_row

_UPLOAD_COLUMNS = "id, user_id, room_id, name, size, sha256, created_at"
# Hashes per list: well under SQLite's default limit of 32,766 host parameters (one array
# parameter on PostgreSQL, kept small however many hashes a sweep brings).
_IN_BATCH = 500


class Uploads(RowGroup):
    def insert(
        self, upload_id: str, user_id: int, room_id: int, name: str, size: int, sha256: str
    ) -> Upload:
        upload = Upload(upload_id, user_id, room_id, name, size, sha256, utc_now())
        self._db.execute(
            "INSERT INTO upload (id, user_id, room_id, name, size, sha256, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (upload_id, user_id, room_id, name, size, sha256, upload.created_at),
        )
        return upload

    def get(self, upload_id: str) -> Upload | None:
        row = self._db.execute(
            f"SELECT {_UPLOAD_COLUMNS} FROM upload WHERE id = ?", (upload_id,)
        ).fetchone()
        return _upload(row) if row else None

    def find(self, user_id: int, room_id: int, size: int, sha256: str) -> Upload | None:
        row = self._db.execute(
            f"SELECT {_UPLOAD_COLUMNS} FROM upload "
            "WHERE user_id = ? AND room_id = ? AND sha256 = ? AND size = ? ORDER BY created_at",
            (user_id, room_id, sha256, size),
        ).fetchone()
        return _upload(row) if row else None

    def usage_of_user(self, user_id: int) -> tuple[int, int]:
        row = self._db.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM upload WHERE user_id = ?", (user_id,)
        ).fetchone()
        return int(row[0]), int(row[1])

    def reserved(self) -> int:
        row = self._db.execute("SELECT coalesce(sum(size), 0) FROM upload").fetchone()
        return int(row[0])

    def ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT id FROM upload")}

    def delete_created_before(self, created_at: str) -> list[str]:
        ids = [
            row[0]
            for row in self._db.execute("SELECT id FROM upload WHERE created_at < ?", (created_at,))
        ]
        self._db.execute("DELETE FROM upload WHERE created_at < ?", (created_at,))
        return ids

    def delete(self, upload_id: str) -> bool:
        cur = self._db.execute("DELETE FROM upload WHERE id = ?", (upload_id,))
        return bool(cur.rowcount > 0)


class Files(RowGroup):
    def insert(
        self,
        room_id: int,
        uploader_id: int,
        name: str,
        size: int,
        mime: str,
        kind: str,
        sha256: str,
    ) -> Attachment:
        new_id = self._insert(
            "INSERT INTO file (room_id, uploader_id, name, size, mime, kind, sha256, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (room_id, uploader_id, name, size, mime, kind, sha256, utc_now()),
        )
        return Attachment(
            id=new_id,
            room_id=room_id,
            name=name,
            size=size,
            mime=mime,
            kind=kind,
            sha256=sha256,
            uploader_id=uploader_id,
        )

    def get(self, file_id: int) -> Attachment | None:
        row = self._db.execute(f"SELECT {FILE_COLUMNS} FROM file WHERE id = ?", (file_id,))
        found = row.fetchone()
        return attachment_from_row(found) if found else None

    def named(self, hashes: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(hashes), _IN_BATCH):
            batch = hashes[start : start + _IN_BATCH]
            among, args = self._dialect.among(batch)
            found.update(
                row[0]
                for row in self._db.execute(
                    f"SELECT DISTINCT sha256 FROM file WHERE sha256 {among}", args
                )
            )
        return found

    def unattached_of_user(self, uploader_id: int) -> tuple[int, int]:
        row = self._db.execute(
            f"SELECT count(*), coalesce(sum(size), 0) FROM {self._dialect.unattached_files} "
            "WHERE message_id IS NULL AND uploader_id = ?",
            (uploader_id,),
        ).fetchone()
        return int(row[0]), int(row[1])

    def delete_unattached_before(self, created_at: str) -> int:
        cur = self._db.execute(
            f"DELETE FROM {self._dialect.unattached_files} WHERE message_id IS NULL AND created_at < ?",
            (created_at,),
        )
        return int(cur.rowcount)

    def delete_unattached(self, file_id: int, uploader_id: int) -> str | None:
        row = self._db.execute(
            "DELETE FROM file WHERE id = ? AND uploader_id = ? AND message_id IS NULL "
            "RETURNING sha256",
            (file_id, uploader_id),
        ).fetchone()
        return row[0] if row else None

    def attach(self, message_id: int, room_id: int, uploader_id: int, file_ids: list[int]) -> int:
        among, args = self._dialect.among(file_ids)
        cur = self._db.execute(
            f"UPDATE file SET message_id = ? WHERE id {among} AND room_id = ? "
            "AND uploader_id = ? AND message_id IS NULL",
            (message_id, *args, room_id, uploader_id),
        )
        return int(cur.rowcount)


def _upload(row: Any) -> Upload:
    return Upload(
        id=row["id"],
        user_id=row["user_id"],
        room_id=row["room_id"],
        name=row["name"],
        size=row["size"],
        sha256=row["sha256"],
        created_at=row["created_at"],
    )
