"""Who is connected right now: sid → user, user → sids, and the rooms each online user is in.

In memory and single-threaded (only the server's greenlets touch it). The room sets are a cache of
membership for online users, kept in step by the service, so a send needs no database read to be
authorised.
"""

from __future__ import annotations

from .models import User


class Presence:
    def __init__(self) -> None:
        self._user_of: dict[str, User] = {}
        self._sids: dict[int, set[str]] = {}
        self._rooms: dict[int, set[int]] = {}

    def add(self, sid: str, user: User, rooms: set[int]) -> bool:
        """Register a connection; True when it is the user's first (they just came online)."""
        self._user_of[sid] = user
        sids = self._sids.setdefault(user.id, set())
        first = not sids
        sids.add(sid)
        self._rooms[user.id] = set(rooms)
        return first

    def remove(self, sid: str) -> tuple[User | None, bool]:
        """Forget a connection; returns (user, True when it was their last one)."""
        user = self._user_of.pop(sid, None)
        if user is None:
            return None, False
        sids = self._sids.get(user.id, set())
        sids.discard(sid)
        if sids:
            return user, False
        self._sids.pop(user.id, None)
        self._rooms.pop(user.id, None)
        return user, True

    def user(self, sid: str) -> User | None:
        return self._user_of.get(sid)

    def sids(self, user_id: int) -> set[str]:
        return set(self._sids.get(user_id, ()))

    def rooms(self, user_id: int) -> set[int]:
        return self._rooms.get(user_id, set())

    def is_online(self, user_id: int) -> bool:
        return user_id in self._sids

    def users(self) -> list[User]:
        """Connected users, one entry each."""
        seen: dict[int, User] = {}
        for user in self._user_of.values():
            seen.setdefault(user.id, user)
        return list(seen.values())

    def connection_count(self) -> int:
        return len(self._user_of)
