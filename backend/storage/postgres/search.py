"""PostgreSQL's search: what a person types → a ``tsquery`` that cannot be a syntax error, and the
walks over the tsvector columns of message text and file names (the rest is sql/messages.py).

The words are cut as SQLite's ``unicode61`` tokenizer cuts them (storage/sqlite/search.py): runs
of letters and digits, everything else a separator, accents dropped (``unaccent``, on both sides),
case folded. Every word must match; the last one matches as a prefix while it is still being typed,
from three letters on, as on SQLite. Only letters and digits reach ``to_tsquery``, so no operator
a person types is read as one.
"""

from __future__ import annotations

import re

from ..sql.dialect import Connection, Filters, Search
from ..sql.typed import gather, typed_words

# Letters and digits: "_" separates words here, as it does in the index (schema.py).
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def ts_query(text: str) -> str:
    """The words of ``text`` as a ``to_tsquery('simple', …)`` argument."""
    words, prefix = typed_words(text, WORD)
    terms = [w.lower() for w in words]
    if prefix:
        terms[-1] += ":*"
    return " & ".join(terms)


def in_files(
    db: Connection, query: str, low: int, high: int, filters: Filters, limit: int
) -> dict[int, list[int]]:
    """Message id → ids of its files whose names match, for the newest limit + 1 messages
    (file ids do not follow message ids: a file may wait in the composer while others are
    sent, so they are ordered by their message)."""
    where, args = filters
    rows = db.execute(
        "SELECT m.id, fi.id FROM file fi JOIN message m ON m.id = fi.message_id "
        "WHERE fi.words @@ to_tsquery('simple', unaccent(?)) AND fi.message_id >= ? "
        "AND fi.message_id < ? " + where + "ORDER BY m.id DESC, fi.id",
        [query, low, high, *args],
    )
    return gather(rows, limit)


SEARCH = Search(
    query=ts_query,
    text_from="FROM message m",
    # The GIN index finds the matches, the primary key orders them newest first.
    text_match="m.words @@ to_tsquery('simple', unaccent(?))",
    text_id="m.id",
    in_files=in_files,
)
