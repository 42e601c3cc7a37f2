"""Connections: who a new connection is (a device token, the host's window, or a first join with a
name and the join code), what it is told on arrival (``welcome``), and what its going away changes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from typing import Any

from .. import commands as c
from .. import protocol as p
from ..errors import BadCode, BadLink, BadToken, NameTaken, RateLimited
from ..host_settings import HostSettings
from ..models import Room, User, utc_now
from ..netinfo import address_key, is_loopback
from ..ratelimit import GuessLimit
from ..storage.interface import Store
from .agents import device_name
from .context import Context
from .names import check_visible, clean_name, fitting_name, look_keys, name_key
from .rooms import join_general, rooms_wire

log = logging.getLogger(__name__)

# Wrong join codes, per address (an IPv6 /64): 5 a minute, then lockouts doubling to an hour, so
# one address settles at ~5 guesses an hour. Per address only: one attacker's wrong guesses never
# lock anyone else out. Against a fresh 10-digit code, even 250 addresses guessing in turn would
# need ~500 years for an even chance (docs/protocol.md, "Limits").
CODE_FAILURES_PER_MINUTE = 5
CODE_FAILURE_WINDOW = 60.0
CODE_MAX_LOCKOUT = 3600.0
# The device row that the host's own window re-uses on every launch.
HOST_WINDOW_DEVICE = "host-window"


def new_token() -> str:
    """A bearer token of 256 random bits, url-safe. Never one that starts with "-": people paste
    tokens after `parley ... --token`, where argparse would take "-x…" for an option."""
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a plain hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Sessions:
    def __init__(self, ctx: Context, host: HostSettings, person_name: str | None = None) -> None:
        self._ctx = ctx
        self._host = host
        # What the host person is called until they say (the OS account's full name, from
        # Settings.person_name); None: the host's own name, as before people had names of their own.
        self._person_name = person_name
        self._guesses = GuessLimit(CODE_FAILURES_PER_MINUTE, CODE_FAILURE_WINDOW, CODE_MAX_LOCKOUT)
        self._owner_key = secrets.token_urlsafe(24)
        # The console's admin sign-in link (``python -m backend`` prints it): loopback only, one
        # use, a fresh one each start; kept in memory only, never stored.
        self._console_secret = new_token()
        self._look_keys_filled = False

    @property
    def owner_key(self) -> str:
        """The one-time key that lets the host's own window in as the host user (loopback only)."""
        return self._owner_key

    @property
    def console_secret(self) -> str:
        """The secret of the console's one-time admin link (``URL/#signin=SECRET``, loopback only)."""
        return self._console_secret

    @property
    def person_name(self) -> str:
        """The host person's name until they choose one (see __init__)."""
        return fitting_name(self._person_name or self._host.name)

    def connect(
        self, sid: str, auth: c.Auth, address: str | None, agent: str | None = None
    ) -> dict[str, Any]:
        """Identify a new connection and return its ``welcome`` payload.

        :param agent: the browser's User-Agent, for a new device's default name only.
        """
        ctx = self._ctx
        # Every user while the host is small; on a big one the welcome would grow with the host
        # (each arrival O(N): a crowd O(N²)), so: the caller and some of those online, the rest
        # on demand (get_users, list_users). A joiner counts, though not among the names yet.
        joining = 1 if isinstance(auth, c.JoinAuth) else 0
        complete = len(ctx.names) + joining <= p.WELCOME_USERS_MAX
        # What the welcome tells is read in the same job that finds or makes the user (a token,
        # a join): one trip to a storage thread per arrival, not two (each trip waits for the
        # hub to come round again: ~8 ms a trip while a crowd arrived, docs/benchmarks.md).
        view: _View | None = None
        if isinstance(auth, c.TokenAuth):
            user, token, device_id, view = self._by_token(auth.token, complete)
        elif isinstance(auth, c.OwnerAuth):
            user, token, device_id = self._as_owner(auth.key, address)
        elif isinstance(auth, c.LinkAuth):
            user, token, device_id = self._by_link(auth.secret, address, agent)
        else:
            user, token, device_id, view = self._join(sid, auth, address, agent, complete)
        if view is None:  # the host's window or a sign-in link: the user may be new just now
            user_id, complete = user.id, len(ctx.names) <= p.WELCOME_USERS_MAX
            view = ctx.db.read(lambda s: _welcome_view(s, user_id, complete))
        member_of, rooms, users, reads = view
        device_came = not ctx.presence.device_online(device_id)
        came_online = ctx.presence.add(sid, user, member_of, device_id)
        if complete:
            ctx.interest.everyone(sid)  # its list is the host's: it hears every change
        else:
            users = [
                user,
                *(u for u in ctx.presence.some_users(p.WELCOME_SAMPLE) if u.id != user.id),
            ]
            # It hears of what it was told about: itself, its DM partners, the welcome's people.
            partners = (m.id for room in rooms if room.id in member_of for m in room.members)
            ctx.interest.watch(sid, [user.id, *partners, *(u.id for u in users)])
        ctx.out.subscribe(sid, p.user_channel(user.id))
        if user.admin:
            ctx.out.subscribe(sid, p.ADMINS_CHANNEL)
        for room_id in member_of:
            ctx.out.subscribe(sid, p.room_channel(room_id))
        if isinstance(auth, c.LinkAuth):  # a new device, online now: their others' lists follow
            ctx.out.publish(p.DEVICES_CHANGED, {}, p.user_channel(user.id), skip_sid=sid)
        if device_came:  # the other processes know which people and devices are here
            ctx.tell_peers("online", user.id, device_id)
        if came_online and not ctx.peers.online_elsewhere(user.id):  # else online already
            ctx.crowd.changed(user)
        welcome: dict[str, Any] = {
            "user": user.to_wire(),
            "token": token,
            "rooms": rooms_wire(rooms, member_of, reads),
            "users": [ctx.user_wire(u) for u in users],
            "users_complete": complete,
            "server": self._host.server_info(),
        }
        if user.is_host and not user.name_chosen:
            # Only the host person's own connections hear it: the OS account's name is theirs.
            welcome["name_suggestion"] = self.person_name
        return welcome

    def disconnect(self, sid: str) -> None:
        ctx = self._ctx
        device_id = ctx.presence.device(sid)
        user, went_offline = ctx.presence.remove(sid)
        ctx.interest.forget(sid)
        ctx.counts.forget(sid)
        if user is None or device_id is None:  # it never finished connecting
            return
        if went_offline:
            ctx.rates.forget(user.id)
            ctx.tell_peers("offline", user.id, device_id)  # the last connection: its device's
            if not ctx.peers.online_elsewhere(user.id):  # still connected to another process
                ctx.crowd.changed(user)
        elif not ctx.presence.device_online(device_id):
            ctx.tell_peers("device_offline", device_id)  # the person stays, on another device

    def user_for_token(self, token: str) -> User | None:
        """The user a device token belongs to (HTTP requests carry it as a bearer token)."""
        digest = hash_token(token)
        found = self._ctx.db.read(lambda s: s.devices.by_token_hash(digest))
        return found[0] if found else None

    def _by_token(self, token: str, complete: bool) -> tuple[User, str, int, _View]:
        digest = hash_token(token)

        def find(store: Store) -> tuple[tuple[User, int], _View] | None:
            found = store.devices.by_token_hash(digest)
            return None if found is None else (found, _welcome_view(store, found[0].id, complete))

        known = self._ctx.db.read(find)
        if known is None:
            raise BadToken("This device is not known here any more. Join again with your name.")
        (user, device_id), view = known
        # Written with the window's others (chat/crowd.py): a reconnect storm is one commit.
        self._ctx.crowd.seen(device_id)
        return user, token, device_id, view

    def _as_owner(self, key: str, address: str | None) -> tuple[User, str, int]:
        # Compared as bytes: compare_digest refuses str with non-ASCII characters.
        if not is_loopback(address) or not hmac.compare_digest(
            key.encode(), self._owner_key.encode()
        ):
            raise BadToken("That host key is not valid here.")
        self._owner_key = secrets.token_urlsafe(24)  # one-time: a copied URL is useless afterwards
        token = new_token()
        self.fill_look_keys()
        host_user = self._host_user

        def as_host(store: Store) -> tuple[User, int]:
            user = host_user(store)
            return user, store.devices.replace_token(user.id, HOST_WINDOW_DEVICE, hash_token(token))

        user, device_id = self._ctx.db.write(as_host)
        self._ctx.names.add(user.id, user.name)
        return user, token, device_id

    def _host_user(self, store: Store) -> User:
        """The host's own user, made now if no window or console link has signed in yet."""
        user = store.users.host()
        if user is None:
            name = _free_name(store, self.person_name)
            skeleton, shape = look_keys(name)
            user = store.users.insert(
                name, name_key(name), skeleton=skeleton, shape=shape, is_host=True
            )
            join_general(store, user)
        return user

    def _by_link(
        self, secret: str, address: str | None, agent: str | None
    ) -> tuple[User, str, int]:
        """A one-time sign-in link: a new device for its person (chat/devices.py made it), or the
        console's admin link for the host's own user, which only a loopback address may use."""
        token = new_token()
        named = device_name(agent)
        ctx = self._ctx
        # Compared as bytes: compare_digest refuses str with non-ASCII characters.
        if hmac.compare_digest(secret.encode(), self._console_secret.encode()):
            if not is_loopback(address):
                log.warning("the console's admin link was refused from %s", address)
                raise BadLink("This admin link works only on the host machine itself.")
            self._console_secret = new_token()  # one use
            self.fill_look_keys()
            host_user = self._host_user

            def as_console(store: Store) -> tuple[User, int]:
                user = host_user(store)
                return user, store.devices.insert(user.id, hash_token(token), name=named)

            user, device_id = ctx.db.write(as_console)
            ctx.names.add(user.id, user.name)
            log.info("the console's admin link signed in a device for the host user %d", user.id)
            return user, token, device_id
        digest, now = hash_token(secret), utc_now()

        def use(store: Store) -> tuple[User, int, int | None, str] | None:
            link = store.sign_in_links.take(digest, now)
            user = store.users.get(link.user_id) if link is not None else None
            if link is None or user is None or user.is_bot:
                return None
            device_id = store.devices.insert(user.id, hash_token(token), name=link.name or named)
            return user, device_id, link.issued_by, link.kind

        used = ctx.db.write(use)
        if used is None:
            raise BadLink("That sign-in link has expired or was already used. Ask for a new one.")
        user, device_id, issued_by, kind = used
        if kind == "recovery":
            log.warning(
                "recovery link (issued by user %s) signed in device %d of user %d %r",
                issued_by,
                device_id,
                user.id,
                user.name,
            )
        return user, token, device_id

    def _join(
        self, sid: str, auth: c.JoinAuth, address: str | None, agent: str | None, complete: bool
    ) -> tuple[User, str, int, _View]:
        key = address_key(address or "?")
        code = self._host.join_code
        if code is not None:
            wait = self._guesses.retry_after(key)
            if wait > 0:
                raise RateLimited(
                    f"Too many wrong codes. Try again in {math.ceil(wait)} seconds.",
                    retry_after=math.ceil(wait),
                )
            if auth.code is None or not hmac.compare_digest(
                auth.code.strip().encode(), code.encode()
            ):
                self._guesses.record(key)
                raise BadCode("That join code is not right. Ask the host for the current code.")
        display = clean_name(auth.name)
        key_of_name = name_key(display)
        skeleton, shape = look_keys(display)
        token = new_token()
        self.fill_look_keys()

        def create(store: Store) -> tuple[User, int, _View]:
            self.check_new_name(store, display, key_of_name, skeleton, shape)
            user = store.users.insert(display, key_of_name, skeleton=skeleton, shape=shape)
            device_id = store.devices.insert(user.id, hash_token(token), name=device_name(agent))
            join_general(store, user)
            return user, device_id, _welcome_view(store, user.id, complete)

        ctx = self._ctx
        user, device_id, view = ctx.db.write(create)
        ctx.names.add(user.id, user.name)
        # Everyone hears of them as they come online, just after (connect(): users_changed).
        return user, token, device_id, view

    def check_new_name(
        self,
        store: Store,
        display: str,
        key_of_name: str,
        skeleton: str,
        shape: str,
        *,
        allow: int | None = None,
    ) -> None:
        """The rules a name must pass to be taken (joining, and renaming user ``allow``, whose own
        name and its look-alikes are theirs to keep).

        :raises NameTaken: someone has it or one like it, or it is kept for the host person.
        :raises Invalid: it holds invisible characters.
        """
        check_name_free(store, display, key_of_name, skeleton, shape, allow=allow)
        # Kept for the host person until their user exists (their window connects): no guest
        # can take that name first and push the host person aside to "name 2".
        host_name = self.person_name
        hosts = look_keys(host_name)
        # The name is compared first: finding that no host person exists reads the user table
        # (a headless or server-mode host never has one), which every join would pay for.
        if (skeleton == hosts[0] or shape == hosts[1]) and store.users.host() is None:
            raise NameTaken(f"{host_name} is the host's own name. Pick another name.")
        # Only now: a name that looks like one here because of invisible characters (they are
        # not in its look keys) was told so above; any other is refused for them.
        check_visible(display)

    def fill_look_keys(self) -> None:
        """Give users stored before look keys existed theirs, once per run, before any name is
        compared (one write job: one transaction, on the writer thread).

        Oldest first: a user whose name looks like an older user's (two names that were told
        apart before look keys existed) keeps its name and devices but not the key, which stays
        with the older one, and is logged; both go on working.
        """
        if self._look_keys_filled:
            return

        def fill(store: Store) -> list[tuple[User, User]]:
            clashes: list[tuple[User, User]] = []
            for user in store.users.without_look_keys():
                skeleton, shape = look_keys(user.name)
                by_skeleton = store.users.by_skeleton(skeleton)
                by_shape = store.users.by_shape(shape)
                keep_skeleton = by_skeleton is None or by_skeleton.id == user.id
                keep_shape = by_shape is None or by_shape.id == user.id
                store.users.set_look_keys(
                    user.id, skeleton if keep_skeleton else None, shape if keep_shape else None
                )
                holder = by_skeleton if not keep_skeleton else by_shape if not keep_shape else None
                if holder is not None:
                    clashes.append((user, holder))
            return clashes

        for user, holder in self._ctx.db.write(fill):
            log.warning(
                "user %d %r looks like user %d %r: both keep their names and devices; new names "
                "are compared with the latter",
                user.id,
                user.name,
                holder.id,
                holder.name,
            )
        self._look_keys_filled = True


# What a welcome tells of the store: the rooms the user is in, the rooms they can see, every user
# (a small host) or none (a big one: those online instead), their read marks.
_View = tuple[set[int], list[Room], list[User], dict[int, int]]


def _welcome_view(store: Store, user_id: int, complete: bool) -> _View:
    return (
        store.members.room_ids_of(user_id),
        store.rooms.visible_to(user_id),
        store.users.all() if complete else [],
        store.reads.of_user(user_id),
    )


def check_name_free(
    store: Store,
    display: str,
    key_of_name: str,
    skeleton: str,
    shape: str,
    *,
    allow: int | None = None,
) -> None:
    """Refuse a name someone here already has, or one that looks like theirs (people and bots);
    user ``allow`` (one renaming themselves) does not count.

    :raises NameTaken: saying whose name it is or looks like.
    """
    holder = _holder(store, key_of_name, skeleton, shape, allow)
    if holder is None:
        return
    if holder.name == display:
        raise NameTaken(f"Someone here is already called {display}. Pick another name.")
    raise NameTaken(f"That name looks like {holder.name}, who is already here. Pick another name.")


def _holder(
    store: Store, key_of_name: str, skeleton: str, shape: str, allow: int | None = None
) -> User | None:
    """Who (other than user ``allow``) already has this name, or one that looks like it."""
    for found in (
        store.users.by_name_key(key_of_name),
        store.users.by_skeleton(skeleton),
        store.users.by_shape(shape),
    ):
        if found is not None and found.id != allow:
            return found
    return None


def _free_name(store: Store, preferred: str) -> str:
    """``preferred`` trimmed to a valid name, with a number added if someone already has it (or
    a name that looks like it)."""
    base = fitting_name(preferred)
    name, n = base, 2
    while _holder(store, name_key(name), *look_keys(name)) is not None:
        name, n = f"{base} {n}", n + 1
    return name
