"""Hosts nearby for the start screen: ``backend.HostBrowser`` (mDNS), started on first use.

Only when discovery is on (the default for real users; ``--no-discovery`` / ``PARLEY_DISCOVERY=0``
and every test except the network-namespace ones turn it off): with it off, nothing here opens a
socket. The browser starts the first time the start screen asks (most launches never show it) and
stops when the window closes.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Nearby:
    """``hosts()`` → ``{"discovery": bool, "hosts": [Host]}`` (Host as in docs/protocol.md)."""

    def __init__(
        self,
        enabled: bool,
        home_url: str | None = None,
        browser_factory: Callable[..., Any] | None = None,
    ) -> None:
        self._enabled = enabled
        self._home_url = home_url
        self._factory = browser_factory
        self._lock = threading.Lock()
        self._browser: Any = None
        self._stopped = False

    def set_home(self, home_url: str) -> None:
        """Our own host's URL (to leave it out of the list), once it is serving."""
        self._home_url = home_url

    def hosts(self) -> dict[str, Any]:
        if not self._enabled:
            return {"discovery": False, "hosts": []}
        with self._lock:
            if self._browser is None and not self._stopped:
                self._browser = self._start()
            browser = self._browser
        return {"discovery": True, "hosts": browser.hosts() if browser is not None else []}

    def _start(self) -> Any:
        # Our own host announces itself too: its id keeps it out of the list.
        own_id = _own_id(self._home_url) if self._home_url else None
        factory = self._factory
        if factory is None:
            # Imported on first use, not at module load: keeps zeroconf off the window's start path.
            from backend import HostBrowser as factory
        browser = factory(own_id=own_id)
        try:
            browser.start()
        except Exception:
            log.exception("cannot browse for hosts nearby")
            return None
        log.info("browsing for hosts nearby (own id %s)", own_id)
        return browser

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            browser, self._browser = self._browser, None
        if browser is not None:
            browser.stop()


def _own_id(home_url: str) -> str | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(home_url + "api/info", timeout=5) as resp:
            return str(json.load(resp)["host_id"])
    except (OSError, ValueError, KeyError):
        return None
