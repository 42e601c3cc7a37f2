"""Crowds: who joined, came online or went offline, told once per short window to the connections
that show them (chat/interest.py).

Sent one by one, a crowd of N arriving costs N frames to each of N clients (O(N²)): a host restart
with 2,000 clients reconnecting was over a minute of presence events. Gathered here for
``window`` seconds (longer on a crowded host: see ``window()``), each client gets at most one
``users_changed`` per window, listing who changed among the people it shows, as they are when it
is sent: a window costs the changed people's watchers, not every connection (a payload is shared
by the connections that hear the same people). The ``last_seen_at`` of devices that (re)connected
is written the same way: one write job per window instead of one commit each.

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
        self._users: dict[int, User] = {}
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
        if user.id in self._users:
            self._users[user.id] = user

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
        devices, self._devices = self._devices, set()
        self._pending = False
        if ctx is None:
            return
        if users:
            # Online or not as of now: one who came and went within the window is told offline.
            self.tell_here([ctx.user_wire(u) for u in users.values()])
            # Each other process tells its own connections, those that show these people.
            ctx.tell_peers("users_changed", *users)
        elif ctx.counts.marked:  # only joins and leaves (a window of people counts every room)
            ctx.counts.recount(ctx, list(ctx.counts.marked))
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
        payloads: dict[tuple[int, ...] | None, dict[str, Any]] = {}
        for sid, ids in ctx.interest.audience(by_id):
            key = None if ids is None else tuple(ids)
            payload = payloads.get(key)
            if payload is None:
                told = wire if ids is None else [by_id[i] for i in ids]
                payload = payloads[key] = {"users": told}
            ctx.out.publish(p.USERS_CHANGED, payload, sid)
        # The rooms whose online count some connection here shows: counted once per window.
        ctx.counts.recount(ctx)

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
