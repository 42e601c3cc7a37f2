"""Every row of a SQLite database, table by table, for moving a host to PostgreSQL
(storage/postgres/load.py; the command is backend/move.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

# Rows read per fetch: a few MB of messages at a time, whatever the history's size.
BATCH = 2000


class Dump:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def tables(self) -> set[str]:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {str(row[0]) for row in rows}

    def rows(self, table: str, columns: list[str]) -> Iterator[tuple[object, ...]]:
        """The table's rows (these columns, in this order); by id where there is one, so a reply
        comes after the message it answers."""
        names = ", ".join(f'"{c}"' for c in columns)
        order = " ORDER BY id" if "id" in columns else ""
        cur = self._db.execute(f'SELECT {names} FROM "{table}"{order}')  # noqa: S608
        while batch := cur.fetchmany(BATCH):
            yield from (tuple(row) for row in batch)

    def high_water(self) -> dict[str, int]:
        """The largest id each AUTOINCREMENT table ever handed out (deleted rows included), and
        the last change number: what the new database's sequences must start past."""
        marks = {
            str(r[0]): int(r[1]) for r in self._db.execute("SELECT name, seq FROM sqlite_sequence")
        }
        rev = self._db.execute("SELECT value FROM counter WHERE name = 'rev'").fetchone()
        marks["rev"] = int(rev[0]) if rev else 0
        return marks

    def checkpoint(self) -> None:
        """Fold the WAL into the database file, so the file alone holds everything."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
