"""SQLite's search: what a person types → an FTS5 query that cannot be a syntax error, and the
walks over the FTS5 indexes of message text and file names (the rest is sql/messages.py).

FTS5's query language has operators (AND, OR, NOT, NEAR, column filters, quotes). People type words,
so every word is quoted (operators become plain words), and the last word matches as a prefix while
it is still being typed (sql/typed.py): the index keeps 3- and 4-letter prefixes (schema.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..sql.dialect import Connection, Filters, Search
from ..sql.typed import gather, typed_words

WORD = re.compile(r"\w+", re.UNICODE)
# File-name candidates checked against the search's filters in one query.
_FILE_BATCH = 100


def fts_query(text: str) -> str:
    words, prefix = typed_words(text, WORD)
    terms = [f'"{w}"' for w in words]
    if prefix:
        terms[-1] += "*"
    return " ".join(terms)


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

    def passing() -> Iterator[tuple[int, int]]:
        while True:
            batch = candidates.fetchmany(_FILE_BATCH)
            if not batch:
                return
            ids = list(dict.fromkeys(message_id for message_id, _ in batch))
            passed = {
                row[0]
                for row in db.execute(
                    f"SELECT m.id FROM message m WHERE m.id IN ({','.join('?' * len(ids))}) "
                    + where,
                    [*ids, *args],
                )
            }
            yield from ((m, f) for m, f in batch if m in passed)

    return gather(passing(), limit)


SEARCH = Search(
    query=fts_query,
    text_from="FROM message_fts f JOIN message m ON m.id = f.rowid",
    text_match="message_fts MATCH ?",
    # The FTS index's rowid, so the index itself walks in descending order.
    text_id="f.rowid",
    in_files=in_files,
)
