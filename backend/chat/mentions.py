"""Who a message names with ``@name``: matched against the host's user names, longest first.

Names may contain spaces ("Ana Lopez"), so a mention is not a single word: at each ``@`` the longest
known name that follows, ignoring case and width and ending at a non-word character, wins.
"""

from __future__ import annotations

import bisect

from .names import name_key

# A message naming more people than this is a roll call, not a set of mentions.
MAX_MENTIONS = 50


class Names:
    """The host's users by name key, kept by the service as users are created."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._by_length: list[str] = []

    def add(self, user_id: int, name: str) -> None:
        key = name_key(name)
        if key not in self._ids:
            # Into its place, longest first: sorting all names per join made a crowd's arrival
            # O(N² log N).
            bisect.insort(self._by_length, key, key=lambda k: -len(k))
        self._ids[key] = user_id

    def rename(self, user_id: int, old: str, new: str) -> None:
        """A user's new name: @old no longer names them (a new message would not reach them)."""
        if self._ids.get(name_key(old)) == user_id:
            del self._ids[name_key(old)]
            self._by_length.remove(name_key(old))
        self.add(user_id, new)

    def __len__(self) -> int:
        """How many names the host has (people and bots)."""
        return len(self._ids)

    def find(self, text: str) -> list[int]:
        """Ids of the users mentioned in ``text``, in order of first mention."""
        found: list[int] = []
        start = text.find("@")
        while start != -1 and len(found) < MAX_MENTIONS:
            if start == 0 or not _is_word(text[start - 1]):
                user_id, length = self._match(text, start + 1)
                if user_id is not None and user_id not in found:
                    found.append(user_id)
                start = text.find("@", start + 1 + length)
            else:
                start = text.find("@", start + 1)
        return found

    def _match(self, text: str, at: int) -> tuple[int | None, int]:
        for key in self._by_length:
            # Keys are NFKC-casefolded; comparing the same-length slice folded the same way is
            # exact for the names people type (a rare ligature changing length just won't match).
            end = at + len(key)
            if end > len(text) or name_key(text[at:end]) != key:
                continue
            if end < len(text) and _is_word(text[end]):
                continue
            return self._ids[key], len(key)
        return None, 0


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"
