"""The host's people on demand (issue 17): a welcome on a big host lists only the caller and some
of those online, so a client asks for the others when it needs them, by id (a message's author,
someone mentioned or reacting) or a page at a time (the pickers that list everyone); and says whose presence it wants to hear
(``watch_users``: the people it shows, chat/interest.py).

Every connected person may see every user, as the full welcome of a small host shows them.
"""

from __future__ import annotations

from typing import Any

from .. import commands as c
from .context import Context
from .room_counts import online_in


class Directory:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def some(self, sid: str, cmd: c.GetUsers) -> list[dict[str, Any]]:
        """The users with these ids (unknown ids are left out), with ``online``."""
        ctx = self._ctx
        ctx.caller(sid)
        ids = list(cmd.ids)
        users = ctx.db.read(lambda s: s.users.some(ids))
        ctx.interest.more(sid, (u.id for u in users))  # it shows them now: it hears of them
        return [ctx.user_wire(u) for u in users]

    def watch(self, sid: str, cmd: c.WatchUsers) -> dict[str, Any]:
        """From now on the connection hears the presence of these people (up to
        ``protocol.WATCH_USERS_MAX``), and of itself, only; answers those of them online now,
        so a client back from a reconnect sets every dot it shows in one answer. With a room
        (members only), also how many of its members are online, and ``room_online`` as that
        changes (room_counts.py)."""
        ctx = self._ctx
        user = ctx.caller(sid)
        answer: dict[str, Any] = {}
        if cmd.room_id is not None:
            ctx.check_member(user, cmd.room_id)
            # Shown here already: its count is kept. Else one read of its members (a reconnect
            # storm of a big room's clients then costs one read, not one per client).
            count = ctx.counts.known(cmd.room_id)
            if count is None:
                count = online_in(ctx, [cmd.room_id])[cmd.room_id]
                # The read yields: still connected (a disconnect forgot it) and still a member.
                ctx.check_member(ctx.caller(sid), cmd.room_id)
            ctx.counts.show(sid, cmd.room_id, count)
            # What is kept (another connection may have begun showing the room during the
            # read): later changes are told against it.
            answer["room_online"] = ctx.counts.known(cmd.room_id)
        else:
            ctx.counts.forget(sid)
        ctx.interest.watch(sid, [user.id, *cmd.ids])
        return {"online": [i for i in ctx.interest.watching(sid) if ctx.is_online(i)], **answer}

    def page(self, sid: str, cmd: c.ListUsers) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``cmd.limit`` users after ``cmd.after_id`` by id, and whether more follow."""
        ctx = self._ctx
        ctx.caller(sid)
        users = ctx.db.read(lambda s: s.users.page(cmd.after_id, cmd.limit + 1))
        return [ctx.user_wire(u) for u in users[: cmd.limit]], len(users) > cmd.limit
