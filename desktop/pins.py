"""The keys of other hosts the desktop window joined, pinned like SSH's known_hosts.

``join_host`` (bridge.py) pins a host's key when it first answers (trust on first use; the host's
join screen shows the same fingerprint to compare with its owner's screen) or checks the invite
link's ``fp=``; the window's TLS handler (tls_window.py) then lets WebKit accept exactly a
certificate with that key. Pins are kept by address (``host:port``: another key there is a
mismatch, whoever claims to be there) and by the host's id (the same host met at a new address
must present the same key).

The file is ``pins.json`` in the app's data dir, next to the window's web storage where the UI
keeps its sessions on those hosts (a pin and the session it protects live and are backed up
together); 0600, written whole to a temporary file and renamed over the old one.

Shape: ``{"addresses": {"host:port": FP}, "hosts": {host_id: FP}}``.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

FILE_NAME = "pins.json"


class Pins:
    """The pin file in ``directory``; None keeps pins in memory only (for this run)."""

    def __init__(self, directory: Path | None) -> None:
        self.path = directory / FILE_NAME if directory is not None else None
        self._memory: dict[str, dict[str, Any]] = {"addresses": {}, "hosts": {}}
        self._lock = threading.Lock()  # join_host's thread writes, the GTK thread reads

    def for_address(self, address: str) -> str | None:
        found = self._read()["addresses"].get(address.lower())
        return str(found) if found else None

    def for_host(self, host_id: str) -> str | None:
        found = self._read()["hosts"].get(host_id)
        return str(found) if found else None

    def remember(self, address: str, host_id: str | None, fingerprint: str) -> None:
        with self._lock:
            data = self._read()
            data["addresses"][address.lower()] = fingerprint
            if host_id:
                data["hosts"][host_id] = fingerprint
            self._write(data)

    def _read(self) -> dict[str, dict[str, Any]]:
        if self.path is None:
            return {k: dict(v) for k, v in self._memory.items()}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        except (OSError, ValueError):
            # An unreadable file pins nothing, and the next join writes a good one; a mismatch
            # can't be hidden this way without also being able to write this person's files.
            data = {}
        if not isinstance(data, dict):
            data = {}
        return {
            "addresses": dict(data.get("addresses") or {}),
            "hosts": dict(data.get("hosts") or {}),
        }

    def _write(self, data: dict[str, Any]) -> None:
        if self.path is None:
            self._memory = data
            return
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".pins-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:  # mkstemp: 0600 from the start
                json.dump(data, f, indent=2, sort_keys=True)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
