"""What every part of the chat service shares: its state, the way out, and the checks.

``ServiceCore`` holds the database, the transport, presence and the limiters, and the checks every
command starts with (who is asking, may they see the room, are they too fast). The commands live in
modules named for what they handle (``message_commands``, ``read_state``, ``service``); like them it
knows nothing about Flask, Socket.IO or SQL.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from . import protocol as p
from .db_worker import Database
from .errors import Forbidden, Invalid, NotFound, RateLimited
from .mentions import Names
from .models import Message, User
from .presence import Presence
from .ratelimit import FailureWindow, TokenBuckets

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
    """Outbound side of the transport (transport.SocketTransport, wired by app.py; tests use a recorder)."""

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


class ServiceCore:
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

    def check_member(self, user: User, room_id: int) -> None:
        """Pass if the user is in the room; not_found for unknown rooms, forbidden otherwise.

        Socket commands and HTTP requests (files) alike; the latter may come from a user with no
        open connection, hence the database when the presence cache does not know.
        """
        if self.can_see_room(user, room_id):
            return
        room = self._db.read(lambda s: s.get_room(room_id))
        if room is None or room.kind != "channel":  # a DM's existence is nobody else's business
            raise NotFound("There is no such room.")
        raise Forbidden("Join the room first.")

    def can_see_room(self, user: User, room_id: int) -> bool:
        """Whether the user is a member of the room (files, search and history are for members)."""
        if room_id in self.presence.rooms(user.id):  # membership of online users is cached
            return True
        if self.presence.is_online(user.id):  # ... and complete
            return False
        return bool(self._db.read(lambda s: s.is_member(room_id, user.id)))

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
            self.check_member(user, message.room_id)
        except Forbidden:
            raise NotFound("There is no such message.") from None
        return message


def check_limit(limit: int, most: int) -> None:
    if not 1 <= limit <= most:
        raise Invalid(f"'limit' must be 1-{most}.", field="limit")
