"""PostgreSQL's answers where the shared statements (storage/sql/) cannot be the same text, and
the rewrite of those statements, written in SQLite's spelling, into PostgreSQL's.

The rewrite is made once per statement (``statement``, cached) by the store's connection (Link in
store.py), so every statement a row group runs reaches psycopg in PostgreSQL's spelling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..sql.dialect import Connection, Dialect
from .search import SEARCH

# ``user`` is a reserved word in PostgreSQL: the people's table is ``users`` there (schema.py).
_USER_TABLE = re.compile(r"\buser\b")
# Distinct statements: the row groups' own, times the search's filter combinations; well under.
_STATEMENTS = 1024


@lru_cache(maxsize=_STATEMENTS)
def statement(sql: str, with_params: bool = True) -> str:
    """A shared statement in PostgreSQL's spelling: the user table's name, and with parameters
    ``?`` → ``%s`` and a literal ``%`` doubled (psycopg reads ``%`` as a placeholder's start only
    when parameters are passed)."""
    named = _USER_TABLE.sub("users", sql)
    return named.replace("%", "%%").replace("?", "%s") if with_params else named


def among(values: Sequence[object]) -> tuple[str, list[object]]:
    """``= ANY(?)``: the whole list is one array parameter, one statement text for any length."""
    return "= ANY(?)", [list(values)]


def insert(db: Connection, sql: str, args: Sequence[object]) -> int | None:
    row = db.execute(sql + " RETURNING id", args).fetchone()
    return int(row[0]) if row is not None else None


DIALECT = Dialect(
    among=among,
    insert=insert,
    # A sequence: numbers never repeat, whatever rows are deleted or jobs rolled back later.
    next_rev="SELECT nextval('rev_seq')",
    # Unattached files (message_id IS NULL) are found through file_message; PostgreSQL has no
    # index hints, and its planner picks the index for so few rows.
    unattached_files="file",
    search=SEARCH,
)
