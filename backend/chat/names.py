"""People's names: how a chosen name is cleaned up, and when two names are the same name."""

from __future__ import annotations

import unicodedata

from ..errors import Invalid

# Names people pick for themselves; short enough for a sidebar.
MAX_NAME_CHARS = 32


def display_name(value: str) -> tuple[str, str]:
    """A person's name as shown, and its comparison key (unique per host)."""
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not name:
        raise Invalid("Pick a name to show to others.", field="name")
    if len(name) > MAX_NAME_CHARS:
        raise Invalid(f"Names are at most {MAX_NAME_CHARS} characters.", field="name")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise Invalid("Names cannot contain control or invisible characters.", field="name")
    return name, name_key(name)


def name_key(name: str) -> str:
    """Names are the same name ignoring case and width ("ＡＮＡ" is "ana")."""
    return unicodedata.normalize("NFKC", name).casefold()


def fitting_name(preferred: str) -> str:
    """``preferred`` cut to leave room for a " 2" when it has to be told apart from another."""
    return " ".join(preferred.split())[: MAX_NAME_CHARS - 3] or "Host"
