"""The start screen in the real window under Xvfb (``--no-discovery``): ``--start-screen`` opens it
over the owner's page, an address typed into it goes through join_host to a second real host, and
the window's page then joins that host (the second host sees the user arrive)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from backend import start_server
from tests.desktop.conftest import SOURCE_CMD, STANDIN_UI, screenshot_colors

pytestmark = pytest.mark.desktop

MIN_COLOURS = 20  # as in test_window.py: a blank screen is one colour
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VISITOR = "Window visitor"


def _xdotool(display: str, *args: str) -> None:
    subprocess.run(
        ["xdotool", *args], check=True, timeout=30, env={**os.environ, "DISPLAY": display}
    )


def _type_into_window(display: str, wid: int, text: str) -> None:
    """Keystrokes (XTEST) into the window's focused field; Xvfb has no WM, so focus it ourselves."""
    _xdotool(display, "windowfocus", "--sync", str(wid))
    _xdotool(display, "type", "--delay", "30", text)
    _xdotool(display, "key", "Return")


def _wait_painted(display: str, shot: Path, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while (colours := screenshot_colors(display, shot)) < MIN_COLOURS:
        assert time.monotonic() < deadline, f"the window stayed blank, see {shot}"
        time.sleep(0.5)
    return colours


def test_start_screen_joins_a_second_host(launch, xvfb, ui_dist, tmp_path, settings) -> None:
    if ui_dist == STANDIN_UI:
        pytest.skip("the start screen is in the real UI: run `make ui` first")
    second = start_server(
        settings.replace(
            data_dir=tmp_path / "second", name="Second host", join_code=None, open=True
        )
    )
    try:
        app = launch(SOURCE_CMD, xvfb, ui_dist, "--start-screen")
        wid = app.window_id(xvfb)
        ARTIFACTS.mkdir(exist_ok=True)
        _wait_painted(xvfb, ARTIFACTS / "desktop-start-screen.png")
        time.sleep(1.0)  # the address field takes focus once React mounted the screen

        _type_into_window(xvfb, wid, f"127.0.0.1:{second.port}")
        app._wait_for(rf"join (https://127\.0\.0\.1:{second.port}/): ok", timeout=30)

        # The window is on the second host's join screen now (its name field has focus): join.
        deadline = time.monotonic() + 40
        typed_at = 0.0
        while not any(u["name"] == VISITOR for u in second.connected_users()):
            assert time.monotonic() < deadline, (
                f"the window never joined the second host:\n{app.output}"
            )
            if time.monotonic() - typed_at > 10:  # the page may still have been loading: type again
                time.sleep(1.0)
                _xdotool(xvfb, "key", "ctrl+a", "BackSpace")
                _type_into_window(xvfb, wid, VISITOR)
                typed_at = time.monotonic()
            time.sleep(0.3)
        (visitor,) = [u for u in second.connected_users() if u["name"] == VISITOR]
        assert visitor["is_host"] is False  # a guest there, not that host's owner
        _wait_painted(xvfb, ARTIFACTS / "desktop-joined-second-host.png")
        # Over https: WebKit accepted exactly the certificate with the key join_host pinned.
        assert f"window: 127.0.0.1:{second.port} presented its pinned key" in app.output
        # The bridge refuses the other host's page (desktop_info probe in the UI).
        assert f"refused for page https://127.0.0.1:{second.port}/" in app.output

        app.close_window(xvfb)
        assert app.wait() == 0, app.output
    finally:
        second.stop()
