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
from .models import Message, Page, Room, User
from .presence import Presence
from .ratelimit import FailureWindow, TokenBuckets
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


class Transport(Protocol):
    """Outbound side of the transport, injected by app.py (tests use a recorder)."""

    def publish(
        self, event: str, payload: dict[str, Any], to: str | None, skip_sid: str | None = None
    ) -> None: ...

    def subscribe(self, sid: str, channel: str) -> None: ...

    def unsubscribe(self, sid: str, channel: str) -> None: ...


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
        self._guesses = FailureWindow(
            CODE_FAILURES_PER_ADDRESS, CODE_FAILURES_TOTAL, CODE_FAILURE_WINDOW
        )
        self._owner_key = secrets.token_urlsafe(24)

    # -- set-up ---------------------------------------------------------------------------------

    def bootstrap(self) -> None:
        """Make sure a fresh host has its ``general`` room."""

        def ensure_general(store: Store) -> None:
            if store.get_room_by_name_key(p.GENERAL) is None:
                store.insert_room(p.GENERAL, p.GENERAL, kind="channel", created_by=None)

        self._db.write(ensure_general)

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
            user, token = self._by_token(validate.token(auth["token"], "token"))
        elif "owner_key" in auth:
            user, token = self._as_owner(validate.token(auth["owner_key"], "owner_key"), address)
        elif "name" in auth:
            user, token = self._join(sid, auth.get("name"), auth.get("code"), address)
        else:
            raise Invalid("Say who you are: a name and the join code, or your device token.")

        member_of, channels, users = self._db.read(
            lambda s: (s.list_room_ids_of_user(user.id), s.list_channels(), s.list_users())
        )
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
            "rooms": [room.to_wire(member=room.id in member_of) for room in channels],
            "users": [self._user_wire(u) for u in users],
            "server": self._server_info,
        }

    def disconnect(self, sid: str) -> None:
        user, went_offline = self.presence.remove(sid)
        if user is not None and went_offline:
            self._sends.forget(user.id)
            self._typing.forget(user.id)
            self._out.publish(p.PRESENCE_CHANGED, {"user": user.to_wire(), "online": False}, None)

    def _by_token(self, token: str) -> tuple[User, str]:
        digest = hash_token(token)
        user = self._db.read(lambda s: s.get_user_by_token_hash(digest))
        if user is None:
            raise BadToken("This device is not known here any more. Join again with your name.")
        return user, token

    def _as_owner(self, key: str, address: str | None) -> tuple[User, str]:
        if not is_loopback(address) or not hmac.compare_digest(key, self._owner_key):
            raise BadToken("That host key is not valid here.")
        self._owner_key = secrets.token_urlsafe(24)  # one-time: a copied URL is useless afterwards
        token = secrets.token_urlsafe(32)
        preferred = self._server_info["name"]

        def as_host(store: Store) -> User:
            user = store.get_host_user()
            if user is None:
                name = _free_name(store, preferred)
                user = store.insert_user(name, validate.name_key(name), is_host=True)
                _join_general(store, user)
            store.replace_device_token(user.id, HOST_WINDOW_DEVICE, hash_token(token))
            return user

        return self._db.write(as_host), token

    def _join(self, sid: str, name: Any, code: Any, address: str | None) -> tuple[User, str]:
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

        def create(store: Store) -> User:
            if store.get_user_by_name_key(name_key) is not None:
                raise NameTaken(f"Someone here is already called {display}. Pick another name.")
            user = store.insert_user(display, name_key)
            store.insert_device(user.id, hash_token(token))
            _join_general(store, user)
            return user

        user = self._db.write(create)
        self._out.publish(p.USER_CREATED, self._user_wire(user), None, skip_sid=sid)
        return user, token

    # -- messages -------------------------------------------------------------------------------

    def send_message(self, sid: str, room_id: int, text: Any, client_id: str) -> Message:
        """Store a message once per (author, client_id); announce it to the room once."""
        user = self._user(sid)
        text = validate.text({"text": text}, self._limits.max_text_chars)
        self._check_member(user, room_id)
        self._check_rate(self._sends, user, "You are sending too fast. Wait a moment.")
        message, created = self._db.write(
            lambda s: s.insert_message(room_id, user, client_id, text)
        )
        if created:  # a retry is acked again with the stored message, never re-broadcast
            self._out.publish(p.MESSAGE_CREATED, message.to_wire(), p.room_channel(room_id))
        return message

    def fetch_messages(
        self, sid: str, room_id: int, *, after_id: int | None, before_id: int | None, limit: int
    ) -> Page:
        user = self._user(sid)
        if after_id is not None and before_id is not None:
            raise Invalid("Give after_id or before_id, not both.")
        if not 1 <= limit <= p.FETCH_MAX:
            raise Invalid(f"'limit' must be 1-{p.FETCH_MAX}.", field="limit")
        self._check_member(user, room_id)
        return self._db.read(
            lambda s: s.list_messages(room_id, after_id=after_id, before_id=before_id, limit=limit)
        )

    def count_unread(self, sid: str, marks: list[tuple[int, int, int]]) -> list[dict[str, int]]:
        """For each (room, last read id, up to id): how many messages from others lie between."""
        user = self._user(sid)
        for room_id, _, _ in marks:
            self._check_member(user, room_id)
        counts = self._db.read(
            lambda s: [
                s.count_between(r, after, up_to, user.id, UNREAD_CAP) for r, after, up_to in marks
            ]
        )
        return [{"room_id": m[0], "count": n} for m, n in zip(marks, counts, strict=True)]

    def typing(self, sid: str, room_id: int) -> None:
        user = self._user(sid)
        self._check_member(user, room_id)
        self._check_rate(self._typing, user, "Typing signals are coming too fast.")
        self._out.publish(
            p.TYPING_EVENT, {"room_id": room_id, "user": user.ref()}, p.room_channel(room_id), sid
        )

    # -- rooms ----------------------------------------------------------------------------------

    def list_rooms(self, sid: str) -> list[dict[str, Any]]:
        user = self._user(sid)
        mine = self.presence.rooms(user.id)
        return [room.to_wire(member=room.id in mine) for room in self._db.read(Store.list_channels)]

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
            return room, store.insert_member(room_id, user.id)

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
        return room.to_wire(member=True)

    def leave_room(self, sid: str, room_id: int) -> None:
        user = self._user(sid)
        self._check_member(user, room_id)
        room = self._db.read(lambda s: s.get_room(room_id))
        if room is not None and room.kind == "channel" and room.name == p.GENERAL:
            raise Forbidden("Everyone stays in general.")
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
        self.presence.rooms(user.id).add(room_id)
        for sid in self.presence.sids(user.id):
            self._out.subscribe(sid, p.room_channel(room_id))


def _join_general(store: Store, user: User) -> None:
    general = store.get_room_by_name_key(p.GENERAL)
    if general is not None:
        store.insert_member(general.id, user.id)


def _free_name(store: Store, preferred: str) -> str:
    """``preferred`` trimmed to a valid name, with a number added if someone already has it."""
    base = " ".join(preferred.split())[: validate.MAX_NAME_CHARS - 3] or "Host"
    name, n = base, 2
    while store.get_user_by_name_key(validate.name_key(name)) is not None:
        name, n = f"{base} {n}", n + 1
    return name
