"""What every chat command starts from: the caller, the checks, the store and the way out.

One ``Context`` per host, shared by the parts in ``chat/`` (sessions, rooms, messages, ...). It holds
the database, the transport (the one way out to clients), who is online, the host's names for
mentions and the rate limits; and the checks most commands begin with: who is asking, may they see
this room or message, are they too fast. Parts never reach into each other's state: what they share
is here, in the open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .. import protocol as p
from ..errors import Forbidden, NotFound, RateLimited
from ..models import Message, User
from ..ratelimit import TokenBuckets
from ..storage.interface import Database
from . import records
from .crowd import Crowd
from .interest import Interest
from .mentions import Names
from .presence import Presence
from .room_counts import RoomCounts

T = TypeVar("T")

# Typing signals: a client says it every few seconds; more than this is noise.
TYPING_RATE, TYPING_BURST = 1.0, 5
# Read marks: a client marks as it scrolls; more than this is a bug or abuse, not reading.
READ_RATE, READ_BURST = 5.0, 30


class Transport(Protocol):
    """The way out to clients (wire.transport, wired by app.py; unit tests use a recorder).

    ``publish`` sends an event to everyone subscribed to a channel (``None``: everyone connected);
    choosing the channel is the caller's security decision (protocol.room_channel/user_channel).
    """

    def publish(
        self, event: str, payload: dict[str, Any], to: str | None, skip_sid: str | None = None
    ) -> None: ...

    def publish_each(self, event: str, payload: dict[str, Any], sids: Iterable[str]) -> None:
        """The same event to each of these connections of this process, built once."""
        ...

    def subscribe(self, sid: str, channel: str) -> None: ...

    def unsubscribe(self, sid: str, channel: str) -> None: ...

    def disconnect(self, sid: str) -> None: ...


class Peers(Protocol):
    """The other host processes sharing this one's database and message queue (wire/cluster.py).

    ``tell`` asks each of them to do ``action`` (a name ``Context`` knows) for its own
    connections: sign a device's sockets out, put a person's sockets on a room's channel. Alone
    (the default), there is nobody to tell. ``args`` are ids, or people's records (records.py).
    """

    def tell(self, action: str, args: list[Any]) -> None: ...

    def online_elsewhere(self, user_id: int) -> bool:
        """Whether the person has a connection to another process."""
        ...

    def device_online_elsewhere(self, device_id: int) -> bool:
        """Whether the device has a connection to another process."""
        ...


class _Alone:
    def tell(self, action: str, args: list[Any]) -> None:
        pass

    def online_elsewhere(self, user_id: int) -> bool:
        return False

    def device_online_elsewhere(self, device_id: int) -> bool:
        return False


class Offload(Protocol):
    """Runs a blocking call (disk I/O) off the event loop and waits for it cooperatively; what
    the call raises is raised to the caller (the host passes ``offload.blocking``)."""

    def __call__(self, fn: Callable[..., T], *args: object) -> T: ...


@dataclass(frozen=True, slots=True)
class SendRate:
    """Per user: a burst of ``burst`` sends, refilled at ``rate`` per second (from Settings)."""

    rate: float = 5.0
    burst: int = 20


class Rates:
    """The per-user rate limits: sends (messages, edits, reactions, new rooms), typing, reads."""

    def __init__(self, send: SendRate, typing: SendRate | None = None) -> None:
        self.sends = TokenBuckets(send.rate, send.burst)
        typing = typing or SendRate(TYPING_RATE, TYPING_BURST)
        self.typing = TokenBuckets(typing.rate, typing.burst)
        self.reads = TokenBuckets(READ_RATE, READ_BURST)

    def forget(self, user_id: int) -> None:
        """The user went offline: their buckets start full next time."""
        for buckets in (self.sends, self.typing, self.reads):
            buckets.forget(user_id)


def _ids(here: Callable[..., None]) -> Callable[[list[Any]], None]:
    """A request between processes whose arguments are ids: done only if they are."""

    def checked(args: list[Any]) -> None:
        if all(type(a) is int for a in args):
            here(*args)

    return checked


class Context:
    def __init__(
        self,
        db: Database,
        out: Transport,
        send_rate: SendRate,
        typing_rate: SendRate | None = None,
        crowd: Crowd | None = None,
    ) -> None:
        self.db = db
        self.out = out
        self.presence = Presence()
        # Whose presence each connection hears (interest.py): the people it shows.
        self.interest = Interest()
        # Whose room's online count each connection shows (room_counts.py).
        self.counts = RoomCounts()
        self.names = Names()
        self.rates = Rates(send_rate, typing_rate)
        # Joins, arrivals and departures, gathered into one users_changed per window (crowd.py).
        self.crowd = crowd or Crowd()
        self.crowd.bind(self)
        self.peers: Peers = _Alone()
        # What other processes may ask this one to do for its own connections (``tell_peers``),
        # each checking what it is given: a request with ids, or a window's people's records.
        self._for_peers: dict[str, Callable[[list[Any]], None]] = {
            "enter": _ids(self._subscribe_here),
            "leave": _ids(self._unsubscribe_here),
            "drop_device": _ids(self._drop_device_here),
            "drop_user": _ids(self._drop_user_here),
            "user_changed": _ids(self._user_changed_here),
            "show": _ids(self._show_here),
            # Told with this process's next window (crowd.py), the records checked (records.py).
            "users_changed": lambda args: self.crowd.heard(records.users_from_records(args)),
            # The cluster transport keeps who is where (people and their devices).
            "online": lambda args: None,
            "offline": lambda args: None,
            "device_offline": lambda args: None,
        }

    def tell_peers(self, action: str, *args: int) -> None:
        """Have the other processes do ``action`` for their connections (this one's are done)."""
        self.peers.tell(action, list(args))

    def tell_peers_users(self, action: str, users: Iterable[User]) -> None:
        """Have the other processes do ``action`` with these people's records (records.py), in
        requests of bounded size: the records, not ids each process would read again."""
        for run in records.in_requests([records.user_record(u) for u in users]):
            self.peers.tell(action, run)

    def from_peer(self, action: str, args: list[Any]) -> None:
        """Another process asked this one to do ``action`` (unknown names are ignored), with ids,
        or, for another process's window of joins, arrivals and departures, the people's records:
        this process's connections that show them hear it with its own next window. Either is
        checked: a malformed request (a bug, another version) is refused, not acted on."""
        here = self._for_peers.get(action)
        if here is not None:
            here(args)

    def caller(self, sid: str) -> User:
        """The user of a connection (``forbidden`` for one that never finished connecting)."""
        user = self.presence.user(sid)
        if user is None:
            raise Forbidden("Connect first.")
        return user

    def user_wire(self, user: User) -> dict[str, Any]:
        return {**user.to_wire(), "online": self.is_online(user.id)}

    def is_online(self, user_id: int) -> bool:
        """Connected to this process or another one (``presence`` knows this process's only)."""
        return self.presence.is_online(user_id) or self.peers.online_elsewhere(user_id)

    def device_online(self, device_id: int) -> bool:
        """The device is connected to this process or another one."""
        return self.presence.device_online(device_id) or self.peers.device_online_elsewhere(
            device_id
        )

    def lapsed(self, user_ids: list[int]) -> None:
        """These people were connected to a process that died, and to none other: say so."""
        for user_id in user_ids:
            if self.presence.is_online(user_id):
                continue
            user = self._user(user_id)
            if user is not None:
                self.crowd.changed(user)  # told with this window's others, offline as of then

    def check_rate(self, buckets: TokenBuckets, user: User, message: str) -> None:
        wait = buckets.take(user.id)
        if wait > 0:
            raise RateLimited(message, retry_after=round(wait, 2))

    def can_see_room(self, user: User, room_id: int) -> bool:
        """Whether the user is a member of the room (files, search and history are for members)."""
        if room_id in self.presence.rooms(user.id):  # membership of online users is cached
            return True
        if self.presence.is_online(user.id):  # ... and complete
            return False
        return bool(self.db.read(lambda s: s.members.contains(room_id, user.id)))

    def check_member(self, user: User, room_id: int) -> None:
        """Pass if the user is in the room; not_found for unknown rooms, forbidden otherwise.

        Socket commands and HTTP requests (files) alike; the latter may come from a user with no
        open connection, hence the database when the presence cache does not know.
        """
        if self.can_see_room(user, room_id):
            return
        room = self.db.read(lambda s: s.rooms.get(room_id))
        if room is None or room.kind != "channel":  # a DM's existence is nobody else's business
            raise NotFound("There is no such room.")
        raise Forbidden("Join the room first.")

    def visible_message(
        self, user: User, message_id: int, *, host_sees_channels: bool = False
    ) -> Message:
        """The message, if the user may see it (an admin also every channel's)."""
        message = self.db.read(lambda s: s.messages.get(message_id))
        if message is None:
            raise NotFound("There is no such message.")
        if message.room_id in self.presence.rooms(user.id):
            return message
        if host_sees_channels and user.admin:
            room = self.db.read(lambda s: s.rooms.get(message.room_id))
            if room is not None and room.kind == "channel":
                return message
        try:
            self.check_member(user, message.room_id)
        except Forbidden:
            raise NotFound("There is no such message.") from None
        return message

    def subscribe(self, user_id: int, room_id: int) -> None:
        """Put the user's open connections on the room's channel (and in the membership cache),
        on every process."""
        self._subscribe_here(user_id, room_id)
        self.tell_peers("enter", user_id, room_id)

    def unsubscribe(self, user_id: int, room_id: int) -> None:
        self._unsubscribe_here(user_id, room_id)
        self.tell_peers("leave", user_id, room_id)

    def show(self, user_id: int, user_ids: list[int]) -> None:
        """The person's connections, on every process, hear these people's presence (a DM's
        partners, the moment it is opened: their other devices show it too)."""
        self._show_here(user_id, *user_ids)
        self.tell_peers("show", user_id, *user_ids)

    def _show_here(self, user_id: int, *user_ids: int) -> None:
        for sid in self.presence.sids(user_id):
            self.interest.more(sid, user_ids)

    def _subscribe_here(self, user_id: int, room_id: int) -> None:
        self.crowd.room_changed(room_id)  # a newcomer online moves its count
        if not self.presence.is_online(user_id):
            return
        self.presence.enter(user_id, room_id)
        for sid in self.presence.sids(user_id):
            self.out.subscribe(sid, p.room_channel(room_id))

    def _unsubscribe_here(self, user_id: int, room_id: int) -> None:
        self.crowd.room_changed(room_id)
        self.presence.leave(user_id, room_id)
        for sid in self.presence.sids(user_id):
            self.out.unsubscribe(sid, p.room_channel(room_id))
            if self.counts.room_of(sid) == room_id:  # a non-member is told its count no more
                self.counts.forget(sid)

    def _user(self, user_id: int) -> User | None:
        return self.db.read(lambda s: s.users.get(user_id))

    def _drop_device_here(self, device_id: int) -> None:
        """A removed device's connections to this process are told and closed."""
        for connection in self.presence.device_connections(device_id):
            self.out.publish(p.SIGNED_OUT, {"device_id": device_id}, connection)
            self.out.disconnect(connection)

    def _drop_user_here(self, user_id: int) -> None:
        for sid in self.presence.sids(user_id):
            self.out.disconnect(sid)

    def _user_changed_here(self, user_id: int) -> None:
        """A person's record changed on another process: this one's connections act as the new
        one from their next command, and an admin's are on the admins' channel; a window still
        waiting to tell of them tells the new record.

        Read again rather than sent (as users_changed's are): this record decides what the
        person may do here, and one in flight can be overtaken by another process's change to
        the same person (an admin taken back while they rename themselves); the database has
        both. It is one row per change, not a window's crowd."""
        if not (self.crowd.waiting(user_id) or self.presence.is_online(user_id)):
            return
        user = self.db.read(lambda s: s.users.get(user_id))
        if user is not None:
            self.user_read_again(user)

    def user_read_again(self, user: User) -> None:
        """The person's record as just read from the database: this process's connections act
        as it from their next command, on the admins' channel or off it, and a waiting window
        tells it."""
        self.crowd.refresh(user)
        self.presence.update_user(user)
        for sid in self.presence.sids(user.id):
            if user.admin:
                self.out.subscribe(sid, p.ADMINS_CHANNEL)
            else:
                self.out.unsubscribe(sid, p.ADMINS_CHANNEL)
