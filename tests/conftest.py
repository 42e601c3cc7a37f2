"""Fixtures shared by every test layer: settings in a temp dir, a live host, real clients."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend import ServerHandle, Settings, start_server
from tests.peers import Peer

JOIN_CODE = "24681357"
# `make test` runs the integration tests a second time with PARLEY_FASTPATH=0: the host on stock
# python-engineio (backend/wire/install.py). Read here, before _clean_env empties PARLEY_* for each
# test; the settings fixture and child hosts (tests/hostproc.py) carry it on.
FASTPATH = os.environ.get("PARLEY_FASTPATH", "1").strip().lower() not in ("0", "false", "no", "off")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """The one Playwright driver of the session: sync Playwright cannot run twice in a thread, so
    the e2e browser and the LAN tests' namespaced chromium both start from this."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's PARLEY_* variables out of every test (Flask's _reset_os_environ)."""
    for key in [k for k in os.environ if k.startswith("PARLEY_")]:
        monkeypatch.delenv(key)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        host="127.0.0.1",
        port=0,
        data_dir=tmp_path / "data",
        name="Test host",
        # The host person's own name (issue 15) would be the OS account's, which differs from
        # machine to machine: pinned, to the name the host user had before it was their own.
        person_name="Test host",
        join_code=JOIN_CODE,
        discovery=False,
        fastpath=FASTPATH,
        testing=True,
    )


def server_threads() -> list[str]:
    """The host's own threads: the gevent server thread and the storage workers."""
    return [
        t.name for t in threading.enumerate() if t.name == "chat-server" or t.name.startswith("db-")
    ]


@pytest.fixture
def live_server(settings: Settings) -> Iterator[ServerHandle]:
    assert server_threads() == []
    handle = start_server(settings)
    yield handle
    handle.stop()
    assert not handle.running
    assert server_threads() == []  # no leaked server or storage threads


@pytest.fixture
def connect(live_server: ServerHandle) -> Iterator[Callable[..., Peer]]:
    """Real python-socketio clients on the websocket transport against the live host."""
    peers: list[Peer] = []

    def _connect(name: str | None = None, **auth: str) -> Peer:
        if name is not None:
            auth = {"name": name, "code": JOIN_CODE, **auth}
        peer = Peer(live_server.url, auth)
        peers.append(peer)
        return peer

    yield _connect
    for peer in peers:
        peer.close()
