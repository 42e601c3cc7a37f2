"""Who each connection shows (issue 17): a client hears presence changes only of the people it
shows, as Slack's presence subscriptions do, so a window of changes costs the sum of the changed
people's watchers, not every connection times every change.

A connection watches what the host told it about (its welcome's users, those it asked for with
``get_users``), its DM partners and itself; ``watch_users`` replaces that with the set the client
names. Bounded per connection (``protocol.WATCH_USERS_MAX``). A connection whose welcome listed
every user (a small host, ``users_complete``) watches everyone instead, joins included, as before
per-client interest: its list is complete and stays so.

Held both ways: per connection the ids it watches (an ``array``: 8 bytes each, needed only to
forget them), and per person the connections watching them (the reverse index a window reads).
In memory and single-threaded, like ``Presence``.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

from .. import protocol as p


class Interest:
    def __init__(self, limit: int = p.WATCH_USERS_MAX) -> None:
        self._limit = limit
        self._everyone: set[str] = set()
        self._watched: dict[str, array[int]] = {}
        self._watchers: dict[int, set[str]] = {}

    def everyone(self, sid: str) -> None:
        """The connection shows every user: it hears every change."""
        self.forget(sid)
        self._everyone.add(sid)

    def watch(self, sid: str, user_ids: Iterable[int]) -> None:
        """The connection shows these people (the first ``limit`` of them) and no others."""
        self.forget(sid)
        self._watched[sid] = array("q")
        self.more(sid, user_ids)

    def more(self, sid: str, user_ids: Iterable[int]) -> None:
        """The connection shows these people too, while it watches fewer than ``limit``
        (one watching everyone already hears them)."""
        watched = self._watched.get(sid)
        if watched is None:
            return
        for user_id in user_ids:
            if len(watched) >= self._limit:
                return
            watchers = self._watchers.setdefault(user_id, set())
            if sid not in watchers:
                watchers.add(sid)
                watched.append(user_id)

    def forget(self, sid: str) -> None:
        """The connection went (or is about to say anew what it shows)."""
        self._everyone.discard(sid)
        for user_id in self._watched.pop(sid, ()):
            watchers = self._watchers.get(user_id)
            if watchers is None:
                continue
            watchers.discard(sid)
            if not watchers:
                del self._watchers[user_id]

    def watching(self, sid: str) -> list[int]:
        """The people the connection watches (empty for one that watches everyone)."""
        return list(self._watched.get(sid, ()))

    def audience(self, user_ids: Iterable[int]) -> Iterator[tuple[str, list[int] | None]]:
        """Each connection with something to hear of these people's changes, and which of them
        (None: all of them, for one that watches everyone), in the order given."""
        ids = list(user_ids)
        for sid in self._everyone:
            yield sid, None
        heard: dict[str, list[int]] = {}
        for user_id in ids:
            for sid in self._watchers.get(user_id, ()):
                heard.setdefault(sid, []).append(user_id)
        yield from heard.items()
