"""SQLite's search: what a person types → an FTS5 query that cannot be a syntax error, and the
walks over the FTS5 indexes of message text and file names (the rest is sql/messages.py).

FTS5's query language has operators (AND, OR, NOT, NEAR, column filters, quotes). People type words,
so every word is quoted (operators become plain words), and the last word matches as a prefix while
it is still being typed — from three letters on: the index keeps 3- and 4-letter prefixes (schema.py),
and a shorter prefix would match a large part of the vocabulary.
"""

from __future__ import annotations

import re
from typing import Any

from ..sql.dialect import Connection, Filters, Search
from ..sql.messages import MESSAGE_SELECT

WORD = re.compile(r"\w+", re.UNICODE)
# Words past this add nothing a person meant, and each one is another index walk.
MAX_TERMS = 10
# File-name candidates checked against the search's filters in one query.
_FILE_BATCH = 100
# The shortest prefix the index keeps (prefix='3 4'): shorter ones would scan the vocabulary.
MIN_PREFIX = 3


def fts_query(text: str) -> str:
    words = WORD.findall(text)[:MAX_TERMS]
    if not words:
        raise ValueError("no words to search for")
    terms = [f'"{w}"' for w in words]
    if not text[-1:].isspace() and len(words[-1]) >= MIN_PREFIX:
        terms[-1] += "*"
    return " ".join(terms)


def in_text(
    db: Connection, query: str, low: int, high: int, filters: Filters, limit: int
) -> dict[int, Any]:
    where, args = filters
    # The FTS index drives the loop in descending rowid order and stops at LIMIT, so a common
    # word costs a page, not every match.
    sql = (
        MESSAGE_SELECT.replace(
            "FROM message m", "FROM message_fts f JOIN message m ON m.id = f.rowid", 1
        )
        + "WHERE message_fts MATCH ? AND f.rowid >= ? AND f.rowid < ? "
        + where
        + "ORDER BY f.rowid DESC LIMIT ?"
    )
    rows = db.execute(sql, [query, low, high, *args, limit + 1])
    return {row["id"]: row for row in rows}


def in_files(
    db: Connection, query: str, low: int, high: int, filters: Filters, limit: int
) -> dict[int, list[int]]:
    """Message id → ids of its files whose names match, for the newest limit + 1 messages.

    File ids do not follow message ids (a file may wait in the composer while others are
    sent), so the matching names are sorted by their message: from the file table alone, ids
    only (5 ms for 5,000 names; joining each one's message before sorting took 45). Then the
    candidates are checked against the filters a batch at a time, newest first, until enough
    pass."""
    where, args = filters
    candidates = db.execute(
        "SELECT fi.message_id, fi.id FROM file_fts ff JOIN file fi ON fi.id = ff.rowid "
        "WHERE file_fts MATCH ? AND fi.message_id >= ? AND fi.message_id < ? "
        "ORDER BY fi.message_id DESC, fi.id",
        (query, low, high),
    )
    found: dict[int, list[int]] = {}
    while len(found) <= limit:
        batch = candidates.fetchmany(_FILE_BATCH)
        if not batch:
            break
        ids = list(dict.fromkeys(message_id for message_id, _ in batch))
        passed = {
            row[0]
            for row in db.execute(
                f"SELECT m.id FROM message m WHERE m.id IN ({','.join('?' * len(ids))}) " + where,
                [*ids, *args],
            )
        }
        for message_id, file_id in batch:
            if message_id not in passed:
                continue
            if message_id not in found:
                if len(found) > limit:
                    break
                found[message_id] = []
            found[message_id].append(file_id)
    return found


SEARCH = Search(fts_query, in_text, in_files)
