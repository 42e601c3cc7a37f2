"""PostgreSQL rows → models, shared by the row groups (each group's own shapes stay in its module).

Rows are read by column name or position (``Row``), as ``sqlite3.Row`` allows, so each row group
reads like its SQLite twin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...models import Attachment, User

# A psycopg connection whose rows are ``Row``s (store.connect). Typed loosely, as sqlite3's rows
# are: each row group knows the shape of what it selected.
Connection = Any

# The columns every file query selects, in the order ``attachment_from_row`` reads them.
FILE_COLUMNS = "id, room_id, uploader_id, message_id, name, size, mime, kind, sha256"

# The user columns every user query selects (``u`` is the users table), for ``user_from_row``.
USER_COLUMNS = (
    "u.id, u.name, u.is_host, u.is_bot, u.avatar, u.is_admin, u.status, u.status_text, "
    "u.status_auto, u.name_chosen"
)


class Row(tuple[Any, ...]):
    """A result row, by position or by column name."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)


def row_factory(cursor: Any) -> Any:
    """psycopg's row-factory hook: one ``Row`` subclass per result shape."""
    description = cursor.description
    if description is None:
        return tuple
    shape = type("Row", (Row,), {"names": {c.name: n for n, c in enumerate(description)}})

    def make(values: Sequence[Any]) -> Row:
        row: Row = shape(values)
        return row

    return make


def one(db: Connection, sql: str, args: Sequence[Any] | None = None) -> Any:
    """The first row of a query, or None."""
    return db.execute(sql.encode(), args).fetchone()


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


def last_id(cur: Any) -> int:
    """The id an ``INSERT … RETURNING id`` just made."""
    row = cur.fetchone()
    assert row is not None  # every caller has just inserted one row
    return int(row[0])
