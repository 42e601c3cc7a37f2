"""Notification settings, kept on the host per person so that every device of theirs follows them.

The host only stores and shares the settings; each device decides for itself whether a message
notifies (it alone knows whether its window has focus and which room is open: ui/src/features/
notifications). A change is told to all of the person's connections (``notify_settings_changed``),
the one that made it included, so every device applies the same object the same way.
"""

from __future__ import annotations

from .. import commands as c
from .. import protocol as p
from ..models import NotifySettings
from ..storage.interface import Store
from .context import Context


class Notify:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def settings(self, sid: str) -> NotifySettings:
        user = self._ctx.caller(sid)
        return self._ctx.db.read(lambda s: s.notify.of_user(user.id))

    def set_flags(self, sid: str, cmd: c.SetNotifySettings) -> NotifySettings:
        ctx = self._ctx
        user = ctx.caller(sid)
        ctx.check_rate(ctx.rates.reads, user, "Settings are changing too fast.")

        def change(store: Store) -> NotifySettings:
            now = store.notify.of_user(user.id)
            store.notify.set_flags(
                user.id,
                now.dnd if cmd.dnd is None else cmd.dnd,
                now.sound_channels if cmd.sound_channels is None else cmd.sound_channels,
                now.sound_direct if cmd.sound_direct is None else cmd.sound_direct,
            )
            return store.notify.of_user(user.id)

        return self._publish(user.id, ctx.db.write(change))

    def set_room(self, sid: str, cmd: c.SetRoomNotify) -> NotifySettings:
        """The person's level in a room they are in (a room they cannot see is not found/forbidden,
        as everywhere)."""
        ctx = self._ctx
        user = ctx.caller(sid)
        ctx.check_member(user, cmd.room_id)
        ctx.check_rate(ctx.rates.reads, user, "Settings are changing too fast.")

        def change(store: Store) -> NotifySettings:
            store.notify.set_room(user.id, cmd.room_id, cmd.level)
            return store.notify.of_user(user.id)

        return self._publish(user.id, ctx.db.write(change))

    def _publish(self, user_id: int, now: NotifySettings) -> NotifySettings:
        self._ctx.out.publish(p.NOTIFY_SETTINGS_CHANGED, now.to_wire(), p.user_channel(user_id))
        return now
