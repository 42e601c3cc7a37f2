"""Filling an empty PostgreSQL database with a SQLite host's rows (the command is backend/move.py).

Each table is copied with COPY, ids included, in an order that satisfies the foreign keys, inside
one transaction: a failure leaves the database as empty as it was. Then every identity sequence is
set past the largest id SQLite ever handed out (deleted rows too: ids are never reused), and the
change-number sequence past the last change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .rows import Connection

# SQLite table → PostgreSQL table, parents before children.
TABLES: tuple[tuple[str, str], ...] = (
    ("user", "users"),
    ("device", "device"),
    ("room", "room"),
    ("room_member", "room_member"),
    ("message", "message"),
    ("reaction", "reaction"),
    ("mention", "mention"),
    ("read_mark", "read_mark"),
    ("host_setting", "host_setting"),
    ("upload", "upload"),
    ("file", "file"),
    ("webhook", "webhook"),
    ("sign_in_link", "sign_in_link"),
    ("notify_setting", "notify_setting"),
    ("room_notify", "room_notify"),
)
# Tables with an identity id (their sequences are set after the copy).
_IDENTITY = ("users", "device", "room", "message", "file", "webhook", "sign_in_link")
# Columns PostgreSQL computes itself (the search words).
_COMPUTED = {"words"}
# Tables whose rows say the database is in use already.
_IN_USE = ("users", "room", "message", "host_setting")

Rows = Callable[[str, list[str]], Iterable[tuple[object, ...]]]


def in_use(db: Connection) -> list[str]:
    """The tables that already hold rows (the move refuses such a database)."""
    return [t for t in _IN_USE if db.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]]


def columns(db: Connection, table: str) -> list[str]:
    rows = db.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,),
    )
    return [str(r[0]) for r in rows if r[0] not in _COMPUTED]


def load(db: Connection, rows: Rows, high_water: dict[str, int]) -> dict[str, int]:
    """Copy every table through ``rows(sqlite_table, columns)``; rows copied per table.

    ``db`` is in autocommit mode; the whole copy is one transaction."""
    counts: dict[str, int] = {}
    with db.transaction():
        for source, target in TABLES:
            names = columns(db, target)
            listed = ", ".join(names)
            n = 0
            with db.cursor().copy(f"COPY {target} ({listed}) FROM STDIN") as copy:
                for row in rows(source, names):
                    copy.write_row(row)
                    n += 1
            counts[target] = n
        for table in _IDENTITY:
            sqlite_name = "user" if table == "users" else table
            top = db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            past = max(int(top), high_water.get(sqlite_name, 0))
            # is_called false on an empty table: the next id is 1, as on a fresh database.
            db.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                (table, max(past, 1), past > 0),
            )
        rev = db.execute("SELECT coalesce(max(rev), 0) FROM message").fetchone()[0]
        last = max(int(rev), high_water.get("rev", 0))
        db.execute("SELECT setval('rev_seq', %s, %s)", (max(last, 1), last > 0))
    return counts
