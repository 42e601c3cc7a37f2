"""This machine's addresses: what peers can reach us on, and which Host names are our own.

Uses ifaddr (the library python-zeroconf itself uses) so it works the same on Linux, macOS and
Windows without parsing tool output.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import json
import socket
import ssl
import time
import urllib.parse

import ifaddr

from .tls import fingerprint_of_der

# Interface name prefixes of container and VM bridges: reachable only from this machine, so they
# are not offered as join URLs unless nothing else exists.
VIRTUAL_PREFIXES = (
    "docker",
    "br-",
    "veth",
    "virbr",
    "vmnet",
    "vboxnet",
    "lxc",
    "lxd",
    "cni",
    "flannel",
)


def lan_ipv4() -> list[str]:
    """IPv4 addresses peers on the LAN can use: no loopback, no link-local; virtual last resort."""
    real: list[str] = []
    virtual: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not ip.is_IPv4:
                continue
            address = ipaddress.IPv4Address(ip.ip)
            if address.is_loopback or address.is_link_local or address.is_unspecified:
                continue
            bucket = virtual if adapter.nice_name.startswith(VIRTUAL_PREFIXES) else real
            if str(address) not in bucket:
                bucket.append(str(address))
    return real or virtual


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 (and IPv4-mapped loopback): this machine only."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def all_local_addresses() -> set[str]:
    """Every address on every interface, IPv6 included (for Host header checks)."""
    found = {"127.0.0.1", "::1"}
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            found.add(ip.ip if isinstance(ip.ip, str) else ip.ip[0])  # IPv6: (address, flow, scope)
    return found


def join_urls(bind_host: str, port: int, scheme: str = "http") -> list[str]:
    """The URLs to give peers for a server bound to ``bind_host``:``port``."""
    if bind_host in ("0.0.0.0", "", "::"):
        hosts = lan_ipv4() or ["127.0.0.1"]
    else:
        hosts = [bind_host]
    return [f"{scheme}://{host}:{port}/" for host in hosts]


class LocalNames:
    """The names a request's Host header may carry to reach this host (DNS rebinding guard).

    Addresses change (DHCP, Wi-Fi roaming), so an unknown name re-reads the interfaces, at most
    once per ``refresh_every`` seconds.
    """

    refresh_every = 2.0

    def __init__(self, bind_host: str, extra: tuple[str, ...] = ()) -> None:
        self._fixed = {"localhost", bind_host.lower()} | {e.lower() for e in extra}
        hostname = socket.gethostname().lower()
        if hostname:
            self._fixed |= {hostname, hostname + ".local"}
        self._names: set[str] = set()
        self._read_at = -1e9
        self._refresh()

    def _refresh(self) -> None:
        self._names = self._fixed | {a.lower() for a in all_local_addresses()}
        self._read_at = time.monotonic()

    def __contains__(self, name: str) -> bool:
        name = name.lower().rstrip(".")
        if name in self._names:
            return True
        if time.monotonic() - self._read_at >= self.refresh_every:
            self._refresh()
            return name in self._names
        return False


def split_host(value: str) -> tuple[str, int | None]:
    """``'[::1]:8080'`` → ``('::1', 8080)``; ``'example'`` → ``('example', None)``."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end == -1:
            return value, None
        host, rest = value[1:end], value[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, port = value.split(":")
    else:
        host, port = value, ""
    try:
        return host, int(port) if port else None
    except ValueError:
        return host, -1


def answers(url: str, timeout: float = 1.5, fingerprint: str | None = None) -> bool:
    """True when ``url`` + ``healthz`` answers like a Parley host (blocking: offload it).

    Over https the certificate is this host's own, which no authority vouches for: the answer
    counts when the key presented is ``fingerprint`` (this host's), checked before the request is
    written; None accepts any key.
    """
    parts = urllib.parse.urlsplit(url)
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=context
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.connect()
        if isinstance(conn.sock, ssl.SSLSocket) and fingerprint is not None:
            der = conn.sock.getpeercert(binary_form=True)
            if der is None or fingerprint_of_der(der) != fingerprint:
                return False
        conn.request("GET", (parts.path or "/") + "healthz")
        response = conn.getresponse()
        return bool(response.status == 200 and json.load(response).get("ok") is True)
    except (OSError, ValueError, http.client.HTTPException):
        return False
    finally:
        conn.close()


@functools.lru_cache(maxsize=4096)  # asked at every connect and join; parsing is the cost
def address_key(address: str) -> str:
    """The unit a connection cap counts: an IPv4 address, or an IPv6 /64 (one machine's share)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
