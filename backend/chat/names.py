"""People's names: how a chosen name is cleaned up, which names are refused, and when two names are
the same name or only look like it.

Three keys per name, each unique per host (``user`` in storage/sqlite/schema.py):

- ``name_key``: the name ignoring case and width (NFKC, then case folding): "ＡＮＡ" is "ana".
  Mentions match it (chat/mentions.py) and lists are sorted by it.
- the *look keys* (``look_keys``), from the UTS #39 skeleton (https://www.unicode.org/reports/tr39/,
  confusables data in chat/confusables.py): two names that look alike have the same skeleton.
  One is the skeleton of the case-folded name, folded again, so case and look-alikes combine
  ("CAROL", "cаrol" with a Cyrillic а, "car0l", "caro1" are all "carol"); the other is the
  skeleton of the name as written, because folding turns a capital I into an i while it looks
  like an l ("caroI" is "carol"). One key cannot do both: the Greek capital iota folds to ι (i)
  but looks like l.

A name is what people see, so invisible characters are refused (``check_visible``); skeletons
ignore them, so a name that only adds some to a name already here is that name (name_taken).
"""

from __future__ import annotations

import bisect
import unicodedata

from ..errors import Invalid
from .confusables import DEFAULT_IGNORABLE, PROTOTYPES, VARIATION_SELECTORS

# Names people pick for themselves; short enough for a sidebar.
MAX_NAME_CHARS = 32
# Drawn as nothing although they are neither spaces nor Default_Ignorable_Code_Point (those are
# refused through DEFAULT_IGNORABLE): a name made of them looks empty, or like a shorter name.
BLANKS = frozenset(
    {
        "\u2800",  # BRAILLE PATTERN BLANK (So)
        "\U0001d159",  # MUSICAL SYMBOL NULL NOTEHEAD (So)
        "\U00016fe4",  # KHITAN SMALL SCRIPT FILLER (Mn)
    }
)
# General categories that count as something to see: letters, digits (numbers), symbols.
VISIBLE_CATEGORIES = ("L", "N", "S")

_INVISIBLE = "Names cannot contain control or invisible characters."


def _table(ranges: tuple[tuple[int, int], ...]) -> tuple[list[int], list[int]]:
    return [lo for lo, _ in ranges], [hi for _, hi in ranges]


def _member(table: tuple[list[int], list[int]], ch: str) -> bool:
    los, his = table
    at = bisect.bisect_right(los, ord(ch)) - 1
    return at >= 0 and ord(ch) <= his[at]


_IGNORABLE = _table(DEFAULT_IGNORABLE)
_SELECTORS = _table(VARIATION_SELECTORS)
_PROTOTYPE: dict[str, str] = {
    chr(int(source, 16)): "".join(chr(int(cp, 16)) for cp in target)
    for source, *target in (line.split() for line in PROTOTYPES.splitlines())
}


def display_name(value: str) -> tuple[str, str]:
    """A person's name as shown, and its ``name_key`` (``clean_name``, then ``check_visible``)."""
    name = clean_name(value)
    check_visible(name)
    return name, name_key(name)


def clean_name(value: str) -> str:
    """``value`` in NFC with its whitespace folded to single spaces.

    :raises Invalid: nothing left, or more than ``MAX_NAME_CHARS``.
    """
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not name:
        raise Invalid("Pick a name to show to others.", field="name")
    if len(name) > MAX_NAME_CHARS:
        raise Invalid(f"Names are at most {MAX_NAME_CHARS} characters.", field="name")
    return name


def check_visible(name: str) -> None:
    """Refuse a cleaned name holding anything that is not seen, or nothing to see.

    :raises Invalid: a control, format, default-ignorable or blank character, a variation
        selector with nothing before it to vary, or no letter, digit or symbol at all.
    """
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise Invalid(_INVISIBLE, field="name")
    seen = False
    before = " "
    for ch in name:
        if _member(_SELECTORS, ch):
            # A variation selector picks the look of the character before it ("❤️"); alone, after
            # a space or after another selector it shows nothing.
            if before == " " or _member(_IGNORABLE, before):
                raise Invalid(_INVISIBLE, field="name")
        elif _member(_IGNORABLE, ch) or ch in BLANKS:
            raise Invalid(_INVISIBLE, field="name")
        elif unicodedata.category(ch).startswith(VISIBLE_CATEGORIES):
            seen = True
        before = ch
    if not seen:
        raise Invalid("Names need at least one letter, digit or symbol.", field="name")


def name_key(name: str) -> str:
    """Names are the same name ignoring case and width ("ＡＮＡ" is "ana")."""
    return unicodedata.normalize("NFKC", name).casefold()


def look_keys(name: str) -> tuple[str, str]:
    """The name's two look keys (see the module docstring): folded, and as written.

    Two names look alike when either key is the same.
    """
    folded = unicodedata.normalize("NFKC", name_key(name))
    as_written = unicodedata.normalize("NFKC", name)
    return _squeeze(_fold(skeleton(folded))), _squeeze(skeleton(as_written))


def skeleton(text: str) -> str:
    """UTS #39 skeleton: NFD, default-ignorables dropped, each character by its prototype, NFD.

    ``BLANKS`` are dropped like default-ignorables (UTS #39 maps the Braille blank to a space).
    """
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(
        _PROTOTYPE.get(ch, ch)
        for ch in decomposed
        if ch not in BLANKS and not _member(_IGNORABLE, ch)
    )
    return unicodedata.normalize("NFD", mapped)


def _squeeze(text: str) -> str:
    # Dropped invisibles can leave spaces at the ends or side by side ("carol \u034f").
    return " ".join(text.split())


def _fold(text: str) -> str:
    # Prototypes can be capitals (0 → O): fold again, so "car0l" meets "carol".
    return unicodedata.normalize("NFD", text.casefold())


def fitting_name(preferred: str) -> str:
    """``preferred`` cut to leave room for a " 2" when it has to be told apart from another."""
    return " ".join(preferred.split())[: MAX_NAME_CHARS - 3] or "Host"
