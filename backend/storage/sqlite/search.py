"""What a person types into the search box → an FTS5 query that cannot be a syntax error.

FTS5's query language has operators (AND, OR, NOT, NEAR, column filters, quotes). People type words,
so every word is quoted (operators become plain words), and the last word matches as a prefix while
it is still being typed — from three letters on: the index keeps 3- and 4-letter prefixes (schema.py),
and a shorter prefix would match a large part of the vocabulary.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+", re.UNICODE)
# Words past this add nothing a person meant, and each one is another index walk.
MAX_TERMS = 10
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
