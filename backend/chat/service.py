"""The chat rules, assembled: one ``Context`` and a part per concern, built for one host.

The socket handlers and HTTP routes reach a part by name (``chat.messages.send(...)``); each part
follows Zulip's order for every change: check, store, then publish to the audience it chose, only
after the write committed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import protocol as p
from ..host_settings import HostSettings
from ..storage.blobs import BlobStore
from ..storage.interface import Database, Store
from .admin import Admin
from .backups import Backups
from .bots import Bots
from .context import Context, Offload, SendRate, Transport
from .crowd import Crowd
from .devices import Devices
from .directory import Directory
from .export import Archives, HostInfo
from .file_cleanup import Clock, FileCleanup
from .files import FileLimits, Files
from .messages import Messages
from .notify import Notify
from .profiles import Profiles
from .reads import Reads
from .retention import Retention
from .rooms import Rooms
from .sessions import Sessions


class ChatService:
    # Backups need the data dir, a worker thread and the event loop's spawn and sleep: the
    # composition root (app.py) builds them and sets this.
    backups: Backups

    def __init__(
        self,
        db: Database,
        out: Transport,
        *,
        host: HostSettings,
        send_rate: SendRate,
        blobs: BlobStore,
        offload: Offload,
        invite_urls: Callable[[], list[str]],
        invite_fingerprint: Callable[[], str | None] = lambda: None,
        file_limits: FileLimits | None = None,
        clock: Clock | None = None,
        spool_dir: Path | None = None,
        max_import_bytes: int = 10 * 1024**3,
        device_link_seconds: float = p.DEVICE_LINK_SECONDS,
        recovery_link_seconds: float = p.RECOVERY_LINK_SECONDS,
        person_name: str | None = None,
        typing_rate: SendRate | None = None,
        crowd: Crowd | None = None,
    ) -> None:
        self.context = ctx = Context(db, out, send_rate, typing_rate, crowd)
        self.sessions = Sessions(ctx, host, person_name)
        self.directory = Directory(ctx)
        self.profiles = Profiles(ctx, self.sessions)
        self.rooms = Rooms(ctx)
        self.messages = Messages(ctx)
        self.reads = Reads(ctx)
        file_limits = file_limits or FileLimits()
        self.file_cleanup = FileCleanup(ctx, blobs, offload, file_limits.unattached_ttl, clock)
        self.files = Files(ctx, blobs, offload, self.file_cleanup, file_limits)
        self.admin = Admin(ctx, host, invite_urls, invite_fingerprint)
        self.bots = Bots(ctx, self.sessions, self.messages, invite_urls)
        self.devices = Devices(
            ctx,
            invite_urls,
            device_link_seconds=device_link_seconds,
            recovery_link_seconds=recovery_link_seconds,
        )
        # Export and import (docs/export.md); archives are built in ``spool_dir``.
        self.archives = Archives(
            ctx,
            blobs,
            offload,
            lambda: HostInfo(host.host_id, host.name),
            spool_dir or blobs.files_dir.parent / "exports",
            max_import_bytes,
        )
        self.retention = Retention(ctx, self.file_cleanup, clock)
        self.notify = Notify(ctx)

    def bootstrap(self) -> None:
        """A fresh host gets its ``general`` room; everyone's name is known for mentions and for
        telling look-alike names apart."""

        def prepare(store: Store) -> list[tuple[int, str]]:
            if store.rooms.by_name_key(p.GENERAL) is None:
                store.rooms.insert(p.GENERAL, p.GENERAL, kind="channel", created_by=None)
            return [(user.id, user.name) for user in store.users.all()]

        for user_id, name in self.context.db.write(prepare):
            self.context.names.add(user_id, name)
        self.sessions.fill_look_keys()  # users from before look-alike names were compared

    def hosts_changed(self, hosts: list[dict[str, Any]]) -> None:
        """Discovery saw hosts come or go: tell every client (browsers cannot do mDNS)."""
        self.context.out.publish(p.HOSTS_CHANGED, {"hosts": hosts}, None)
