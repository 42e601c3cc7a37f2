"""A person's devices and the host's admins (issue 15).

- **Add a device**: a signed-in person asks for a one-time sign-in link (``URL/#signin=SECRET``);
  another browser, or the desktop app, opening it within ``device_link_seconds`` becomes one more
  device of the same person (chat/sessions.py takes the link). Only the secret's sha256 is stored;
  the secret rides in the URL's fragment, which browsers never send (no Referer, no log line).
  Asking again replaces the person's unused link.
- **My devices**: each person lists their own devices and revokes any; a revoked device's
  connections are told (``signed_out``) and dropped, and its token stops working at once.
- **Recovery**: an admin makes the same kind of link for someone who lost every device; who made
  it is stored with it and logged. Only the host person may make one for an admin, and nobody
  for the host person (they have the host machine itself: its window and console link).
- **Admins**: the host person makes others admins and takes it back; the host person always is
  one. Everyone hears ``role_changed``, so panels appear and go without a reload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import commands as c
from .. import protocol as p
from ..errors import Forbidden, NotFound
from ..models import Device, User
from ..storage.interface import Store
from .context import Context
from .sessions import HOST_WINDOW_DEVICE, hash_token, new_token

log = logging.getLogger(__name__)

# Unused links a person may hold at once: asking again replaces the older one.
DEVICE = "device"
RECOVERY = "recovery"


def _expiry(seconds: float) -> str:
    when = datetime.now(UTC) + timedelta(seconds=seconds)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Devices:
    def __init__(
        self,
        ctx: Context,
        invite_urls: Callable[[], list[str]],
        *,
        device_link_seconds: float = p.DEVICE_LINK_SECONDS,
        recovery_link_seconds: float = p.RECOVERY_LINK_SECONDS,
    ) -> None:
        self._ctx = ctx
        self._invite_urls = invite_urls
        self._device_seconds = device_link_seconds
        self._recovery_seconds = recovery_link_seconds

    # -- links ---------------------------------------------------------------------------------

    def create_link(self, sid: str, cmd: c.CreateDeviceLink) -> dict[str, Any]:
        """A one-time link that signs another device in as the caller."""
        user = self._ctx.caller(sid)
        if user.is_bot:
            raise Forbidden("A bot signs in with its token only.")
        return self._link(user, DEVICE, self._device_seconds, name=cmd.name)

    def create_recovery_link(self, sid: str, cmd: c.RecoveryLink) -> dict[str, Any]:
        """An admin's one-time link for someone who lost every device (logged with who made it)."""
        admin = self._check_admin(sid)
        target_id = cmd.user_id
        target = self._ctx.db.read(lambda s: s.users.get(target_id))
        if target is None or target.is_bot:
            raise NotFound("There is no such person.")
        if target.is_host and target.id != admin.id:
            raise Forbidden("The host person signs in on the host machine itself.")
        if target.is_admin and not admin.is_host:
            raise Forbidden("Only the host person can make a recovery link for an admin.")
        link = self._link(target, RECOVERY, self._recovery_seconds, issued_by=admin.id)
        log.warning(
            "recovery link for user %d %r issued by user %d %r (expires %s)",
            target.id,
            target.name,
            admin.id,
            admin.name,
            link["expires_at"],
        )
        return {**link, "user": target.ref()}

    def _link(
        self, user: User, kind: str, seconds: float, *, name: str = "", issued_by: int | None = None
    ) -> dict[str, Any]:
        secret = new_token()
        digest, expires_at, now = hash_token(secret), _expiry(seconds), _expiry(0)

        def store_link(store: Store) -> None:
            store.sign_in_links.delete_expired(now)
            store.sign_in_links.delete_of_user(user.id, kind)  # the older one stops working
            store.sign_in_links.insert(
                user.id, digest, kind, expires_at, name=name, issued_by=issued_by
            )

        self._ctx.db.write(store_link)
        return {
            "secret": secret,
            "expires_at": expires_at,
            "seconds": int(seconds),
            # Where other devices on the LAN reach this host (the UI adds "#signin=SECRET").
            "urls": self._invite_urls(),
        }

    # -- my devices ----------------------------------------------------------------------------

    def mine(self, sid: str) -> list[dict[str, Any]]:
        """The caller's devices, oldest first, saying which one is asking."""
        ctx = self._ctx
        user = ctx.caller(sid)
        current = ctx.presence.device(sid)
        devices = ctx.db.read(lambda s: s.devices.list_of_user(user.id))
        return [self._wire(d, current) for d in devices]

    def revoke(self, sid: str, cmd: c.RemoveDevice) -> bool:
        """One of the caller's own devices stops working now (this one too, to sign out).

        :return: whether it was the caller's own device: its other connections are dropped, but
            the caller's is left for the transport to close once the ack is out.
        """
        ctx = self._ctx
        user = ctx.caller(sid)
        device_id = cmd.device_id
        device = ctx.db.read(lambda s: s.devices.get(device_id))
        if device is None or device.user.id != user.id:
            raise NotFound("There is no such device.")
        if device.label == HOST_WINDOW_DEVICE:
            raise Forbidden("The host's own window cannot be signed out.")
        ctx.db.write(lambda s: s.devices.delete(device_id))
        for connection in ctx.presence.device_connections(device_id):
            ctx.out.publish(p.SIGNED_OUT, {"device_id": device_id}, connection)
            if connection != sid:
                ctx.out.disconnect(connection)
        ctx.tell_peers("drop_device", device_id)  # its connections to other host processes
        ctx.out.publish(p.DEVICES_CHANGED, {}, p.user_channel(user.id))
        return ctx.presence.device(sid) == device_id

    def _wire(self, device: Device, current: int | None) -> dict[str, Any]:
        name = device.name or (
            "This computer's window" if device.label == HOST_WINDOW_DEVICE else ""
        )
        return {
            "id": device.id,
            "name": name or "A device",
            "created_at": device.created_at,
            "last_seen_at": device.last_seen_at,
            "online": self._ctx.device_online(device.id),  # on any process
            "current": device.id == current,
            "removable": device.label != HOST_WINDOW_DEVICE,
        }

    # -- admins --------------------------------------------------------------------------------

    def set_admin(self, sid: str, cmd: c.SetAdmin) -> dict[str, Any]:
        """The host person makes someone an admin or takes it back; everyone hears of it."""
        ctx = self._ctx
        caller = ctx.caller(sid)
        if not caller.is_host:
            raise Forbidden("Only the host person can make or unmake admins.")
        target_id, admin = cmd.user_id, cmd.admin
        target = ctx.db.read(lambda s: s.users.get(target_id))
        if target is None or target.is_bot:
            raise NotFound("There is no such person.")
        if target.is_host:
            raise Forbidden("The host person always stays an admin.")
        updated = ctx.db.write(lambda s: s.users.set_admin(target_id, admin))
        assert updated is not None  # it was there a moment ago and users are never deleted here
        ctx.presence.update_user(updated)
        for connection in ctx.presence.sids(updated.id):
            if admin:
                ctx.out.subscribe(connection, p.ADMINS_CHANNEL)
            else:
                ctx.out.unsubscribe(connection, p.ADMINS_CHANNEL)
        ctx.tell_peers("user_changed", updated.id)
        log.info(
            "user %d %r is %s an admin (by user %d)",
            updated.id,
            updated.name,
            "now" if admin else "no longer",
            caller.id,
        )
        wire = ctx.user_wire(updated)
        ctx.out.publish(p.ROLE_CHANGED, {"user": wire}, None)
        return wire

    def _check_admin(self, sid: str) -> User:
        user = self._ctx.caller(sid)
        if not user.admin:
            raise Forbidden("Only an admin can do that.")
        return user
