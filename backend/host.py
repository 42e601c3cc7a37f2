"""One running host's parts, as ``app.create_app`` assembled them (``app.extensions["parley"]``).

What the HTTP routes, the server thread and tests reach: the settings, the chat rules, the host's
name and code, the database (to close it), Socket.IO, and discovery once the port is known.
Assembling them is ``app.py``'s job; this module only names them, so the web layer can use them
without importing the composition root.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import netinfo
from .chat.service import ChatService
from .config import Settings
from .discovery import Advert, Discovery
from .host_settings import HostSettings
from .storage.worker import Database
from .tls import TlsIdentity


@dataclass
class Host:
    settings: Settings
    chat: ChatService
    identity: HostSettings
    db: Database
    socketio: Any  # flask_socketio.SocketIO (untyped)
    port: int = 0
    # The LAN port's TLS identity (tls.py); None with --no-tls.
    tls: TlsIdentity | None = None
    # Reads the identity again, re-making the certificate if it is due (blocking: offload it).
    reissue_tls: Callable[[], TlsIdentity | None] | None = None
    # Set by the server thread once the port is known, when discovery is on.
    discovery: Discovery | None = field(default=None)

    @property
    def fingerprint(self) -> str | None:
        return self.tls.fingerprint if self.tls is not None else None

    def join_urls(self) -> list[str]:
        """URLs peers on the LAN can open (one per LAN address)."""
        scheme = "https" if self.tls is not None else "http"
        return netinfo.join_urls(self.settings.host, self.port, scheme)

    def advert(self) -> Advert:
        """What this host says about itself on the LAN."""
        identity = self.identity
        return Advert(
            host_id=identity.host_id,
            name=identity.name,
            version=identity.version,
            port=self.port,
            needs_code=identity.join_code is not None,
            fingerprint=self.fingerprint,
        )

    def start_discovery(self, marshal: Callable[..., None]) -> None:
        """Announce this host and watch for others, when discovery is on (own threads).

        :param marshal: runs ``fn(*args)`` on the server thread; zeroconf calls back on its own.
        """
        if not self.settings.discovery:
            return
        discovery = Discovery(
            self.advert,
            on_hosts=lambda hosts: marshal(self.chat.hosts_changed, hosts),
            bind_host=self.settings.host,
        )
        self.discovery = discovery
        self.identity.watch(discovery.update)  # renamed, or the code turned on or off
        discovery.start()

    def stop_discovery(self) -> None:
        """Withdraw the announcement and stop browsing (blocks briefly: after serving ends)."""
        if self.discovery is not None:
            self.discovery.stop()
