"""Read state kept on the host: unread and mention counts, read marks, "seen" in direct messages."""

from __future__ import annotations

from .. import commands as c
from .. import protocol as p
from ..errors import Invalid, NotFound
from ..storage.interface import Store
from .context import Context

# Unread counts stop here: a badge says "999+" long before anyone reads that far back.
UNREAD_CAP = 1000


class Reads:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def count_unread(self, sid: str, cmd: c.CountUnread) -> list[dict[str, int]]:
        """For each room asked about: how many messages from others lie between the given mark
        (or the host's) and ``up_to_id``, and how many of those mention the caller."""
        ctx = self._ctx
        user = ctx.caller(sid)
        for query in cmd.rooms:
            ctx.check_member(user, query.room_id)

        def count(store: Store) -> list[tuple[int, int]]:
            host_marks = any(q.after_id is None for q in cmd.rooms)
            reads = store.reads.of_user(user.id) if host_marks else {}
            return [
                store.reads.count_unread(
                    q.room_id,
                    reads.get(q.room_id, 0) if q.after_id is None else q.after_id,
                    q.up_to_id,
                    user.id,
                    UNREAD_CAP,
                )
                for q in cmd.rooms
            ]

        counts = ctx.db.read(count)
        return [
            {"room_id": q.room_id, "count": n, "mentions": k}
            for q, (n, k) in zip(cmd.rooms, counts, strict=True)
        ]

    def mark_read(self, sid: str, cmd: c.MarkRead) -> int:
        """Move the caller's read mark forward; tell their other devices (and, in a direct
        message, the other participants)."""
        ctx = self._ctx
        user = ctx.caller(sid)
        room_id, message_id = cmd.room_id, cmd.message_id
        ctx.check_member(user, room_id)
        ctx.check_rate(ctx.rates.reads, user, "Read marks are coming too fast.")

        def move(store: Store) -> tuple[int, bool, bool]:
            # A mark never moves back, so one past the room's messages (or at another room's)
            # would hide everything said after it: only a message of this room is a mark.
            if message_id and store.messages.room_of(message_id) != room_id:
                raise NotFound("There is no such message in this room.")
            mark, moved = store.reads.set(user.id, room_id, message_id)
            room = store.rooms.get(room_id) if moved else None
            return mark, moved, room is not None and room.is_dm

        mark, moved, in_dm = ctx.db.write(move)
        if moved:
            ctx.out.publish(
                p.READ_CHANGED, {"room_id": room_id, "last_read_id": mark}, p.user_channel(user.id)
            )
            if in_dm:
                ctx.out.publish(
                    p.SEEN,
                    {"room_id": room_id, "user_id": user.id, "last_read_id": mark},
                    p.room_channel(room_id),
                    skip_sid=sid,
                )
        return mark

    def marks(self, sid: str, cmd: c.RoomRef) -> list[dict[str, int]]:
        """Everyone's read mark in a direct message (for "seen")."""
        ctx = self._ctx
        user = ctx.caller(sid)
        room_id = cmd.room_id
        ctx.check_member(user, room_id)
        room, marks = ctx.db.read(lambda s: (s.rooms.get(room_id), s.reads.of_room(room_id)))
        if room is None or not room.is_dm:
            raise Invalid("Read marks are shown for direct messages only.", field="room_id")
        return [{"user_id": u, "last_read_id": m} for u, m in marks]
