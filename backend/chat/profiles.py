"""Profiles: what each person changes about themselves, and nobody else's.

A display name (the same rules as joining: chat/names.py and ``Sessions.check_new_name``), a
status (available, away, do not disturb) with a short text, and signing one device out. Every
change is stored, then told to everyone connected as ``user_updated`` with the person's whole wire
form, so people lists, authors, mentions and typing lines follow at once; a client that was away
gets the new state in its next ``welcome`` (messages read their author's name when fetched).
"""

from __future__ import annotations

from .. import commands as c
from .. import protocol as p
from ..errors import Forbidden
from ..models import User
from ..storage.interface import Store
from .context import Context
from .names import clean_name, look_keys, name_key
from .sessions import HOST_WINDOW_DEVICE, Sessions


class Profiles:
    def __init__(self, ctx: Context, sessions: Sessions) -> None:
        self._ctx = ctx
        self._sessions = sessions

    def set_name(self, sid: str, cmd: c.SetName) -> User:
        """Rename the caller; their own name in another case or look is theirs to take."""
        ctx = self._ctx
        user = self._person(sid)
        ctx.check_rate(ctx.rates.sends, user, "Renaming too fast. Wait a moment.")
        display = clean_name(cmd.name)
        key_of_name = name_key(display)
        skeleton, shape = look_keys(display)
        self._sessions.fill_look_keys()

        def rename(store: Store) -> User:
            self._sessions.check_new_name(
                store, display, key_of_name, skeleton, shape, allow=user.id
            )
            store.users.rename(user.id, display, key_of_name, skeleton, shape)
            renamed = store.users.get(user.id)
            assert renamed is not None  # the caller's own row, in this transaction
            return renamed

        renamed = ctx.db.write(rename)
        ctx.names.rename(user.id, user.name, renamed.name)
        self._changed(renamed)
        return renamed

    def set_status(self, sid: str, cmd: c.SetStatus) -> User:
        ctx = self._ctx
        user = self._person(sid)
        ctx.check_rate(ctx.rates.sends, user, "Changing status too fast. Wait a moment.")

        def store_status(store: Store) -> User:
            store.users.set_status(user.id, cmd.status, cmd.text, cmd.auto)
            changed = store.users.get(user.id)
            assert changed is not None
            return changed

        changed = ctx.db.write(store_status)
        self._changed(changed)
        return changed

    def sign_out(self, sid: str) -> list[str]:
        """Forget the caller's device: its token stops working now. Returns its connections (this
        one too), for the caller to drop once the answer is on its way (``drop``). The host's own
        window is signed in by the app, not by a token: it cannot sign out."""
        ctx = self._ctx
        user = self._person(sid)
        device_id = ctx.presence.device(sid)
        device = None if device_id is None else ctx.db.read(lambda s: s.devices.get(device_id))
        if device is None:
            return [sid]  # removed meanwhile (by the host): nothing left to forget
        if user.is_host and device.label == HOST_WINDOW_DEVICE:
            raise Forbidden("The host's own window stays signed in. Close the app instead.")
        ctx.db.write(lambda s: s.devices.delete(device.id))
        ctx.tell_peers("drop_device", device.id)  # its connections to other host processes
        return ctx.presence.device_connections(device.id)

    def drop(self, connections: list[str]) -> None:
        for connection in connections:
            if self._ctx.presence.user(connection) is not None:
                self._ctx.out.disconnect(connection)

    def _person(self, sid: str) -> User:
        user = self._ctx.caller(sid)
        if user.is_bot:
            raise Forbidden("A bot's profile is the host's to change.")
        return user

    def _changed(self, user: User) -> None:
        ctx = self._ctx
        ctx.presence.update_user(user)
        ctx.crowd.refresh(user)
        ctx.tell_peers("user_changed", user.id)
        ctx.out.publish(p.USER_UPDATED, {"user": ctx.user_wire(user)}, None)
