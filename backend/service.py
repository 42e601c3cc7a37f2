"""Chat rules: who may do what, what gets stored, who hears about it.

Knows nothing about Flask, Socket.IO or SQL. It receives a ``Database`` (storage jobs run off the event
loop) and a ``Transport`` (the one way out to clients) and follows Zulip's order for every change:
check, store, then publish to the audience the caller chose — only after the write committed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from . import protocol as p
from . import validate
from .db_worker import Database
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
from .mentions import Names
from .models import Message, Page, Room, User
from .presence import Presence
from .ratelimit import FailureWindow, TokenBuckets
from .search_query import fts_query
from .storage import Store

# Wrong join codes: per address and in total per minute. 8 random digits at 30 guesses a minute
# take years to find; the per-address bound keeps one machine from locking everyone else out quickly.
CODE_FAILURES_PER_ADDRESS = 5
CODE_FAILURES_TOTAL = 30
CODE_FAILURE_WINDOW = 60.0
# Typing signals: a client says it every few seconds; more than this is noise.
TYPING_RATE, TYPING_BURST = 1.0, 5
# Unread counts stop here: a badge says "999+" long before anyone reads that far back.
UNREAD_CAP = 1000
# Rooms per count_unread request: a client has one entry per room it is in.
MAX_UNREAD_ROOMS = 500
# The device row that the host's own window re-uses on every launch.
HOST_WINDOW_DEVICE = "host-window"
# A direct message is a conversation, not a channel: the caller and at most this many others.
MAX_DM_OTHERS = 7
MAX_ATTACHMENTS = 10
MAX_REACTION_KINDS = 20
# Read marks: a client marks as it scrolls; more than this is a bug or abuse, not reading.
READ_RATE, READ_BURST = 5.0, 30
SEARCH_DEFAULT, SEARCH_MAX = 20, 50
# host_setting keys.
SETTING_NAME = "host_name"
SETTING_JOIN_CODE = "join_code"


class Transport(Protocol):
    """Outbound side of the transport, injected by app.py (tests use a recorder)."""

    def publish(
        self, event: str, payload: dict[str, Any], to: str | None, skip_sid: str | None = None
    ) -> None: ...

    def subscribe(self, sid: str, channel: str) -> None: ...

    def unsubscribe(self, sid: str, channel: str) -> None: ...

    def disconnect(self, sid: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_chars: int = 4000
    send_rate: float = 5.0
    send_burst: int = 20


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a plain hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class ChatService:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        *,
        server_info: dict[str, Any],
        join_code: str | None,
        limits: Limits,
        invite_urls: Callable[[], list[str]],
    ) -> None:
        self._db = db
        self._out = transport
        self.presence = Presence()
        self._server_info = server_info
        self._join_code = join_code
        self._limits = limits
        self._invite_urls = invite_urls
        self._sends = TokenBuckets(limits.send_rate, limits.send_burst)
        self._typing = TokenBuckets(TYPING_RATE, TYPING_BURST)
        self._reads = TokenBuckets(READ_RATE, READ_BURST)
        self._names = Names()
        # Which device each connection signed in with, so removing a device can drop its sockets.
        self._device_of: dict[str, int] = {}
        # Called after the host's name or join code changed (app.py re-announces on the LAN).
        self.on_host_changed: Callable[[], None] = lambda: None
        self._guesses = FailureWindow(
            CODE_FAILURES_PER_ADDRESS, CODE_FAILURES_TOTAL, CODE_FAILURE_WINDOW
        )
        self._owner_key = secrets.token_urlsafe(24)

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
                s.list_channels() + s.list_dms_of_user(user.id),
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
            "rooms": [
                room.to_wire(member=room.id in member_of, last_read_id=reads.get(room.id, 0))
                for room in rooms
            ],
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

    def can_see_room(self, user: User, room_id: int) -> bool:
        """Whether the user is a member of the room (files, search and history are for members)."""
        if room_id in self.presence.rooms(user.id):
            return True
        return bool(self._db.read(lambda s: s.is_member(room_id, user.id)))

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

    # -- messages -------------------------------------------------------------------------------

    def send_message(
        self,
        sid: str,
        room_id: int,
        text: Any,
        client_id: str,
        *,
        reply_to: int | None = None,
        attachments: list[int] | None = None,
    ) -> Message:
        """Store a message once per (author, client_id); announce it to the room once."""
        user = self._user(sid)
        if attachments and text in ("", None):
            text = ""
        else:
            text = validate.text({"text": text}, self._limits.max_text_chars)
        if attachments is not None and len(attachments) > MAX_ATTACHMENTS:
            raise Invalid(f"At most {MAX_ATTACHMENTS} files per message.", field="attachments")
        self._check_member(user, room_id)
        self._check_rate(self._sends, user, "You are sending too fast. Wait a moment.")
        mentions = self._names.find(text) if "@" in text else []

        def insert(store: Store) -> tuple[Message, bool]:
            if reply_to is not None:
                original = store.get_message(reply_to)
                if original is None or original.room_id != room_id:
                    raise NotFound("The message you are replying to is not in this room.")
            message, created = store.insert_message(room_id, user, client_id, text, reply_to)
            if not created:
                return message, False
            if attachments:
                if store.attach_files(message.id, room_id, user.id, attachments) != len(
                    attachments
                ):
                    # The job's savepoint rolls back: no message without its files.
                    raise Invalid(
                        "Those files are not your finished uploads to this room, or they are "
                        "attached already.",
                        field="attachments",
                    )
            if mentions:
                store.insert_mentions(message.id, mentions)
            if reply_to is not None or attachments or mentions:
                fresh = store.get_message(message.id)
                assert fresh is not None
                message = fresh
            return message, True

        message, created = self._db.write(insert)
        if created:  # a retry is acked again with the stored message, never re-broadcast
            self._out.publish(p.MESSAGE_CREATED, message.to_wire(), p.room_channel(room_id))
        return message

    def fetch_messages(
        self,
        sid: str,
        room_id: int,
        *,
        after_id: int | None,
        before_id: int | None,
        limit: int,
        around_id: int | None = None,
    ) -> Page:
        user = self._user(sid)
        if sum(x is not None for x in (after_id, before_id, around_id)) > 1:
            raise Invalid("Give at most one of after_id, before_id and around_id.")
        _check_limit(limit, p.FETCH_MAX)
        self._check_member(user, room_id)
        if around_id is not None:
            return self._db.read(lambda s: s.list_messages_around(room_id, around_id, limit))
        return self._db.read(
            lambda s: s.list_messages(room_id, after_id=after_id, before_id=before_id, limit=limit)
        )

    def fetch_changes(
        self, sid: str, room_id: int, after_rev: int, limit: int
    ) -> tuple[list[Message], int, bool]:
        """(messages changed after ``after_rev``, the rev to ask from next time, more to come)."""
        user = self._user(sid)
        _check_limit(limit, p.FETCH_MAX)
        self._check_member(user, room_id)

        def read(store: Store) -> tuple[list[Message], int, bool]:
            changed, more = store.list_changes(room_id, after_rev, limit)
            rev = changed[-1].rev if more else max(store.room_last_rev(room_id), after_rev)
            return changed, rev, more

        return self._db.read(read)

    def edit_message(self, sid: str, message_id: int, text: Any) -> Message:
        user = self._user(sid)
        text = validate.text({"text": text}, self._limits.max_text_chars)
        self._check_rate(self._sends, user, "You are editing too fast. Wait a moment.")
        original = self._visible_message(user, message_id)
        if original.author.id != user.id:
            raise Forbidden("You can only edit your own messages.")
        if original.deleted:
            raise Conflict("That message was deleted.")
        mentions = self._names.find(text) if "@" in text else []

        def edit(store: Store) -> Message | None:
            if text == original.text:
                return None
            store.update_message_text(message_id, text, store.next_rev())
            store.replace_mentions(message_id, mentions)
            return store.get_message(message_id)

        message = self._db.write(edit)
        if message is None:  # nothing changed: no event, no new rev
            return original
        self._out.publish(p.MESSAGE_UPDATED, message.to_wire(), p.room_channel(message.room_id))
        return message

    def delete_message(self, sid: str, message_id: int) -> Message:
        """Authors delete their own messages; the host user may delete any it can see."""
        user = self._user(sid)
        original = self._visible_message(user, message_id, host_sees_channels=True)
        if original.author.id != user.id and not user.is_host:
            raise Forbidden("You can only delete your own messages.")
        if original.deleted:
            return original

        def delete(store: Store) -> Message:
            store.tombstone_message(message_id, store.next_rev())
            message = store.get_message(message_id)
            assert message is not None
            return message

        message = self._db.write(delete)
        self._out.publish(p.MESSAGE_DELETED, message.to_wire(), p.room_channel(message.room_id))
        return message

    def react(self, sid: str, message_id: int, emoji: str, on: bool) -> Message:
        user = self._user(sid)
        self._check_rate(self._sends, user, "You are reacting too fast. Wait a moment.")
        original = self._visible_message(user, message_id)
        if original.deleted:
            raise Conflict("That message was deleted.")

        def change(store: Store) -> Message | None:
            if on:
                if store.count_reaction_kinds(message_id) >= MAX_REACTION_KINDS and not any(
                    r.emoji == emoji for r in original.reactions
                ):
                    raise Invalid(f"A message can have at most {MAX_REACTION_KINDS} reactions.")
                changed = store.add_reaction(message_id, user.id, emoji)
            else:
                changed = store.remove_reaction(message_id, user.id, emoji)
            if not changed:
                return None
            store.set_message_rev(message_id, store.next_rev())
            return store.get_message(message_id)

        message = self._db.write(change)
        if message is None:
            return original
        self._out.publish(p.MESSAGE_UPDATED, message.to_wire(), p.room_channel(message.room_id))
        return message

    def search(
        self,
        sid: str,
        query: str,
        *,
        room_id: int | None,
        author_id: int | None,
        before_id: int | None,
        limit: int,
    ) -> tuple[list[Message], bool]:
        """Full-text search over the non-deleted messages of the caller's rooms, newest first."""
        user = self._user(sid)
        _check_limit(limit, SEARCH_MAX)
        if room_id is not None:
            self._check_member(user, room_id)
        match = fts_query(query)
        return self._db.read(
            lambda s: s.search(
                user.id,
                match,
                room_id=room_id,
                author_id=author_id,
                before_id=before_id,
                limit=limit,
            )
        )

    # -- unread and read marks ------------------------------------------------------------------

    def count_unread(
        self, sid: str, marks: list[tuple[int, int | None, int]]
    ) -> list[dict[str, int]]:
        """For each (room, last read id or None for the host's mark, up to id): how many messages
        from others lie between, and how many of those mention the caller."""
        user = self._user(sid)
        for room_id, _, _ in marks:
            self._check_member(user, room_id)

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
        self._check_member(user, room_id)
        self._check_rate(self._reads, user, "Read marks are coming too fast.")
        mark, moved = self._db.write(lambda s: s.set_read_mark(user.id, room_id, message_id))
        if moved:
            self._out.publish(
                p.READ_CHANGED, {"room_id": room_id, "last_read_id": mark}, p.user_channel(user.id)
            )
            if self._db.read(lambda s: s.get_room(room_id)).is_dm:  # type: ignore[union-attr]
                self._out.publish(
                    p.SEEN,
                    {"room_id": room_id, "user_id": user.id, "last_read_id": mark},
                    p.room_channel(room_id),
                    skip_sid=sid,
                )
        return mark

    def get_read_marks(self, sid: str, room_id: int) -> list[dict[str, int]]:
        user = self._user(sid)
        self._check_member(user, room_id)
        room, marks = self._db.read(lambda s: (s.get_room(room_id), s.list_read_marks(room_id)))
        if room is None or not room.is_dm:
            raise Invalid("Read marks are shown for direct messages only.", field="room_id")
        return [{"user_id": u, "last_read_id": m} for u, m in marks]

    def typing(self, sid: str, room_id: int) -> None:
        user = self._user(sid)
        self._check_member(user, room_id)
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
            lambda s: (
                s.list_channels() + s.list_dms_of_user(user.id),
                s.read_marks_of_user(user.id),
            )
        )
        return [
            room.to_wire(member=room.id in mine, last_read_id=reads.get(room.id, 0))
            for room in rooms
        ]

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

        def open_(store: Store) -> tuple[Room, bool]:
            existing = store.get_dm_by_key(dm_key)
            if existing is not None:
                return existing, False
            if any(store.get_user(u) is None for u in others):
                raise NotFound("Some of those people are not known here.")
            created = store.insert_room("", None, kind="dm", created_by=user.id, dm_key=dm_key)
            for member in participants:
                store.insert_member(created.id, member)
            room = store.get_room(created.id)
            assert room is not None
            return room, True

        room, created = self._db.write(open_)
        for member in participants:
            self._subscribe_user_id(member, room.id)
        if created:
            for member in participants:
                self._out.publish(p.ROOM_CREATED, room.to_wire(member=True), p.user_channel(member))
        last_read = self._db.read(lambda s: s.read_marks_of_user(user.id)).get(room.id, 0)
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

        def join(store: Store) -> tuple[Room | None, bool]:
            room = store.get_room(room_id)
            if room is None or room.kind != "channel":
                return None, False
            return room, _add_member(store, room, user)

        room, added = self._db.write(join)
        if room is None:
            raise NotFound("There is no such room.")
        self._subscribe_user(user, room_id)
        if added:
            self._out.publish(
                p.MEMBER_JOINED,
                {"room_id": room_id, "user": user.to_wire()},
                p.room_channel(room_id),
            )
        mark = self._db.read(lambda s: s.read_marks_of_user(user.id)).get(room_id, 0)
        return room.to_wire(member=True, last_read_id=mark)

    def leave_room(self, sid: str, room_id: int) -> None:
        user = self._user(sid)
        self._check_member(user, room_id)
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

    # -- helpers --------------------------------------------------------------------------------

    def user_of(self, sid: str) -> User:
        """The user of a connection (``forbidden`` for one that never finished connecting)."""
        return self._user(sid)

    def device_connections(self, device_id: int) -> list[str]:
        return [sid for sid, device in self._device_of.items() if device == device_id]

    def device_online(self, device_id: int) -> bool:
        return device_id in self._device_of.values()

    @property
    def server_info(self) -> dict[str, Any]:
        return self._server_info

    def set_join_code(self, code: str | None) -> None:
        self._join_code = code

    def _user(self, sid: str) -> User:
        user = self.presence.user(sid)
        if user is None:  # a handler ran for a connection that never finished connecting
            raise Forbidden("Connect first.")
        return user

    def _user_wire(self, user: User) -> dict[str, Any]:
        return {**user.to_wire(), "online": self.presence.is_online(user.id)}

    def _check_member(self, user: User, room_id: int) -> None:
        """Pass if the user is in the room; not_found for unknown rooms, forbidden otherwise."""
        if room_id in self.presence.rooms(user.id):  # membership of online users is cached
            return
        room = self._db.read(lambda s: s.get_room(room_id))
        if room is None or room.kind != "channel":  # a DM's existence is nobody else's business
            raise NotFound("There is no such room.")
        raise Forbidden("Join the room first.")

    def _check_rate(self, buckets: TokenBuckets, user: User, message: str) -> None:
        wait = buckets.take(user.id)
        if wait > 0:
            raise RateLimited(message, retry_after=round(wait, 2))

    def _subscribe_user(self, user: User, room_id: int) -> None:
        self._subscribe_user_id(user.id, room_id)

    def _subscribe_user_id(self, user_id: int, room_id: int) -> None:
        if not self.presence.is_online(user_id):
            return
        self.presence.rooms(user_id).add(room_id)
        for sid in self.presence.sids(user_id):
            self._out.subscribe(sid, p.room_channel(room_id))

    def _visible_message(
        self, user: User, message_id: int, *, host_sees_channels: bool = False
    ) -> Message:
        """The message, if the user may see it (the host user also every channel's)."""
        message = self._db.read(lambda s: s.get_message(message_id))
        if message is None:
            raise NotFound("There is no such message.")
        if message.room_id in self.presence.rooms(user.id):
            return message
        if host_sees_channels and user.is_host:
            room = self._db.read(lambda s: s.get_room(message.room_id))
            if room is not None and room.kind == "channel":
                return message
        try:
            self._check_member(user, message.room_id)
        except Forbidden:
            raise NotFound("There is no such message.") from None
        return message


def _check_limit(limit: int, most: int) -> None:
    if not 1 <= limit <= most:
        raise Invalid(f"'limit' must be 1-{most}.", field="limit")


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
