"""Read state kept on the host: unread and mention counts, read marks, "seen" in direct messages."""

from __future__ import annotations

from . import protocol as p
from .errors import Invalid
from .service_core import UNREAD_CAP, ServiceCore
from .storage import Store


class ReadStateCommands(ServiceCore):
    # -- unread and read marks ------------------------------------------------------------------

    def count_unread(
        self, sid: str, marks: list[tuple[int, int | None, int]]
    ) -> list[dict[str, int]]:
        """For each (room, last read id or None for the host's mark, up to id): how many messages
        from others lie between, and how many of those mention the caller."""
        user = self._user(sid)
        for room_id, _, _ in marks:
            self.check_member(user, room_id)

        def count(store: Store) -> list[tuple[int, int]]:
            reads = store.read_marks_of_user(user.id) if any(a is None for _, a, _ in marks) else {}
            return [
                store.count_between(
                    r, reads.get(r, 0) if after is None else after, up_to, user.id, UNREAD_CAP
                )
                for r, after, up_to in marks
            ]

        counts = self._db.read(count)
        return [
            {"room_id": m[0], "count": n, "mentions": k}
            for m, (n, k) in zip(marks, counts, strict=True)
        ]

    def mark_read(self, sid: str, room_id: int, message_id: int) -> int:
        """Move the caller's read mark forward; tell their other devices (and, in a direct
        message, the other participants)."""
        user = self._user(sid)
        self.check_member(user, room_id)
        self._check_rate(self._reads, user, "Read marks are coming too fast.")

        def move(store: Store) -> tuple[int, bool, bool]:
            mark, moved = store.set_read_mark(user.id, room_id, message_id)
            room = store.get_room(room_id) if moved else None
            return mark, moved, room is not None and room.is_dm

        mark, moved, in_dm = self._db.write(move)
        if moved:
            self._out.publish(
                p.READ_CHANGED, {"room_id": room_id, "last_read_id": mark}, p.user_channel(user.id)
            )
            if in_dm:
                self._out.publish(
                    p.SEEN,
                    {"room_id": room_id, "user_id": user.id, "last_read_id": mark},
                    p.room_channel(room_id),
                    skip_sid=sid,
                )
        return mark

    def get_read_marks(self, sid: str, room_id: int) -> list[dict[str, int]]:
        user = self._user(sid)
        self.check_member(user, room_id)
        room, marks = self._db.read(lambda s: (s.get_room(room_id), s.list_read_marks(room_id)))
        if room is None or not room.is_dm:
            raise Invalid("Read marks are shown for direct messages only.", field="room_id")
        return [{"user_id": u, "last_read_id": m} for u, m in marks]
