"""Retention: messages older than a room's rule are deleted, with everything that hangs on them.

The rule: the host user sets a host-wide default ("delete messages older than N days", none: keep
forever; the ``host_setting`` RETENTION_KEY) and may give a channel its own (N days, or keep forever
whatever the default; ``room.retention_days``). Rooms carry their effective rule to clients
(``retention_days``, ``retention_own``); a change is announced (``retention_changed`` to everyone
for the default, ``room_updated`` for a room).

The sweep runs at start, before serving, then every ``interval`` while the host runs, and soon
after any rule changes. Per room, a reader finds a batch of messages older than the cutoff, and
one short write deletes them with their reactions, mentions, search entries and file rows (replies
stay, marked as answering an expired message); then the room's members are told
(``messages_expired``) and the bytes no file row names any more are removed (file_cleanup's
handshake with blobs.py). Batches keep the writer free for sends in between. Message ids are never
reused and read marks are left alone (docs/storage.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import commands as c
from .. import protocol as p
from ..errors import ChatError, Forbidden, NotFound
from ..models import Room
from ..storage.interface import RETENTION_KEY, Store
from .context import Context
from .file_cleanup import Clock, FileCleanup

log = logging.getLogger(__name__)

# Messages deleted per write: small enough that a send waits milliseconds behind one, large enough
# that a year of history goes in seconds.
BATCH = 500
# How often the scheduled loop looks whether a sweep is due (a rule change asks for one at once).
TICK_SECONDS = 1.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Retention:
    def __init__(self, ctx: Context, cleanup: FileCleanup, clock: Clock | None = None) -> None:
        self._ctx = ctx
        self._cleanup = cleanup
        self._clock = clock or _utc_now  # injectable: tests move time instead of waiting
        self._wanted = False  # a rule changed: sweep at the next tick

    # -- the rules (the host user's commands) ---------------------------------------------------

    def default_days(self) -> int | None:
        """The host's default (None: keep forever)."""
        value = self._ctx.db.read(lambda s: s.settings.get(RETENTION_KEY))[1]
        return int(value) if value else None

    def set_default(self, sid: str, cmd: c.SetRetention) -> int | None:
        """Store and announce the host's default; rooms with no rule of their own follow it."""
        self._check_admin(sid)
        value = None if cmd.days is None else str(cmd.days)
        self._ctx.db.write(lambda s: s.settings.set(RETENTION_KEY, value))
        self._ctx.out.publish(p.RETENTION_CHANGED, {"days": cmd.days}, None)
        self._wanted = True
        return cmd.days

    def set_room(self, sid: str, cmd: c.SetRoomRetention) -> dict[str, Any]:
        """Give a channel its own rule (or let it follow the default again); its room wire."""
        self._check_admin(sid)
        room_id = cmd.room_id
        # 0 stored: keep forever, whatever the default (NULL is "follow the default").
        days = None if cmd.follow_default else (cmd.days or 0)

        def set_(store: Store) -> Room | None:
            room = store.rooms.get(room_id)
            if room is None or room.kind != "channel":
                return None
            store.rooms.set_retention(room_id, days)
            return store.rooms.get(room_id)

        room = self._ctx.db.write(set_)
        if room is None:  # a direct message follows the host's default (and is not the host's)
            raise NotFound("There is no such channel.")
        # Channels are listed to everyone, so everyone's list learns the new rule.
        self._ctx.out.publish(p.ROOM_UPDATED, _retention_wire(room), None)
        self._wanted = True
        return room.to_wire(member=room_id in self._ctx.presence.rooms(self._ctx.caller(sid).id))

    def _check_admin(self, sid: str) -> None:
        if not self._ctx.caller(sid).admin:
            raise Forbidden("Only an admin can do that.")

    # -- the sweep ------------------------------------------------------------------------------

    def sweep(self) -> int:
        """Delete every message older than its room's rule, a batch at a time; how many went."""
        self._wanted = False
        now = self._clock()
        total = 0
        for room_id, days in self._ctx.db.read(lambda s: s.rooms.with_retention()):
            total += self._sweep_room(room_id, _iso(now - timedelta(days=days)))
        if total:
            log.info("retention: deleted %d expired messages", total)
        return total

    def _sweep_room(self, room_id: int, cutoff: str) -> int:
        ctx = self._ctx
        total = 0
        while True:
            ids = ctx.db.read(lambda s: s.messages.created_before(room_id, cutoff, BATCH))
            if not ids:
                return total
            gone, hashes = ctx.db.write(_expire(room_id, ids, cutoff))
            if gone:
                total += len(gone)
                ctx.out.publish(
                    p.MESSAGES_EXPIRED,
                    {"room_id": room_id, "message_ids": gone},
                    p.room_channel(room_id),
                )
            self._cleanup.remove_if_unnamed(hashes)
            if len(ids) < BATCH:
                return total

    def sweep_every(self, interval: float, sleep: Callable[[float], object]) -> None:
        """Sweep every ``interval`` seconds, and at the next tick after a rule changes, for as
        long as the host runs.

        :param sleep: waits without blocking others (the host passes ``socketio.sleep``).
        """
        waited = 0.0
        while True:  # ends with the host (its event loop is torn down, its database closed)
            tick = min(TICK_SECONDS, interval)
            sleep(tick)
            waited += tick
            if not (self._wanted or waited >= interval):
                continue
            waited = 0.0
            try:
                self.sweep()
            except ChatError as exc:  # a full disk: said once a round, tried again next round
                log.warning("retention sweep postponed: %s", exc.message)
            except RuntimeError as exc:  # the database is closed: this host is gone
                log.info("retention sweep stopped: %s", exc)
                return
            except Exception:
                log.exception("retention sweep failed")


def _expire(
    room_id: int, ids: list[int], cutoff: str
) -> Callable[[Store], tuple[list[int], list[str]]]:
    """The write deleting one batch (a function per batch: the loop's ``ids`` bound now)."""
    return lambda store: store.messages.delete_created_before(room_id, ids, cutoff)


def _retention_wire(room: Room) -> dict[str, Any]:
    """``room_updated``: the room's id and the fields that changed."""
    return {
        "room_id": room.id,
        "retention_days": room.retention_days,
        "retention_own": room.retention_own,
    }


def _iso(moment: datetime) -> str:
    """A time as the rows store it (``models.utc_now``): sortable text."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
