"""Who is connected right now: sid → user and device, user → sids, each online user's rooms.

In memory and single-threaded (only the server's greenlets touch it). The room sets are a cache of
membership for online users, kept in step by the chat rules, so a send needs no database read to be
authorised.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from ..models import User

_NONE: frozenset[int] = frozenset()


class Presence:
    def __init__(self) -> None:
        self._user_of: dict[str, User] = {}
        self._sids: dict[int, set[str]] = {}
        self._rooms: dict[int, set[int]] = {}
        # Which device each connection signed in with, so removing a device can drop its sockets;
        # and how many connections each device has (asked at every connect: no scan).
        self._device_of: dict[str, int] = {}
        self._device_count: dict[int, int] = {}

    def add(self, sid: str, user: User, rooms: set[int], device_id: int) -> bool:
        """Register a connection; True when it is the user's first (they just came online)."""
        self._user_of[sid] = user
        self._device_of[sid] = device_id
        self._device_count[device_id] = self._device_count.get(device_id, 0) + 1
        sids = self._sids.setdefault(user.id, set())
        first = not sids
        sids.add(sid)
        self._rooms[user.id] = set(rooms)
        return first

    def remove(self, sid: str) -> tuple[User | None, bool]:
        """Forget a connection; returns (user, True when it was their last one)."""
        device_id = self._device_of.pop(sid, None)
        if device_id is not None:
            left = self._device_count[device_id] - 1
            if left:
                self._device_count[device_id] = left
            else:
                del self._device_count[device_id]
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

    def update_user(self, user: User) -> None:
        """An online user's record changed (name, status, made an admin or not): their
        connections act as the new one from now on, so the next command is checked against it."""
        for sid in self._sids.get(user.id, ()):
            self._user_of[sid] = user

    def device(self, sid: str) -> int | None:
        """The device a connection signed in with."""
        return self._device_of.get(sid)

    def user(self, sid: str) -> User | None:
        return self._user_of.get(sid)

    def sids(self, user_id: int) -> set[str]:
        return set(self._sids.get(user_id, ()))

    def rooms(self, user_id: int) -> AbstractSet[int]:
        """The rooms an online user is in (empty for someone offline). Read-only: see enter/leave."""
        return self._rooms.get(user_id, _NONE)

    def enter(self, user_id: int, room_id: int) -> None:
        """An online user joined a room (offline users' memberships are the database's alone)."""
        rooms = self._rooms.get(user_id)
        if rooms is not None:
            rooms.add(room_id)

    def leave(self, user_id: int, room_id: int) -> None:
        rooms = self._rooms.get(user_id)
        if rooms is not None:
            rooms.discard(room_id)

    def is_online(self, user_id: int) -> bool:
        return user_id in self._sids

    def users(self) -> list[User]:
        """Connected users, one entry each."""
        seen: dict[int, User] = {}
        for user in self._user_of.values():
            seen.setdefault(user.id, user)
        return list(seen.values())

    def some_users(self, limit: int) -> list[User]:
        """Up to ``limit`` connected users, one entry each, without going through all of them."""
        found: list[User] = []
        for sids in self._sids.values():
            if len(found) >= limit:
                break
            found.append(self._user_of[next(iter(sids))])
        return found

    def connection_count(self) -> int:
        return len(self._user_of)

    def device_connections(self, device_id: int) -> list[str]:
        return [sid for sid, device in self._device_of.items() if device == device_id]

    def device_online(self, device_id: int) -> bool:
        return device_id in self._device_count

    def devices(self) -> list[int]:
        """The devices with a connection here, one entry each."""
        return list(self._device_count)
