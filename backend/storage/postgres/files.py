"""PostgreSQL rows for files: uploads in progress and finished files (their bytes are in ``blobs``)."""

from __future__ import annotations

from typing import Any

from ...models import Attachment, Upload, utc_now
from .rows import FILE_COLUMNS, Connection, attachment_from_row, last_id

_UPLOAD_COLUMNS = "id, user_id, room_id, name, size, sha256, created_at"
# Hashes per array parameter: one query stays small however many hashes a sweep brings.
_IN_BATCH = 500
# Unattached files (message_id IS NULL) are found through file_message; PostgreSQL has no index
# hints, and its planner picks the index for so few rows.
_UNATTACHED = "file"


class Uploads:
    def __init__(self, db: Connection) -> None:
        self._db = db

    def insert(
        self, upload_id: str, user_id: int, room_id: int, name: str, size: int, sha256: str
    ) -> Upload:
        upload = Upload(upload_id, user_id, room_id, name, size, sha256, utc_now())
        self._db.execute(
            "INSERT INTO upload (id, user_id, room_id, name, size, sha256, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (upload_id, user_id, room_id, name, size, sha256, upload.created_at),
        )
        return upload

    def get(self, upload_id: str) -> Upload | None:
        row = self._db.execute(
            f"SELECT {_UPLOAD_COLUMNS} FROM upload WHERE id = %s", (upload_id,)
        ).fetchone()
        return _upload(row) if row else None

    def find(self, user_id: int, room_id: int, size: int, sha256: str) -> Upload | None:
        row = self._db.execute(
            f"SELECT {_UPLOAD_COLUMNS} FROM upload "
            "WHERE user_id = %s AND room_id = %s AND sha256 = %s AND size = %s ORDER BY created_at",
            (user_id, room_id, sha256, size),
        ).fetchone()
        return _upload(row) if row else None

    def usage_of_user(self, user_id: int) -> tuple[int, int]:
        row = self._db.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM upload WHERE user_id = %s", (user_id,)
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
            for row in self._db.execute(
                "SELECT id FROM upload WHERE created_at < %s", (created_at,)
            )
        ]
        self._db.execute("DELETE FROM upload WHERE created_at < %s", (created_at,))
        return ids

    def delete(self, upload_id: str) -> bool:
        return bool(self._db.execute("DELETE FROM upload WHERE id = %s", (upload_id,)).rowcount > 0)


class Files:
    def __init__(self, db: Connection) -> None:
        self._db = db

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
        cur = self._db.execute(
            "INSERT INTO file (room_id, uploader_id, name, size, mime, kind, sha256, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (room_id, uploader_id, name, size, mime, kind, sha256, utc_now()),
        )
        return Attachment(
            id=last_id(cur),
            room_id=room_id,
            name=name,
            size=size,
            mime=mime,
            kind=kind,
            sha256=sha256,
            uploader_id=uploader_id,
        )

    def get(self, file_id: int) -> Attachment | None:
        row = self._db.execute(f"SELECT {FILE_COLUMNS} FROM file WHERE id = %s", (file_id,))
        found = row.fetchone()
        return attachment_from_row(found) if found else None

    def named(self, hashes: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(hashes), _IN_BATCH):
            batch = hashes[start : start + _IN_BATCH]
            found.update(
                row[0]
                for row in self._db.execute(
                    "SELECT DISTINCT sha256 FROM file WHERE sha256 = ANY(%s)", (batch,)
                )
            )
        return found

    def unattached_of_user(self, uploader_id: int) -> tuple[int, int]:
        row = self._db.execute(
            f"SELECT count(*), coalesce(sum(size), 0) FROM {_UNATTACHED} "
            "WHERE message_id IS NULL AND uploader_id = %s",
            (uploader_id,),
        ).fetchone()
        return int(row[0]), int(row[1])

    def delete_unattached_before(self, created_at: str) -> int:
        cur = self._db.execute(
            f"DELETE FROM {_UNATTACHED} WHERE message_id IS NULL AND created_at < %s", (created_at,)
        )
        return int(cur.rowcount)

    def delete_unattached(self, file_id: int, uploader_id: int) -> str | None:
        row = self._db.execute(
            "DELETE FROM file WHERE id = %s AND uploader_id = %s AND message_id IS NULL "
            "RETURNING sha256",
            (file_id, uploader_id),
        ).fetchone()
        return row[0] if row else None

    def attach(self, message_id: int, room_id: int, uploader_id: int, file_ids: list[int]) -> int:
        cur = self._db.execute(
            "UPDATE file SET message_id = %s WHERE id = ANY(%s) AND room_id = %s "
            "AND uploader_id = %s AND message_id IS NULL",
            (message_id, file_ids, room_id, uploader_id),
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
