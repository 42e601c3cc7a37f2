"""Who each connection shows (issue 17): a client hears presence changes only of the people it
shows, as Slack's presence subscriptions do, so a window of changes costs the changed people's
watchers, not every connection times every change.

A connection watches what the host told it about (its welcome's users, those it asked for with
``get_users``), its DM partners and itself; ``watch_users`` replaces that with the set the client
names. Bounded per connection (``protocol.WATCH_USERS_MAX``). A connection whose welcome listed
every user (a small host, ``users_complete``) watches everyone instead, joins included, as before
per-client interest: its list is complete and stays so.

Held both ways, in flat arrays of 8-byte numbers rather than sets (sets cost ~60 bytes an entry: at
10,000 connections watching 101 people each, 61 MB against 19 MB, 1.9 KB a connection): per
connection the sorted
ids it watches, and per person the numbers of the connections watching them (the reverse index a
window reads). A connection gets a new number each time it says what it watches, never reused, so
forgetting one only drops its number; the reverse index keeps the stale numbers until a window
reads that person or they outnumber the live ones (then every list is compacted at once).
In memory and single-threaded, like ``Presence``.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator

from .. import protocol as p

# Stale numbers tolerated in the reverse index beyond the live ones before it is compacted.
SLACK = 4096


class Interest:
    def __init__(self, limit: int = p.WATCH_USERS_MAX) -> None:
        self._limit = limit
        self._everyone: set[str] = set()
        self._number: dict[str, int] = {}  # connection → its number while it watches some
        self._sid: dict[int, str] = {}  # ... and back
        self._watched: dict[int, array[int]] = {}  # number → the ids it watches, sorted
        self._watchers: dict[int, array[int]] = {}  # person → numbers, stale ones included
        self._next = 0
        self._entries = 0  # numbers in _watchers, stale ones included
        self._live = 0  # ids in _watched

    def everyone(self, sid: str) -> None:
        """The connection shows every user: it hears every change."""
        self.forget(sid)
        self._everyone.add(sid)

    def watch(self, sid: str, user_ids: Iterable[int]) -> None:
        """The connection shows these people (the first ``limit`` of them) and no others."""
        self.forget(sid)
        number = self._next
        self._next += 1
        self._number[sid] = number
        self._sid[number] = sid
        self._watched[number] = array("q")
        self.more(sid, user_ids)

    def more(self, sid: str, user_ids: Iterable[int]) -> None:
        """The connection shows these people too, while it watches fewer than ``limit``
        (one watching everyone already hears them)."""
        number = self._number.get(sid)
        if number is None:
            return
        watched = self._watched[number]
        for user_id in user_ids:
            if len(watched) >= self._limit:
                return
            at = bisect_left(watched, user_id)
            if at < len(watched) and watched[at] == user_id:
                continue
            watched.insert(at, user_id)
            self._watchers.setdefault(user_id, array("q")).append(number)
            self._entries += 1
            self._live += 1

    def forget(self, sid: str) -> None:
        """The connection went (or is about to say anew what it shows)."""
        self._everyone.discard(sid)
        number = self._number.pop(sid, None)
        if number is None:
            return
        del self._sid[number]
        self._live -= len(self._watched.pop(number))
        if self._entries > 2 * self._live + SLACK:
            self._compact()

    def watching(self, sid: str) -> list[int]:
        """The people the connection watches, by id (empty for one that watches everyone)."""
        number = self._number.get(sid)
        return [] if number is None else list(self._watched[number])

    def audience(self, user_ids: Iterable[int]) -> Iterator[tuple[str, list[int] | None]]:
        """Each connection with something to hear of these people's changes, and which of them
        (None: all of them, for one that watches everyone), in the order given."""
        ids = list(user_ids)
        for sid in self._everyone:
            yield sid, None
        heard: dict[str, list[int]] = {}
        live = self._sid
        for user_id in ids:
            numbers = self._watchers.get(user_id)
            if numbers is None:
                continue
            for number in self._live_numbers(user_id, numbers):
                heard.setdefault(live[number], []).append(user_id)
        yield from heard.items()

    def _live_numbers(self, user_id: int, numbers: array[int]) -> array[int]:
        """The person's watchers still connected; the stale ones are dropped on the way."""
        live = self._sid
        kept = array("q", (n for n in numbers if n in live))
        if len(kept) < len(numbers):
            self._entries -= len(numbers) - len(kept)
            if kept:
                self._watchers[user_id] = kept
            else:
                del self._watchers[user_id]
        return kept

    def _compact(self) -> None:
        for user_id, numbers in list(self._watchers.items()):
            self._live_numbers(user_id, numbers)
