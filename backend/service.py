"""Chat rules: who may do what, what gets stored, who hears about it.

Knows nothing about Flask, Socket.IO or SQL. It receives a ``Database`` (storage jobs run off the event
loop) and a ``Transport`` (the one way out to clients) and follows Zulip's order for every change:
check, store, then publish to the audience the caller chose — only after the write committed.
``ChatService`` is what the transport talks to: connections, rooms and direct messages are here;
message commands and read state are in their own modules, on the shared ``ServiceCore``.
"""

from __future__ import annotations

import hmac
import math
import secrets
from typing import Any

from . import protocol as p
from . import validate
from .errors import (
    BadCode,
    BadToken,
    Conflict,
    Forbidden,
    Invalid,
    NameTaken,
    NotFound,
    RateLimited,
)
from .message_commands import MessageCommands
from .models import Room, User
from .read_state import ReadStateCommands
from .service_core import (
    HOST_WINDOW_DEVICE,
    MAX_DM_OTHERS,
    SETTING_JOIN_CODE,
    SETTING_NAME,
    hash_token,
    is_loopback,
)
from .storage import Store


class ChatService(MessageCommands, ReadStateCommands):
    # -- set-up ---------------------------------------------------------------------------------

    def bootstrap(self, *, name_given: bool = False, code_given: bool = False) -> None:
        """Make sure a fresh host has its ``general`` room; apply the host admin's saved choices.

        A name or code given on the command line (``name_given``/``code_given``) wins over what
        the admin chose in an earlier run, and is saved as the new choice.
        """

        def prepare(store: Store) -> tuple[tuple[bool, str | None], tuple[bool, str | None]]:
            if store.get_room_by_name_key(p.GENERAL) is None:
                store.insert_room(p.GENERAL, p.GENERAL, kind="channel", created_by=None)
            for user in store.list_users():
                self._names.add(user.id, user.name)
            if name_given:
                store.set_setting(SETTING_NAME, self._server_info["name"])
            if code_given:
                store.set_setting(SETTING_JOIN_CODE, self._join_code)
            return store.get_setting(SETTING_NAME), store.get_setting(SETTING_JOIN_CODE)

        (has_name, name), (has_code, code) = self._db.write(prepare)
        if has_name and name:
            self._server_info["name"] = name
        if has_code:
            self._join_code = code

    @property
    def join_code(self) -> str | None:
        return self._join_code

    @property
    def owner_key(self) -> str:
        """The one-time key that lets the host's own window in as the host user (loopback only)."""
        return self._owner_key

    # -- connections ----------------------------------------------------------------------------

    def connect(self, sid: str, auth: Any, address: str | None) -> dict[str, Any]:
        """Identify a new connection and return its ``welcome`` payload."""
        if not isinstance(auth, dict):
            raise Invalid("Say who you are: a name and the join code, or your device token.")
        if "token" in auth:
            user, token, device_id = self._by_token(validate.token(auth["token"], "token"))
        elif "owner_key" in auth:
            user, token, device_id = self._as_owner(
                validate.token(auth["owner_key"], "owner_key"), address
            )
        elif "name" in auth:
            user, token, device_id = self._join(sid, auth.get("name"), auth.get("code"), address)
        else:
            raise Invalid("Say who you are: a name and the join code, or your device token.")

        member_of, rooms, users, reads = self._db.read(
            lambda s: (
                s.list_room_ids_of_user(user.id),
                s.list_rooms_visible_to(user.id),
                s.list_users(),
                s.read_marks_of_user(user.id),
            )
        )
        self._device_of[sid] = device_id
        came_online = self.presence.add(sid, user, member_of)
        self._out.subscribe(sid, p.user_channel(user.id))
        for room_id in member_of:
            self._out.subscribe(sid, p.room_channel(room_id))
        if came_online:
            self._out.publish(
                p.PRESENCE_CHANGED, {"user": user.to_wire(), "online": True}, None, skip_sid=sid
            )
        return {
            "user": user.to_wire(),
            "token": token,
            "rooms": _rooms_wire(rooms, member_of, reads),
            "users": [self._user_wire(u) for u in users],
            "server": self._server_info,
        }

    def disconnect(self, sid: str) -> None:
        self._device_of.pop(sid, None)
        user, went_offline = self.presence.remove(sid)
        if user is not None and went_offline:
            self._sends.forget(user.id)
            self._typing.forget(user.id)
            self._reads.forget(user.id)
            self._out.publish(p.PRESENCE_CHANGED, {"user": user.to_wire(), "online": False}, None)

    def user_for_token(self, token: str) -> User | None:
        """The user a device token belongs to (HTTP requests carry it as a bearer token)."""
        digest = hash_token(token)
        return self._db.read(lambda s: s.get_user_by_token_hash(digest))

    def _by_token(self, token: str) -> tuple[User, str, int]:
        digest = hash_token(token)
        found = self._db.read(lambda s: s.get_device_by_token_hash(digest))
        if found is None:
            raise BadToken("This device is not known here any more. Join again with your name.")
        return found[0], token, found[1]

    def _as_owner(self, key: str, address: str | None) -> tuple[User, str, int]:
        if not is_loopback(address) or not hmac.compare_digest(key, self._owner_key):
            raise BadToken("That host key is not valid here.")
        self._owner_key = secrets.token_urlsafe(24)  # one-time: a copied URL is useless afterwards
        token = secrets.token_urlsafe(32)
        preferred = self._server_info["name"]

        def as_host(store: Store) -> tuple[User, int]:
            user = store.get_host_user()
            if user is None:
                name = _free_name(store, preferred)
                user = store.insert_user(name, validate.name_key(name), is_host=True)
                _join_general(store, user)
            return user, store.replace_device_token(user.id, HOST_WINDOW_DEVICE, hash_token(token))

        user, device_id = self._db.write(as_host)
        self._names.add(user.id, user.name)
        return user, token, device_id

    def _join(self, sid: str, name: Any, code: Any, address: str | None) -> tuple[User, str, int]:
        key = address or "?"
        if self._join_code is not None:
            wait = self._guesses.retry_after(key)
            if wait > 0:
                raise RateLimited(
                    f"Too many wrong codes. Try again in {math.ceil(wait)} seconds.",
                    retry_after=math.ceil(wait),
                )
            if not isinstance(code, str) or not hmac.compare_digest(
                code.strip().encode(), self._join_code.encode()
            ):
                self._guesses.record(key)
                raise BadCode("That join code is not right. Ask the host for the current code.")
        display, name_key = validate.display_name(name)
        token = secrets.token_urlsafe(32)

        def create(store: Store) -> tuple[User, int]:
            if store.get_user_by_name_key(name_key) is not None:
                raise NameTaken(f"Someone here is already called {display}. Pick another name.")
            user = store.insert_user(display, name_key)
            device_id = store.insert_device(user.id, hash_token(token))
            _join_general(store, user)
            return user, device_id

        user, device_id = self._db.write(create)
        self._names.add(user.id, user.name)
        self._out.publish(p.USER_CREATED, self._user_wire(user), None, skip_sid=sid)
        return user, token, device_id

    def typing(self, sid: str, room_id: int) -> None:
        user = self._user(sid)
        self.check_member(user, room_id)
        self._check_rate(self._typing, user, "Typing signals are coming too fast.")
        self._out.publish(
            p.TYPING_EVENT, {"room_id": room_id, "user": user.ref()}, p.room_channel(room_id), sid
        )

    # -- rooms ----------------------------------------------------------------------------------

    def list_rooms(self, sid: str) -> list[dict[str, Any]]:
        """Every channel, and the direct messages the caller is in."""
        user = self._user(sid)
        mine = self.presence.rooms(user.id)
        rooms, reads = self._db.read(
            lambda s: (s.list_rooms_visible_to(user.id), s.read_marks_of_user(user.id))
        )
        return _rooms_wire(rooms, mine, reads)

    def open_dm(self, sid: str, user_ids: list[int]) -> dict[str, Any]:
        """The direct-message room of the caller and these people, created on first use."""
        user = self._user(sid)
        others = [u for u in user_ids if u != user.id]
        if not 1 <= len(others) <= MAX_DM_OTHERS:
            raise Invalid(
                f"A direct message is with 1-{MAX_DM_OTHERS} other people.", field="user_ids"
            )
        participants = sorted({user.id, *others})
        dm_key = ",".join(map(str, participants))

        def open_(store: Store) -> tuple[Room, bool, int]:
            existing = store.get_dm_by_key(dm_key)
            if existing is not None:
                return existing, False, store.get_read_mark(user.id, existing.id)
            if any(store.get_user(u) is None for u in others):
                raise NotFound("Some of those people are not known here.")
            created = store.insert_room("", None, kind="dm", created_by=user.id, dm_key=dm_key)
            for member in participants:
                store.insert_member(created.id, member)
            room = store.get_room(created.id)
            assert room is not None
            return room, True, 0  # a new conversation: nothing read, nothing to read

        room, created, last_read = self._db.write(open_)
        for member in participants:
            self._subscribe_user_id(member, room.id)
        if created:
            for member in participants:
                self._out.publish(p.ROOM_CREATED, room.to_wire(member=True), p.user_channel(member))
        return room.to_wire(member=True, last_read_id=last_read)

    def create_room(self, sid: str, name: Any) -> dict[str, Any]:
        user = self._user(sid)
        name = validate.room_name(name)
        self._check_rate(self._sends, user, "You are creating rooms too fast. Wait a moment.")

        def create(store: Store) -> Room:
            existing = store.get_room_by_name_key(name)
            if existing is not None:
                member = store.is_member(existing.id, user.id)
                raise Conflict(
                    f"There is already a room called {name}.", room=existing.to_wire(member=member)
                )
            room = store.insert_room(name, name, kind="channel", created_by=user.id)
            store.insert_member(room.id, user.id)
            return room

        room = self._db.write(create)
        self._subscribe_user(user, room.id)
        self._out.publish(p.ROOM_CREATED, room.to_wire(member=False), None)
        return room.to_wire(member=True)

    def join_room(self, sid: str, room_id: int) -> dict[str, Any]:
        user = self._user(sid)

        def join(store: Store) -> tuple[Room | None, bool, int]:
            room = store.get_room(room_id)
            if room is None or room.kind != "channel":
                return None, False, 0
            added = _add_member(store, room, user)
            return room, added, store.get_read_mark(user.id, room_id)

        room, added, mark = self._db.write(join)
        if room is None:
            raise NotFound("There is no such room.")
        self._subscribe_user(user, room_id)
        if added:
            self._out.publish(
                p.MEMBER_JOINED,
                {"room_id": room_id, "user": user.to_wire()},
                p.room_channel(room_id),
            )
        return room.to_wire(member=True, last_read_id=mark)

    def leave_room(self, sid: str, room_id: int) -> None:
        user = self._user(sid)
        self.check_member(user, room_id)
        room = self._db.read(lambda s: s.get_room(room_id))
        if room is not None and room.kind == "channel" and room.name == p.GENERAL:
            raise Forbidden("Everyone stays in general.")
        if room is not None and room.is_dm:
            raise Forbidden("A direct message stays in your list; there is nothing to leave.")
        if self._db.write(lambda s: s.delete_member(room_id, user.id)):
            # Announce before unsubscribing, so the leaver's other devices hear it too.
            self._out.publish(
                p.MEMBER_LEFT, {"room_id": room_id, "user": user.to_wire()}, p.room_channel(room_id)
            )
        self.presence.rooms(user.id).discard(room_id)
        for other in self.presence.sids(user.id):
            self._out.unsubscribe(other, p.room_channel(room_id))

    def list_members(self, sid: str, room_id: int) -> list[dict[str, Any]]:
        user = self._user(sid)
        room, members = self._db.read(lambda s: (s.get_room(room_id), s.list_members(room_id)))
        if room is None:
            raise NotFound("There is no such room.")
        if room.kind != "channel" and room_id not in self.presence.rooms(user.id):
            raise NotFound("There is no such room.")
        return [self._user_wire(m) for m in members]

    # -- host -----------------------------------------------------------------------------------

    def get_invite(self, sid: str) -> dict[str, Any]:
        user = self._user(sid)
        if not user.is_host:
            raise Forbidden("Only the host can see the invite.")
        return {"code": self._join_code, "urls": self._invite_urls()}

    def hosts_changed(self, hosts: list[dict[str, Any]]) -> None:
        """Discovery saw hosts come or go: tell every client (browsers cannot do mDNS)."""
        self._out.publish(p.HOSTS_CHANGED, {"hosts": hosts}, None)


def _rooms_wire(
    rooms: list[Room], member_of: set[int], reads: dict[int, int]
) -> list[dict[str, Any]]:
    return [
        room.to_wire(member=room.id in member_of, last_read_id=reads.get(room.id, 0))
        for room in rooms
    ]


def _join_general(store: Store, user: User) -> None:
    general = store.get_room_by_name_key(p.GENERAL)
    if general is not None:
        _add_member(store, general, user)


def _add_member(store: Store, room: Room, user: User) -> bool:
    """Join; a newcomer starts with the history read (it is not news to them), so unread counts
    and the "new since you left" line start from what is said after they joined."""
    added = store.insert_member(room.id, user.id)
    if added and room.last_message_id:
        store.set_read_mark(user.id, room.id, room.last_message_id)
    return added


def _free_name(store: Store, preferred: str) -> str:
    """``preferred`` trimmed to a valid name, with a number added if someone already has it."""
    base = " ".join(preferred.split())[: validate.MAX_NAME_CHARS - 3] or "Host"
    name, n = base, 2
    while store.get_user_by_name_key(validate.name_key(name)) is not None:
        name, n = f"{base} {n}", n + 1
    return name
