"""Rows → models, and the base every row group shares (each group's own shapes stay in its module)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...models import Attachment, User
from .dialect import Connection, Dialect

# The columns every file query selects, in the order ``attachment_from_row`` reads them.
FILE_COLUMNS = "id, room_id, uploader_id, message_id, name, size, mime, kind, sha256"

# The user columns every user query selects (``u`` is the user table), for ``user_from_row``.
USER_COLUMNS = (
    "u.id, u.name, u.is_host, u.is_bot, u.avatar, u.is_admin, u.status, u.status_text, "
    "u.status_auto, u.name_chosen"
)


class RowGroup:
    """One table family's statements on one connection, in one engine's dialect."""

    def __init__(self, db: Connection, dialect: Dialect) -> None:
        self._db = db
        self._dialect = dialect

    def _insert(self, sql: str, args: tuple[object, ...]) -> int:
        """Insert one row that cannot conflict; its new id."""
        new_id = self._dialect.insert(self._db, sql, args)
        assert new_id is not None  # nothing in ``sql`` lets the row be skipped
        return new_id

    def _firsts(self, sql: str, args: Sequence[object]) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self._db.execute(sql, args)]

    def _ids_by(self, sql: str, keys: Sequence[int]) -> dict[int, list[int]]:
        """For each key, the second column of the rows ``sql`` gives for it (its first column);
        ``sql`` says ``{among}`` where the keys go. An empty list for a key without rows."""
        found: dict[int, list[int]] = {k: [] for k in keys}
        if keys:
            among, args = self._dialect.among(keys)
            for row in self._db.execute(sql.format(among=among), args):
                found[int(row[0])].append(int(row[1]))
        return found


def user_from_row(row: Any) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        is_host=bool(row["is_host"]),
        is_bot=bool(row["is_bot"]),
        avatar=row["avatar"],
        is_admin=bool(row["is_admin"]),
        status=row["status"],
        status_text=row["status_text"],
        status_auto=bool(row["status_auto"]),
        name_chosen=bool(row["name_chosen"]),
    )


def attachment_from_row(row: Any) -> Attachment:
    return Attachment(
        id=row["id"],
        room_id=row["room_id"],
        name=row["name"],
        size=row["size"],
        mime=row["mime"],
        kind=row["kind"],
        sha256=row["sha256"],
        uploader_id=row["uploader_id"],
        message_id=row["message_id"],
    )
