"""After the message queue was away (wire/cluster.py calls ``after_outage``): what other host
processes broadcast meanwhile never reached this one's clients, and what they asked of it
(``Context.tell_peers``) never came. Both are made good from the database, without anyone
reconnecting.

Requests: a person's rooms (``enter``/``leave``: a room joined or a DM opened through another
process), their record (``user_changed``: made an admin, renamed), removed devices and people
(``drop_device``, ``drop_user``) are re-done here for the people connected to this process.
Who is online elsewhere is the heartbeats' business (the cluster asks for them when it is back);
what people show (``show``) and every lost broadcast are the clients': each is told ``resync`` and
catches up as after a reconnect (messages after the last id it holds without a gap, changes after
its rev, its rooms, the presence of those it shows).
"""

from __future__ import annotations

from .. import protocol as p
from ..models import User
from ..storage.interface import Store
from .context import Context, Transport

# A client's catch-up costs the host a few queries: spread over this long per connection of this
# process (10,000 clients: 10 s), so a blip costs each client one resync and the host no burst.
SPREAD_MS_PER_CONNECTION = 1
SPREAD_MS_MAX = 10_000
# People read per query (SQL variables are bounded): 10,000 online, 60 queries in one job.
SLICE = 500


def after_outage(ctx: Context, here: Transport) -> None:
    """Re-do what may have been asked of this process, then tell its clients (``here``: this
    process's own transport, so no other process hears it) to catch up. They are told even if
    re-doing failed (a database blip with the Redis one): a client's own catch-up needs no more
    than the host it is connected to."""
    try:
        _redo(ctx)
    finally:
        spread = min(SPREAD_MS_MAX, ctx.presence.connection_count() * SPREAD_MS_PER_CONNECTION)
        here.publish(p.RESYNC, {"within_ms": spread}, None)


def _redo(ctx: Context) -> None:
    people = ctx.presence.users()
    ids = [u.id for u in people]
    # Rooms as held before the read: one joined or left here while it ran (the read yields) is
    # newer than what was read, and is left as it is.
    held_before = {u.id: frozenset(ctx.presence.rooms(u.id)) for u in people}
    users, rooms, devices = ctx.db.read(lambda s: _read(s, ids))
    held_now = {u.id: u for u in ctx.presence.users()}
    for before in people:
        now = users.get(before.id)
        if now is None:  # removed meanwhile (a bot)
            ctx.from_peer("drop_user", [before.id])
            continue
        # Unless a change here replaced the record while the read ran (it is the newer one).
        if now != before and held_now.get(before.id) is before:
            ctx.user_read_again(now)
        held = held_before[before.id]
        moved = held ^ set(ctx.presence.rooms(before.id))
        for room_id in sorted(rooms[before.id] - held - moved):
            ctx.from_peer("enter", [before.id, room_id])
        for room_id in sorted(held - rooms[before.id] - moved):
            ctx.from_peer("leave", [before.id, room_id])
    known = {d for ds in devices.values() for d in ds}
    # A device not among its person's when read may be one made since: asked again, one by one.
    unknown = [d for d in ctx.presence.devices() if d not in known]
    gone = ctx.db.read(lambda s: [d for d in unknown if s.devices.get(d) is None])
    for device_id in gone:
        ctx.from_peer("drop_device", [device_id])


def _read(
    s: Store, ids: list[int]
) -> tuple[dict[int, User], dict[int, set[int]], dict[int, list[int]]]:
    users: dict[int, User] = {}
    rooms: dict[int, set[int]] = {}
    devices: dict[int, list[int]] = {}
    for i in range(0, len(ids), SLICE):
        some = ids[i : i + SLICE]
        users.update((u.id, u) for u in s.users.some(some))
        rooms.update(s.members.room_ids_of_some(some))
        devices.update(s.devices.of_some(some))
    return users, rooms, devices
