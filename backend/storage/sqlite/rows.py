"""SQLite rows → models, shared by the row groups (each group's own shapes stay in its module)."""

from __future__ import annotations

import sqlite3

from ...models import Attachment, User

# The columns every file query selects, in the order ``attachment_from_row`` reads them.
FILE_COLUMNS = "id, room_id, uploader_id, message_id, name, size, mime, kind, sha256"


def last_id(cur: sqlite3.Cursor) -> int:
    assert cur.lastrowid is not None  # every caller has just inserted one row
    return cur.lastrowid


def marks(n: int) -> str:
    """``?, ?, ?`` for an IN list of ``n`` values."""
    return ",".join("?" * n)


# The user columns every user query selects (``u`` is the user table), for ``user_from_row``.
USER_COLUMNS = (
    "u.id, u.name, u.is_host, u.is_bot, u.avatar, u.is_admin, u.status, u.status_text, "
    "u.status_auto, u.name_chosen"
)


def user_from_row(row: sqlite3.Row) -> User:
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


def attachment_from_row(row: sqlite3.Row) -> Attachment:
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
