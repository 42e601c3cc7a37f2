"""The host's people on demand (issue 17): a welcome on a big host lists only the caller and some
of those online, so a client asks for the others when it needs them, by id (a message's author,
someone mentioned or reacting) or a page at a time (the pickers that list everyone).

Every connected person may see every user, as the full welcome of a small host shows them.
"""

from __future__ import annotations

from typing import Any

from .. import commands as c
from .context import Context


class Directory:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def some(self, sid: str, cmd: c.GetUsers) -> list[dict[str, Any]]:
        """The users with these ids (unknown ids are left out), with ``online``."""
        ctx = self._ctx
        ctx.caller(sid)
        ids = list(cmd.ids)
        return [ctx.user_wire(u) for u in ctx.db.read(lambda s: s.users.some(ids))]

    def page(self, sid: str, cmd: c.ListUsers) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``cmd.limit`` users after ``cmd.after_id`` by id, and whether more follow."""
        ctx = self._ctx
        ctx.caller(sid)
        users = ctx.db.read(lambda s: s.users.page(cmd.after_id, cmd.limit + 1))
        return [ctx.user_wire(u) for u in users[: cmd.limit]], len(users) > cmd.limit
