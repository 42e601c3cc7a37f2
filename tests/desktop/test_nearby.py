"""The start screen's host list: HostBrowser only when discovery is on, started on first use, not
before, and stopped at exit. (A stand-in browser here: real mDNS runs only in the namespace tests.)"""

from __future__ import annotations

import json
import urllib.request

from backend import ServerHandle
from desktop.nearby import Nearby

HOST = {
    "host_id": "b" * 32,
    "name": "Other",
    "version": "0.1.0",
    "needs_code": True,
    "addresses": ["10.0.0.2"],
    "urls": ["http://10.0.0.2:7275/"],
}


class _Browser:
    made: list[_Browser] = []

    def __init__(self, own_id: str | None = None) -> None:
        self.own_id, self.started, self.stopped = own_id, 0, 0
        _Browser.made.append(self)

    def start(self) -> None:
        self.started += 1

    def hosts(self) -> list[dict]:
        return [HOST]

    def stop(self) -> None:
        self.stopped += 1


def test_off_never_browses() -> None:
    _Browser.made.clear()
    nearby = Nearby(False, "http://127.0.0.1:1/", browser_factory=_Browser)
    assert nearby.hosts() == {"discovery": False, "hosts": []}
    nearby.stop()
    assert _Browser.made == []


def test_on_starts_once_on_first_ask_skips_itself_and_stops(live_server: ServerHandle) -> None:
    _Browser.made.clear()
    nearby = Nearby(True, live_server.url, browser_factory=_Browser)
    assert _Browser.made == []  # nothing until the start screen asks
    assert nearby.hosts() == {"discovery": True, "hosts": [HOST]}
    assert nearby.hosts()["hosts"] == [HOST]
    (browser,) = _Browser.made
    with urllib.request.urlopen(live_server.url + "api/info", timeout=5) as resp:
        assert browser.own_id == json.load(resp)["host_id"]  # our own host's id: skip its echo
    assert browser.started == 1
    nearby.stop()
    assert browser.stopped == 1
    assert nearby.hosts() == {"discovery": True, "hosts": []}  # never restarts after exit


def test_home_set_after_construction_is_skipped_too(live_server: ServerHandle) -> None:
    """The window builds Nearby before its host serves; the home URL arrives with set_home."""
    _Browser.made.clear()
    nearby = Nearby(True, browser_factory=_Browser)
    nearby.set_home(live_server.url)
    nearby.hosts()
    (browser,) = _Browser.made
    with urllib.request.urlopen(live_server.url + "api/info", timeout=5) as resp:
        assert browser.own_id == json.load(resp)["host_id"]
    nearby.stop()
