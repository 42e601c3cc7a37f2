"""What the engines do differently in the statements they share, named in one small object.

The shared row groups (this package) write their SQL once, in SQLite's spelling: ``?`` marks a
parameter, the people's table is ``user``, booleans are ``TRUE``/``FALSE`` and plain truth tests
(SQLite reads them as 1/0). PostgreSQL's connection rewrites each statement into its spelling once
(storage/postgres/dialect.py); everything that cannot be a rewrite is a field of ``Dialect``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# An engine's connection: sqlite3's, or PostgreSQL's Link (storage/postgres/store.py). Typed
# loosely: each row group knows the shape of what it selected, and reads rows by name or position.
Connection = Any

# A query's extra conditions (``AND …``) and their parameters, as the search's filters build them.
Filters = tuple[str, list[object]]


@dataclass(frozen=True)
class Search:
    """Full-text search: SQLite's FTS5 tables against PostgreSQL's tsvector columns.

    ``query`` turns what a person typed into the engine's query. The walk over message text is
    shared (sql/messages.py), from the index's three parts here; ``in_files`` walks file names
    newest message first within the id window ``[low, high)``, kept to messages passing the
    filters, stopping past ``limit`` messages: message id → its matching files."""

    query: Callable[[str], str]
    # What the text walk reads instead of ``FROM message m``: the index joined to the messages.
    text_from: str
    # The match, its one parameter the query.
    text_match: str
    # The id the walk runs down, newest first.
    text_id: str
    in_files: Callable[[Connection, str, int, int, Filters, int], dict[int, list[int]]]


@dataclass(frozen=True)
class Dialect:
    """One engine's answers where the shared statements cannot be the same text."""

    # A list of values to match a column against: the SQL after the column, and its parameters.
    among: Callable[[Sequence[object]], tuple[str, list[object]]]
    # Run an INSERT of one row; the id it made, or None when ON CONFLICT DO NOTHING skipped it.
    insert: Callable[[Connection, str, Sequence[object]], int | None]
    # A statement whose one row holds the next change number (never handed out twice).
    next_rev: str
    # The file table as the unattached-file queries name it (SQLite pins the index to use).
    unattached_files: str
    search: Search
