"""Find Parley hosts on the LAN and be found: mDNS/DNS-SD with python-zeroconf.

Advisory only (STYLE §3.9): it says "host X is at URL Y"; joining is a normal Socket.IO connect.
``Discovery`` is the one owner per process: the host's announcement and the one browser, whose list
everyone asks the host for (``GET /api/hosts``, the ``hosts_changed`` event; the desktop's start
screen too). Zeroconf runs its own threads; nothing here touches gevent, Flask or the database.
Callers that need results on the server thread marshal them there themselves.

Network hygiene: zeroconf's default multicasts on every interface, the machine's real network
included. Both classes here always pass ``interfaces=[...]`` explicitly, and the host only starts
them when ``Settings.discovery`` is on (off in every test but the network-namespace ones).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

from . import netinfo
from .tls import normalize_fingerprint

log = logging.getLogger(__name__)

SERVICE_TYPE = "_parley._tcp.local."
# Record lifetimes in seconds. zeroconf's defaults keep a vanished (killed, unplugged) host listed
# for up to 75 minutes; a minute is what "nearby, right now" means for a chat app.
RECORD_TTL = 60
# How often the announcer re-reads the interfaces to follow DHCP, Wi-Fi roaming, cables.
ADDRESS_POLL = 5.0
# Resolving a newly seen service: its SRV/TXT/A answers normally arrive within milliseconds.
RESOLVE_TIMEOUT_MS = 2000
# DNS-SD instance names are at most 63 bytes; the host id suffix keeps equal names apart.
MAX_INSTANCE_BYTES = 63


@dataclass(frozen=True, slots=True)
class Advert:
    """What a host says about itself in its TXT record."""

    host_id: str
    name: str
    version: str
    port: int
    needs_code: bool
    # The TLS key's fingerprint (tls.py), or None when the host serves plain HTTP. Only a first-use
    # hint: anyone on the LAN can announce anything, so an app compares it with what the host
    # presents and what a person saw on the host's screen, and pins what it accepted.
    fingerprint: str | None = None


@dataclass(slots=True)
class FoundHost:
    host_id: str
    name: str
    version: str
    port: int
    needs_code: bool
    addresses: list[str] = field(default_factory=list)
    seen_at: float = field(default=0.0, compare=False)
    fingerprint: str | None = None

    def to_wire(self) -> dict[str, Any]:
        scheme = "https" if self.fingerprint else "http"
        return {
            "host_id": self.host_id,
            "name": self.name,
            "version": self.version,
            "needs_code": self.needs_code,
            "addresses": list(self.addresses),
            "urls": [f"{scheme}://{a}:{self.port}/" for a in self.addresses],
            "fingerprint": self.fingerprint,
        }


def instance_name(advert: Advert) -> str:
    suffix = f" ({advert.host_id[:6]})"
    base = advert.name.encode("utf-8")[: MAX_INSTANCE_BYTES - len(suffix)].decode("utf-8", "ignore")
    return f"{base.strip() or 'Parley'}{suffix}.{SERVICE_TYPE}"


def service_info(advert: Advert, addresses: list[str]) -> ServiceInfo:
    return ServiceInfo(
        SERVICE_TYPE,
        instance_name(advert),
        addresses=[socket.inet_aton(a) for a in addresses],
        port=advert.port,
        properties={
            "id": advert.host_id,
            "name": advert.name,
            "version": advert.version,
            "code": "1" if advert.needs_code else "0",
            "port": str(advert.port),
            **({"fp": advert.fingerprint} if advert.fingerprint else {}),
        },
        server=f"parley-{advert.host_id}.local.",
        host_ttl=RECORD_TTL,
        other_ttl=RECORD_TTL,
    )


def parse_info(info: ServiceInfo) -> FoundHost | None:
    """A FoundHost from a resolved service, or None if it is not a well-formed Parley advert."""
    props = {
        (k.decode("utf-8", "replace") if isinstance(k, bytes) else str(k)): (
            v.decode("utf-8", "replace") if isinstance(v, bytes) else ""
        )
        for k, v in (info.properties or {}).items()
    }
    host_id = props.get("id", "")
    if not host_id or not info.port:
        return None
    return FoundHost(
        host_id=host_id[:64],
        name=props.get("name", "")[:64] or "Parley host",
        version=props.get("version", "")[:32],
        port=int(info.port),
        needs_code=props.get("code", "1") != "0",
        addresses=sorted(info.parsed_addresses(IPVersion.V4Only)),
        seen_at=time.monotonic(),
        fingerprint=normalize_fingerprint(props.get("fp", "")),
    )


class Announcer:
    """Advertise this host on every LAN IPv4 address; follow address changes; withdraw on stop."""

    def __init__(
        self,
        advert: Advert,
        addresses: Callable[[], list[str]] = netinfo.lan_ipv4,
        poll: float = ADDRESS_POLL,
    ) -> None:
        self._advert = advert
        self._addresses = addresses
        self._poll = poll
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._changed = False
        self._thread = threading.Thread(target=self._run, name="mdns-announce", daemon=True)
        self._lock = threading.Lock()
        self._zc: Zeroconf | None = None
        self._info: ServiceInfo | None = None
        self.advertised_on: list[str] = []

    @property
    def advertising(self) -> bool:
        return bool(self.advertised_on)

    def start(self) -> None:
        """Register in the background: probing takes ~1 s and must not delay serving."""
        self._thread.start()

    def update(self, advert: Advert) -> None:
        """Announce new details (the host was renamed, its code turned on or off) right away."""
        with self._lock:
            self._advert, self._changed = advert, True
        self._wake.set()

    def _run(self) -> None:
        current: list[str] | None = None
        while not self._stop.is_set():
            try:
                addresses = self._addresses()
            except Exception:
                log.exception("could not read the network interfaces")
                addresses = current or []
            with self._lock:
                changed, self._changed = self._changed, False
            if addresses != current or changed:
                self._withdraw()
                if addresses and not self._stop.is_set():
                    self._register(addresses)
                current = addresses
            self._wake.wait(self._poll)
            self._wake.clear()
        self._withdraw()

    def _register(self, addresses: list[str]) -> None:
        try:
            zc = Zeroconf(interfaces=list(addresses), ip_version=IPVersion.V4Only)
            with self._lock:
                advert = self._advert
            info = service_info(advert, addresses)
            zc.register_service(info, allow_name_change=True)
        except Exception:
            log.exception("could not announce on %s", addresses)
            return
        with self._lock:
            self._zc, self._info, self.advertised_on = zc, info, list(addresses)
        log.info("announcing %s on %s", info.name, ", ".join(addresses))

    def _withdraw(self) -> None:
        with self._lock:
            zc, info = self._zc, self._info
            self._zc, self._info, self.advertised_on = None, None, []
        if zc is None:
            return
        try:
            if info is not None:
                zc.unregister_service(info)  # goodbye packets: peers drop us at once
        except Exception:
            log.exception("could not withdraw the announcement")
        finally:
            zc.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Withdraw and end the thread. Idempotent."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)


class HostBrowser:
    """Keep a live list of Parley hosts on the LAN (other than ``own_id``)."""

    def __init__(
        self,
        own_id: str | None = None,
        interfaces: list[str] | None = None,
        on_change: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self._own_id = own_id
        self._interfaces = interfaces
        self._on_change = on_change
        self._lock = threading.Lock()
        self._hosts: dict[str, FoundHost] = {}
        self._names: dict[str, str] = {}  # service name → host id
        self._zc: Zeroconf | None = None
        self._browser: ServiceBrowser | None = None

    def start(self) -> None:
        interfaces = self._interfaces if self._interfaces is not None else netinfo.lan_ipv4()
        if not interfaces:
            log.info("no LAN address: not browsing for hosts")
            return
        self._zc = Zeroconf(interfaces=list(interfaces), ip_version=IPVersion.V4Only)
        self._browser = ServiceBrowser(self._zc, SERVICE_TYPE, handlers=[self._changed])

    def hosts(self) -> list[dict[str, Any]]:
        with self._lock:
            found = sorted(self._hosts.values(), key=lambda h: (h.name.casefold(), h.host_id))
            return [h.to_wire() for h in found]

    def _changed(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        # Runs on the ServiceBrowser's own thread, where blocking to resolve is allowed.
        if state_change is ServiceStateChange.Removed:
            with self._lock:
                host_id = self._names.pop(name, None)
                changed = host_id is not None and self._hosts.pop(host_id, None) is not None
        else:
            info = zeroconf.get_service_info(service_type, name, timeout=RESOLVE_TIMEOUT_MS)
            found = parse_info(info) if info is not None else None
            if found is None or found.host_id == self._own_id or not found.addresses:
                return
            with self._lock:
                changed = self._hosts.get(found.host_id) != found
                self._hosts[found.host_id] = found
                self._names[name] = found.host_id
        if changed and self._on_change is not None:
            try:
                self._on_change(self.hosts())
            except Exception:
                log.exception("host list listener failed")

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.cancel()
            self._browser = None
        if self._zc is not None:
            self._zc.close()
            self._zc = None


class Discovery:
    """This host on the LAN: its announcement, and the one browser for the others.

    Started by the server thread once the port is known (when ``Settings.discovery`` is on);
    ``update()`` re-announces after the host's name or join code changed.
    """

    def __init__(
        self,
        advert: Callable[[], Advert],
        on_hosts: Callable[[list[dict[str, Any]]], None],
        bind_host: str,
    ) -> None:
        self._advert = advert
        self._on_hosts = on_hosts
        self._bind_host = bind_host
        self._announcer: Announcer | None = None
        self._browser: HostBrowser | None = None

    def start(self) -> None:
        """Announce and browse, on zeroconf's own threads; returns at once."""
        advert = self._advert()
        if self._bind_host in ("0.0.0.0", ""):
            self._announcer = Announcer(advert)
        else:  # bound to one address: announce exactly that one
            bound = self._bind_host
            self._announcer = Announcer(advert, addresses=lambda: [bound])
        self._announcer.start()
        browser = HostBrowser(own_id=advert.host_id, on_change=self._on_hosts)
        try:
            browser.start()
        except OSError:
            log.exception("could not browse for other hosts")
            return
        self._browser = browser

    def update(self) -> None:
        if self._announcer is not None:
            self._announcer.update(self._advert())

    def hosts(self) -> list[dict[str, Any]]:
        """Other Parley hosts seen on the LAN, by name."""
        return self._browser.hosts() if self._browser is not None else []

    @property
    def advertised_on(self) -> list[str]:
        return list(self._announcer.advertised_on) if self._announcer is not None else []

    def stop(self) -> None:
        """Withdraw the announcement (goodbye packets) and stop browsing (blocks briefly)."""
        if self._announcer is not None:
            self._announcer.stop()
        if self._browser is not None:
            self._browser.stop()
