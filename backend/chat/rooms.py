"""Rooms: channels anyone may join, direct messages between a few people, who is in which."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from .. import commands as c
from .. import protocol as p
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import Room, User
from ..storage.interface import Store
from .context import Context

# A direct message is a conversation, not a channel: the caller and at most this many others.
MAX_DM_OTHERS = 7


class Rooms:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def visible(self, sid: str) -> list[dict[str, Any]]:
        """Every channel, and the direct messages the caller is in."""
        ctx = self._ctx
        user = ctx.caller(sid)
        mine = ctx.presence.rooms(user.id)
        rooms, reads = ctx.db.read(
            lambda s: (s.rooms.visible_to(user.id), s.reads.of_user(user.id))
        )
        return rooms_wire(rooms, mine, reads)

    def open_dm(self, sid: str, cmd: c.OpenDm) -> dict[str, Any]:
        """The direct-message room of the caller and these people, created on first use."""
        ctx = self._ctx
        user = ctx.caller(sid)
        others = [u for u in cmd.user_ids if u != user.id]
        if not 1 <= len(others) <= MAX_DM_OTHERS:
            raise Invalid(
                f"A direct message is with 1-{MAX_DM_OTHERS} other people.", field="user_ids"
            )
        participants = sorted({user.id, *others})
        dm_key = ",".join(map(str, participants))

        def open_(store: Store) -> tuple[Room, bool, int]:
            existing = store.rooms.by_dm_key(dm_key)
            if existing is not None:
                return existing, False, store.reads.get(user.id, existing.id)
            if any(store.users.get(u) is None for u in others):
                raise NotFound("Some of those people are not known here.")
            created = store.rooms.insert("", None, kind="dm", created_by=user.id, dm_key=dm_key)
            for member in participants:
                store.members.insert(created.id, member)
            room = store.rooms.get(created.id)
            assert room is not None  # inserted just above, in this transaction
            return room, True, 0  # a new conversation: nothing read, nothing to read

        room, created, last_read = ctx.db.write(open_)
        for member in participants:
            ctx.subscribe(member, room.id)
            ctx.show(member, participants)  # its partners' presence: the DM list shows them
        if created:
            for member in participants:
                ctx.out.publish(p.ROOM_CREATED, room.to_wire(member=True), p.user_channel(member))
        return room.to_wire(member=True, last_read_id=last_read)

    def create(self, sid: str, cmd: c.CreateRoom) -> dict[str, Any]:
        ctx = self._ctx
        user = ctx.caller(sid)
        name = cmd.name
        ctx.check_rate(ctx.rates.sends, user, "You are creating rooms too fast. Wait a moment.")

        def create(store: Store) -> Room:
            existing = store.rooms.by_name_key(name)
            if existing is not None:
                member = store.members.contains(existing.id, user.id)
                raise Conflict(
                    f"There is already a room called {name}.", room=existing.to_wire(member=member)
                )
            room = store.rooms.insert(name, name, kind="channel", created_by=user.id)
            store.members.insert(room.id, user.id)
            return room

        room = ctx.db.write(create)
        ctx.subscribe(user.id, room.id)
        ctx.out.publish(p.ROOM_CREATED, room.to_wire(member=False), None)
        return room.to_wire(member=True)

    def join(self, sid: str, cmd: c.RoomRef) -> dict[str, Any]:
        ctx = self._ctx
        user = ctx.caller(sid)
        room_id = cmd.room_id

        def join(store: Store) -> tuple[Room | None, bool, int]:
            room = store.rooms.get(room_id)
            if room is None or room.kind != "channel":
                return None, False, 0
            added = add_member(store, room, user)
            return room, added, store.reads.get(user.id, room_id)

        room, added, mark = ctx.db.write(join)
        if room is None:
            raise NotFound("There is no such room.")
        ctx.subscribe(user.id, room_id)
        if added:
            ctx.out.publish(
                p.MEMBER_JOINED,
                {"room_id": room_id, "user": user.to_wire()},
                p.room_channel(room_id),
            )
        return room.to_wire(member=True, last_read_id=mark)

    def leave(self, sid: str, cmd: c.RoomRef) -> None:
        ctx = self._ctx
        user = ctx.caller(sid)
        room_id = cmd.room_id
        ctx.check_member(user, room_id)
        room = ctx.db.read(lambda s: s.rooms.get(room_id))
        if room is not None and room.kind == "channel" and room.name == p.GENERAL:
            raise Forbidden("Everyone stays in general.")
        if room is not None and room.is_dm:
            raise Forbidden("A direct message stays in your list; there is nothing to leave.")
        if ctx.db.write(lambda s: s.members.delete(room_id, user.id)):
            # Announce before unsubscribing, so the leaver's other devices hear it too.
            ctx.out.publish(
                p.MEMBER_LEFT, {"room_id": room_id, "user": user.to_wire()}, p.room_channel(room_id)
            )
        ctx.unsubscribe(user.id, room_id)

    def members(self, sid: str, cmd: c.RoomRef) -> list[dict[str, Any]]:
        ctx = self._ctx
        user = ctx.caller(sid)
        room_id = cmd.room_id
        room, members = ctx.db.read(lambda s: (s.rooms.get(room_id), s.members.of_room(room_id)))
        if room is None:
            raise NotFound("There is no such room.")
        if room.kind != "channel" and room_id not in ctx.presence.rooms(user.id):
            raise NotFound("There is no such room.")
        return [ctx.user_wire(m) for m in members]

    def typing(self, sid: str, cmd: c.RoomRef) -> None:
        """Tell the room's others that the caller is typing (ephemeral: nothing is stored)."""
        ctx = self._ctx
        user = ctx.caller(sid)
        ctx.check_member(user, cmd.room_id)
        ctx.check_rate(ctx.rates.typing, user, "Typing signals are coming too fast.")
        ctx.out.publish(
            p.TYPING_EVENT,
            {"room_id": cmd.room_id, "user": user.ref()},
            p.room_channel(cmd.room_id),
            sid,
        )


def rooms_wire(
    rooms: list[Room], member_of: AbstractSet[int], reads: dict[int, int]
) -> list[dict[str, Any]]:
    return [
        room.to_wire(member=room.id in member_of, last_read_id=reads.get(room.id, 0))
        for room in rooms
    ]


def join_general(store: Store, user: User) -> None:
    general = store.rooms.by_name_key(p.GENERAL)
    if general is not None:
        add_member(store, general, user)


def add_member(store: Store, room: Room, user: User) -> bool:
    """Join; a newcomer starts with the history read (it is not news to them), so unread counts
    and the "new since you left" line start from what is said after they joined."""
    added = store.members.insert(room.id, user.id)
    if added and room.last_message_id:
        store.reads.set(user.id, room.id, room.last_message_id)
    return added
