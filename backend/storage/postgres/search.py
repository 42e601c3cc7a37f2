"""What a person types into the search box → a ``tsquery`` that cannot be a syntax error.

The words are cut as SQLite's ``unicode61`` tokenizer cuts them (storage/sqlite/search.py): runs
of letters and digits, everything else a separator, accents dropped (``unaccent``, on both sides),
case folded. Every word must match; the last one matches as a prefix while it is still being typed,
from three letters on, as on SQLite. Only letters and digits reach ``to_tsquery``, so no operator
a person types is read as one.
"""

from __future__ import annotations

import re

# Letters and digits: "_" separates words here, as it does in the index (schema.py).
WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Words past this add nothing a person meant.
MAX_TERMS = 10
# The shortest word that matches as a prefix (as on SQLite, where shorter would scan the vocabulary).
MIN_PREFIX = 3


def ts_query(text: str) -> str:
    """The words of ``text`` as a ``to_tsquery('simple', …)`` argument."""
    words = WORD.findall(text)[:MAX_TERMS]
    if not words:
        raise ValueError("no words to search for")
    terms = [w.lower() for w in words]
    if not text[-1:].isspace() and len(words[-1]) >= MIN_PREFIX:
        terms[-1] += ":*"
    return " & ".join(terms)
