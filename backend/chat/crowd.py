"""Crowds: who joined, came online or went offline, told once per short window to the connections
that show them (chat/interest.py).

Sent one by one, a crowd of N arriving costs N frames to each of N clients (O(N²)): a host restart
with 2,000 clients reconnecting was over a minute of presence events. Gathered here for
``window`` seconds (longer on a crowded host: see ``window()``), each client gets at most one
``users_changed`` per window, listing who changed among the people it shows, as they are when it
is sent: a window costs the changed people's watchers, not every connection (a payload is shared
by the connections that hear the same people). The ``last_seen_at`` of devices that (re)connected
is written the same way: one write job per window instead of one commit each.

On a host of several processes, each tells the others its window with the people's records
(records.py); they tell their own connections with their own next window, so a connection hears
one ``users_changed`` per window whichever processes the news came from.

A window of 0 (or no way to wait) tells at once: unit tests, and hosts that want no delay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import protocol as p
from ..models import User
from ..storage.interface import Store

if TYPE_CHECKING:
    from .context import Context

log = logging.getLogger(__name__)

# Above this many connections a window grows in proportion (a window is up to one frame to each:
# to all on a small host, to those showing someone who changed on a big one), up to MAX_WINDOW
# seconds: at 10,000 connections, 2 s windows keep it to 5,000 frames a second at most.
CONNECTIONS_PER_WINDOW = 1000
MAX_WINDOW = 2.0


class Crowd:
    def __init__(
        self,
        window: float = 0.0,
        spawn: Callable[..., object] | None = None,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        """
        :param window: seconds to gather changes before telling them.
        :param spawn: runs fn(*args) in a new greenlet (socketio.start_background_task).
        :param sleep: waits without blocking others (socketio.sleep).
        """
        self._window = window if spawn is not None and sleep is not None else 0.0
        self._spawn = spawn
        self._sleep = sleep
        self._ctx: Context | None = None
        self._users: dict[int, User] = {}  # changed here: told here and to the other processes
        self._heard: dict[int, User] = {}  # told by another process: told here only
        self._devices: set[int] = set()
        self._pending = False

    def bind(self, ctx: Context) -> None:
        self._ctx = ctx

    def changed(self, user: User) -> None:
        """The user joined the host, came online or went offline: everyone hears it this window."""
        self._users[user.id] = user
        self._soon()

    def refresh(self, user: User) -> None:
        """The user's record changed (a rename): a users_changed still waiting carries the new one."""
        for waiting in (self._users, self._heard):
            if user.id in waiting:
                waiting[user.id] = user

    def waiting(self, user_id: int) -> bool:
        """Whether a window not yet told names the person."""
        return user_id in self._users or user_id in self._heard

    def heard(self, users: list[User]) -> None:
        """Another process's window (its records, records.py): this process's connections that
        show these people hear it with this window's own."""
        for user in users:
            self._heard[user.id] = user
        if users:
            self._soon()

    def room_changed(self, room_id: int) -> None:
        """Someone joined or left the room: its online count, if a connection here shows it
        (room_counts.py), is counted again this window (once, however many come and go)."""
        if self._ctx is not None and self._ctx.counts.mark(room_id):
            self._soon()

    def seen(self, device_id: int) -> None:
        """A device (re)connected: its last_seen_at is written with the others of this window."""
        self._devices.add(device_id)
        self._soon()

    def flush(self) -> None:
        """Tell what was gathered now (also the host's way to not wait, e.g. before stopping)."""
        ctx = self._ctx
        users, self._users = self._users, {}
        heard, self._heard = self._heard, {}
        devices, self._devices = self._devices, set()
        self._pending = False
        if ctx is None:
            return
        if users or heard:
            # Online or not as of now (this process's view of every process): one who came and
            # went within the window is told offline.
            told = {**heard, **users}
            self.tell_here([ctx.user_wire(u) for u in told.values()])
        if users:
            # Each other process tells its own connections, those that show these people.
            ctx.tell_peers_users("users_changed", users.values())
        # The online counts shown here (room_counts.py): after the news, which a failed read of
        # a room's members must not hold up; every shown room after a window of people, else
        # the rooms someone joined or left.
        try:
            ctx.counts.recount(ctx, None if users or heard else ctx.counts.pending())
        except Exception:
            log.exception("counting the shown rooms' people online failed")
        # After telling: a write that fails (a full disk) costs last_seen_at, not the news.
        if devices:

            def mark_seen(store: Store) -> None:
                for device_id in sorted(devices):
                    store.devices.seen(device_id)

            ctx.db.write(mark_seen)

    def tell_here(self, wire: list[dict[str, Any]]) -> None:
        """One ``users_changed`` to each of this process's connections that shows some of these
        people (chat/interest.py), listing those; a payload is shared by every connection that
        hears the same ones."""
        ctx = self._ctx
        if ctx is None:
            return
        by_id = {u["id"]: u for u in wire}
        # Connections that hear the same people get one payload, encoded once for all of them.
        hearers: dict[tuple[int, ...] | None, list[str]] = {}
        for sid, ids in ctx.interest.audience(by_id):
            hearers.setdefault(None if ids is None else tuple(ids), []).append(sid)
        for heard, sids in hearers.items():
            told = wire if heard is None else [by_id[i] for i in heard]
            ctx.out.publish_each(p.USERS_CHANGED, {"users": told}, sids)

    def _soon(self) -> None:
        if self._window <= 0 or self._spawn is None:
            self.flush()
            return
        if not self._pending:
            self._pending = True
            self._spawn(self._after_window)

    def window(self) -> float:
        """This window's length: longer on a crowded host (each window may be a frame to every
        connection), ``window`` per 1,000 connections, at most MAX_WINDOW seconds."""
        if self._ctx is None:
            return self._window
        crowd = self._ctx.presence.connection_count() / CONNECTIONS_PER_WINDOW
        return min(max(self._window, self._window * crowd), MAX_WINDOW)

    def _after_window(self) -> None:
        assert self._sleep is not None
        self._sleep(self.window())
        try:
            self.flush()
        except Exception:
            log.exception("telling a window's users_changed failed")
