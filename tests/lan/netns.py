"""A virtual LAN of network namespaces: one bridge, one namespace per "machine".

Root only. Everything lives inside namespaces this module creates and removes, so nothing here
(mDNS included) ever reaches the machine's real network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field

SUBNET = "10.213.7"  # a /24 used only inside the test namespaces


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=20)


def unavailable_reason() -> str | None:
    """Why namespace tests cannot run here, or None if they can."""
    if os.geteuid() != 0:
        return "network namespace tests need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    probe = f"parley-probe-{os.getpid()}"
    try:
        _ip("netns", "add", probe)
    except subprocess.CalledProcessError as exc:
        return f"the kernel refused 'ip netns add': {exc.stderr.strip()}"
    _ip("netns", "del", probe)
    return None


@dataclass
class Machine:
    name: str  # the namespace
    address: str

    def cmd(self, *argv: str) -> list[str]:
        """``argv`` run inside this machine's namespace."""
        return ["ip", "netns", "exec", self.name, *argv]


@dataclass
class Lan:
    tag: str
    machines: dict[str, Machine] = field(default_factory=dict)

    @property
    def bridge_ns(self) -> str:
        return f"pl{self.tag}-br"

    def up(self, letters: str) -> Lan:
        _ip("netns", "add", self.bridge_ns)
        _ip("-n", self.bridge_ns, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.bridge_ns, "link", "set", "br0", "up")
        _ip("-n", self.bridge_ns, "link", "set", "lo", "up")
        for n, letter in enumerate(letters, start=1):
            ns = f"pl{self.tag}-{letter}"
            outer, inner = f"v{self.tag}{letter}", "eth0"
            _ip("netns", "add", ns)
            _ip("link", "add", outer, "type", "veth", "peer", "name", f"i{self.tag}{letter}")
            _ip("link", "set", outer, "netns", self.bridge_ns)
            _ip("link", "set", f"i{self.tag}{letter}", "netns", ns)
            _ip("-n", ns, "link", "set", f"i{self.tag}{letter}", "name", inner)
            _ip("-n", self.bridge_ns, "link", "set", outer, "master", "br0")
            _ip("-n", self.bridge_ns, "link", "set", outer, "up")
            address = f"{SUBNET}.{n}"
            _ip("-n", ns, "addr", "add", f"{address}/24", "dev", inner)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", inner, "up", "multicast", "on")
            # mDNS needs a route for 224.0.0.251; the subnet route covers unicast only.
            _ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", inner)
            self.machines[letter] = Machine(ns, address)
        return self

    def down(self) -> None:
        for machine in self.machines.values():
            subprocess.run(["ip", "netns", "del", machine.name], capture_output=True, timeout=20)
        subprocess.run(["ip", "netns", "del", self.bridge_ns], capture_output=True, timeout=20)
