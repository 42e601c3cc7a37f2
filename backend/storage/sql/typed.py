"""What a person typed into the search box, as the words both engines' queries are built from.

Every word must match; the last one matches as a prefix while it is still being typed (no space
after it), from three letters on: a shorter prefix would match a large part of the vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words past this add nothing a person meant, and each one is another index walk.
MAX_TERMS = 10
# The shortest word that matches as a prefix (SQLite's index keeps 3- and 4-letter prefixes).
MIN_PREFIX = 3


def typed_words(text: str, word: re.Pattern[str]) -> tuple[list[str], bool]:
    """The words of ``text`` (as the engine's tokenizer cuts them), and whether the last is a
    prefix. :raise ValueError: no word in ``text``."""
    words = word.findall(text)[:MAX_TERMS]
    if not words:
        raise ValueError("no words to search for")
    return words, not text[-1:].isspace() and len(words[-1]) >= MIN_PREFIX


def gather(matches: Iterable[tuple[int, int]], limit: int) -> dict[int, list[int]]:
    """(message id, file id) pairs, newest message first → message id → its file ids, for the
    first ``limit`` + 1 messages."""
    found: dict[int, list[int]] = {}
    for message_id, file_id in matches:
        if message_id not in found:
            if len(found) > limit:
                break
            found[message_id] = []
        found[message_id].append(file_id)
    return found
