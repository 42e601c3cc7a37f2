"""The real window under Xvfb, from source and frozen: the host's page joins as the host user,
the screen is not blank, and closing the window stops the host cleanly (exit 0, clients see a
disconnect)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.desktop.conftest import ARTIFACTS, JOIN_CODE, SOURCE_CMD, wait_painted
from tests.peers import Peer

pytestmark = pytest.mark.desktop


def wait_host_online(peer: Peer, timeout: float = 40.0) -> dict:
    """The host user as the server lists it, once its window's page has connected."""
    for user in peer.welcome["users"]:
        if user.get("is_host") and user.get("online"):
            return user
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        change = peer.expect("users_changed", timeout=max(0.1, deadline - time.monotonic()))
        for user in change["users"]:
            if user.get("is_host") and user["online"]:
                return user
    raise AssertionError("the window's page never connected as the host user")


def check_window_lifecycle(app, display: str, shot: Path) -> None:
    peer = Peer(app.url, {"name": "Watcher", "code": JOIN_CODE})
    try:
        host = wait_host_online(peer)
        assert host["is_host"] is True
        app.window_id(display)
        wait_painted(display, shot, timeout=20)

        app.close_window(display)
        assert app.wait() == 0, app.output
        deadline = time.monotonic() + 10
        while not peer.disconnected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert peer.disconnected, "the client never saw the host go away"
        assert "host stopped" in app.output
    finally:
        peer.sio.disconnect()


def test_window_from_source_joins_as_host_and_closes_cleanly(launch, xvfb, ui_dist) -> None:
    app = launch(SOURCE_CMD, xvfb, ui_dist)
    check_window_lifecycle(app, xvfb, ARTIFACTS / "desktop-source.png")


def test_frozen_window_joins_as_host_and_closes_cleanly(launch, xvfb, frozen_binary) -> None:
    app = launch([str(frozen_binary)], xvfb)  # the UI bundled in the binary
    check_window_lifecycle(app, xvfb, ARTIFACTS / "desktop-frozen.png")


def test_second_launch_focuses_the_first_window(launch, xvfb, ui_dist, tmp_path) -> None:
    first = launch(SOURCE_CMD, xvfb, ui_dist)
    first.window_id(xvfb)
    from tests.desktop.conftest import app_env

    second = subprocess.run(
        [*SOURCE_CMD, "--data-dir", str(first.data_dir), "--port", "0", "--no-discovery"],
        env=app_env(xvfb, ui_dist),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 0, second.stderr
    assert "already running; its window was brought to the front" in second.stdout
    assert first.proc.poll() is None  # the first one is untouched
    first.close_window(xvfb)
    assert first.wait() == 0


def test_host_that_cannot_start_is_explained_in_the_window(xvfb, ui_dist, tmp_path) -> None:
    """The window opens before the host has started; if the host fails, the window says so, and
    closing it exits 1. (192.0.2.1 is TEST-NET-1: never this machine's, so the bind fails.)"""
    from tests.desktop.conftest import App, app_env

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    out_path = tmp_path / "out.txt"
    with out_path.open("w") as out:
        proc = subprocess.Popen(
            [*SOURCE_CMD, "--data-dir", str(data_dir), "--host", "192.0.2.1", "--port", "0"]
            + ["--no-discovery"],
            env=app_env(xvfb, ui_dist),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            app = App.__new__(App)  # only its window helpers: this one never serves
            app.proc, app.out_path = proc, out_path
            app.window_id(xvfb)
            app.wait_for(r"(cannot start the host: .*Cannot assign requested address)")
            # The message, not a blank page.
            wait_painted(xvfb, ARTIFACTS / "desktop-cannot-start.png", timeout=20)
            app.close_window(xvfb)
            assert proc.wait(20) == 1
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
