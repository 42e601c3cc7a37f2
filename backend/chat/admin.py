"""Host administration: what the host's own user may see and change about the host.

Rename the host, change or turn off the join code (both through ``HostSettings``, which stores and
announces them), see the invite, list and remove devices. Every command checks first that the
caller is an admin (the host person, or someone they made one: chat/devices.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import commands as c
from .. import protocol as p
from ..errors import Forbidden, NotFound
from ..host_settings import HostSettings
from ..models import User
from ..storage.interface import RETENTION_KEY
from .context import Context
from .sessions import HOST_WINDOW_DEVICE


class Admin:
    def __init__(
        self,
        ctx: Context,
        host: HostSettings,
        invite_urls: Callable[[], list[str]],
        fingerprint: Callable[[], str | None] = lambda: None,
    ) -> None:
        self._ctx = ctx
        self._host = host
        self._invite_urls = invite_urls
        # The TLS key's fingerprint (tls.py) for the invite link's ``fp=``; None with --no-tls.
        self._fingerprint = fingerprint

    def info(self, sid: str) -> dict[str, Any]:
        self._check_admin(sid)
        devices, retention = self._ctx.db.read(
            lambda s: (s.devices.all(), s.settings.get(RETENTION_KEY)[1])
        )
        return {
            "name": self._host.name,
            "join_code": self._host.join_code,
            # The host-wide retention in days (None: keep forever; chat/retention.py).
            "retention_days": int(retention) if retention else None,
            "devices": [
                {
                    "id": d.id,
                    "user": d.user.ref(),
                    "label": d.label,
                    "name": d.name,  # given, or read from its browser (chat/devices.py)
                    "created_at": d.created_at,
                    "last_seen_at": d.last_seen_at,
                    "online": self._ctx.device_online(d.id),  # on any process
                }
                for d in devices
            ],
        }

    def invite(self, sid: str) -> dict[str, Any]:
        """The join code, the URLs peers can open and the fingerprint they compare (the host's
        invite panel)."""
        if not self._ctx.caller(sid).admin:
            raise Forbidden("Only an admin can see the invite.")
        return {
            "code": self._host.join_code,
            "urls": self._invite_urls(),
            "fingerprint": self._fingerprint(),
        }

    def rename_host(self, sid: str, cmd: c.RenameHost) -> dict[str, Any]:
        self._check_admin(sid)
        self._host.rename(cmd.name)
        server = self._host.server_info()
        self._ctx.out.publish(p.SERVER_CHANGED, {"server": server}, None)
        return server

    def set_join_code(self, sid: str, cmd: c.SetJoinCode) -> str | None:
        """A given code, a fresh random one for "", or None to let anyone in without one."""
        self._check_admin(sid)
        return self._host.set_join_code(cmd.code)

    def remove_device(self, sid: str, cmd: c.RemoveDevice) -> None:
        """The device's token stops working now; its open connections are dropped."""
        self._check_admin(sid)
        ctx = self._ctx
        device_id = cmd.device_id
        device = ctx.db.read(lambda s: s.devices.get(device_id))
        if device is None:
            raise NotFound("There is no such device.")
        if device.user.is_host and device.label == HOST_WINDOW_DEVICE:
            raise Forbidden("The host's own window cannot be removed.")
        ctx.db.write(lambda s: s.devices.delete(device_id))
        for connection in ctx.presence.device_connections(device_id):
            ctx.out.publish(p.SIGNED_OUT, {"device_id": device_id}, connection)
            ctx.out.disconnect(connection)
        ctx.tell_peers("drop_device", device_id)  # its connections to other host processes
        ctx.out.publish(p.DEVICES_CHANGED, {}, p.user_channel(device.user.id))

    def _check_admin(self, sid: str) -> User:
        user = self._ctx.caller(sid)
        if not user.admin:
            raise Forbidden("Only an admin can do that.")
        return user
