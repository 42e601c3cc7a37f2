"""SQLite's answers where the shared statements (storage/sql/) cannot be the same text; the
statements themselves are written in SQLite's spelling, so they run as they are."""

from __future__ import annotations

from collections.abc import Sequence

from ..sql.dialect import Connection, Dialect
from .search import SEARCH


def among(values: Sequence[object]) -> tuple[str, list[object]]:
    """``IN (?,?,?)``: one parameter a value (callers keep lists under SQLite's 32,766)."""
    return f"IN ({','.join('?' * len(values))})", list(values)


def insert(db: Connection, sql: str, args: Sequence[object]) -> int | None:
    cur = db.execute(sql, args)
    return int(cur.lastrowid) if cur.rowcount == 1 else None


DIALECT = Dialect(
    among=among,
    insert=insert,
    # One counter row, so numbers never repeat, whatever rows are deleted later.
    next_rev="UPDATE counter SET value = value + 1 WHERE name = 'rev' RETURNING value",
    # Unattached files are found through the message_id index (``message_id IS NULL``): there are
    # few of them, among many attached ones. Named, so a future ANALYZE cannot talk the planner
    # into a scan.
    unattached_files="file INDEXED BY file_message",
    search=SEARCH,
)
