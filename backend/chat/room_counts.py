"""How many of a room's members are online, for the connections that show that number (issue 17).

On a big host a connection hears the presence only of the people it shows (interest.py), so a
client cannot count a room of 2,000 itself. It names the room whose count it shows with
``watch_users`` (``room_id``): the answer carries the count, and the connection is told
``room_online`` whenever it changes, until its next ``watch_users`` or its disconnect.

Counted again, per room some connection here shows, once per presence window (crowd.py: the
window's arrivals and departures, this process's or another's, and the rooms someone joined or
left meanwhile): one read of the room's member ids, not one per change, however many come; a
frame only to the connections showing a room whose count moved. In memory and single-threaded,
like ``Presence``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .. import protocol as p

if TYPE_CHECKING:
    from .context import Context


class RoomCounts:
    """Which connection shows which room's count, and the count each was last told."""

    def __init__(self) -> None:
        self._room_of: dict[str, int] = {}  # connection → the room whose count it shows
        self._shown_by: dict[int, set[str]] = {}  # ... and back
        self._told: dict[int, int] = {}  # room → the count last told (or answered)
        self._marked: set[int] = set()  # shown rooms someone joined or left since the last count

    def show(self, sid: str, room_id: int, count: int) -> None:
        """The connection shows this room's count, ``count`` now (it was just answered)."""
        self.forget(sid)
        self._room_of[sid] = room_id
        self._shown_by.setdefault(room_id, set()).add(sid)
        # Others shown it before keep the count they were told: a change not yet counted this
        # window still reaches them (and this one again, harmlessly).
        self._told.setdefault(room_id, count)

    def forget(self, sid: str) -> None:
        """The connection went, or says anew what it shows."""
        room_id = self._room_of.pop(sid, None)
        if room_id is None:
            return
        sids = self._shown_by[room_id]
        sids.discard(sid)
        if not sids:
            del self._shown_by[room_id]
            del self._told[room_id]

    def shown(self, room_id: int) -> bool:
        """Whether some connection here shows the room's count."""
        return room_id in self._shown_by

    def room_of(self, sid: str) -> int | None:
        """The room whose count the connection shows."""
        return self._room_of.get(sid)

    def pending(self) -> list[int]:
        """The rooms someone joined or left since they were last counted."""
        return list(self._marked)

    def known(self, room_id: int) -> int | None:
        """The count last told for a room shown here (None: not shown, so not kept): what a new
        connection showing it is answered, without a read of every member. A change since is
        counted at the window's end and told to every connection showing the room, this one
        included."""
        return self._told.get(room_id)

    def mark(self, room_id: int) -> bool:
        """Someone joined or left the room: True if it is shown here (count it this window)."""
        if not self.shown(room_id):
            return False
        self._marked.add(room_id)
        return True

    def recount(self, ctx: Context, room_ids: Iterable[int] | None = None) -> None:
        """Count these rooms (default: every room shown here) again, and tell the connections
        showing one whose count moved."""
        asked = list(self._shown_by if room_ids is None else room_ids)
        self._marked.difference_update(asked)  # counted now, or no longer shown
        rooms = [r for r in asked if self.shown(r)]
        if not rooms:
            return
        for room_id, count in online_in(ctx, rooms).items():
            if self._told.get(room_id) == count or not self.shown(room_id):
                continue
            self._told[room_id] = count
            payload = {"room_id": room_id, "online": count}
            ctx.out.publish_each(p.ROOM_ONLINE, payload, list(self._shown_by[room_id]))


def online_in(ctx: Context, room_ids: list[int]) -> dict[int, int]:
    """How many members of each room are online, on this process or another."""
    members = ctx.db.read(lambda s: {r: s.members.ids_of_room(r) for r in room_ids})
    return {r: sum(1 for i in ids if ctx.is_online(i)) for r, ids in members.items()}
