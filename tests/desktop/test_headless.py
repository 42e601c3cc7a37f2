"""Without a usable display the app serves headless (never dies), says why, and people chat with it:
the frozen binary with no DISPLAY and with a stale one, the binary unpacked from the .deb, and the
source run for the port-busy and second-launch paths."""

from __future__ import annotations

import signal
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.desktop.conftest import JOIN_CODE, SOURCE_CMD, app_env
from tests.peers import Peer

pytestmark = pytest.mark.desktop


def chat_and_stop(app) -> None:
    """Two clients join with the code; one's message reaches the other; SIGTERM → exit 0."""
    alice = Peer(app.url, {"name": "Alice", "code": JOIN_CODE})
    bob = Peer(app.url, {"name": "Bob", "code": JOIN_CODE})
    try:
        sent = alice.send(alice.room_id(), "hello from a headless host", str(uuid.uuid4()))
        got = bob.expect("message_created")
        assert got["id"] == sent["id"] and got["text"] == "hello from a headless host"
        app.proc.send_signal(signal.SIGTERM)
        assert app.wait() == 0, app.output
    finally:
        alice.sio.disconnect()
        bob.sio.disconnect()


def test_frozen_without_display_serves_headless(launch, frozen_binary) -> None:
    app = launch([str(frozen_binary)], None)
    assert app.says("no display: neither DISPLAY nor WAYLAND_DISPLAY is set")
    assert app.says(f"Join code: {JOIN_CODE}")
    # The bundle carries the metadata the fast path checks its library versions against.
    assert app.says("transport: the websocket fast path")
    chat_and_stop(app)


def test_frozen_with_stale_display_serves_headless(launch, frozen_binary, stale_display) -> None:
    app = launch([str(frozen_binary)], stale_display)
    assert app.says(f"cannot open X display {stale_display}")
    chat_and_stop(app)


def test_deb_metadata_and_contents(deb: Path) -> None:
    info = subprocess.run(
        ["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "Package: parley" in info
    assert "gir1.2-webkit2-4.1" in info and "gir1.2-gtk-3.0" in info
    contents = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    for path in (
        "./usr/bin/parley",
        "./usr/share/applications/parley.desktop",
        "./usr/share/icons/hicolor/scalable/apps/parley.svg",
        "./usr/share/icons/hicolor/256x256/apps/parley.png",
    ):
        assert path in contents, contents
    assert "-rwxr-xr-x root/root" in next(
        line for line in contents.splitlines() if "usr/bin/parley" in line
    )


def test_binary_from_deb_runs_headless(launch, deb: Path, tmp_path: Path) -> None:
    root = tmp_path / "unpacked"
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True, timeout=120)
    desktop_entry = (root / "usr/share/applications/parley.desktop").read_text()
    assert "Exec=parley" in desktop_entry and "Icon=parley" in desktop_entry
    app = launch([str(root / "usr/bin/parley"), "--headless"], None)
    assert app.says("--headless was given")
    chat_and_stop(app)


def test_busy_port_takes_another_and_says_which(launch, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        app = launch(SOURCE_CMD, None, None, "--headless", "--port", str(port))
        assert app.says(f"Port {port} is in use")
        assert f":{port}/" not in app.url
        chat_and_stop(app)


def test_second_launch_says_headless_host_runs(launch, tmp_path: Path) -> None:
    first = launch(SOURCE_CMD, None, None, "--headless")
    second = subprocess.run(
        [*SOURCE_CMD, "--data-dir", str(first.data_dir), "--port", "0", "--no-discovery"],
        env=app_env(None),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode == 0, second.stderr
    assert "already running without a window" in second.stdout
    assert first.proc.poll() is None
    chat_and_stop(first)
