"""The desktop app's first run asks the host person's name (issue 15), in the real window under
Xvfb: the question comes up with its field focused and filled in with the OS account's name (the
passwd GECOS full name, else the login name); what the person types there becomes their name for
everyone, and the machine keeps its own."""

from __future__ import annotations

import time

import pytest

from backend.chat.names import fitting_name
from backend.config import default_person_name
from tests.desktop.conftest import (
    ARTIFACTS,
    JOIN_CODE,
    SOURCE_CMD,
    STANDIN_UI,
    screenshot_colors,
    wait_painted,
    xdotool,
)
from tests.desktop.test_window import wait_host_online
from tests.peers import Peer

pytestmark = pytest.mark.desktop


def test_the_window_asks_the_host_persons_name_on_first_run(launch, xvfb, ui_dist) -> None:
    if ui_dist == STANDIN_UI:
        pytest.skip("the question is in the real UI: run `make ui` first")
    app = launch(SOURCE_CMD, xvfb, ui_dist)
    peer = Peer(app.url, {"name": "Watcher", "code": JOIN_CODE})
    try:
        suggested = fitting_name(default_person_name())
        host = wait_host_online(peer)
        assert host["name"] == suggested  # the person, not the machine
        wid = app.window_id(xvfb)
        shot = ARTIFACTS / "desktop-first-run-name.png"
        wait_painted(xvfb, shot, timeout=20)
        time.sleep(1.5)  # the question opens once the desktop bridge answered

        # Keystrokes (XTEST) into the focused field: after what is filled in, " Jr", then Enter.
        xdotool(xvfb, "windowfocus", "--sync", str(wid))
        screenshot_colors(xvfb, shot)  # the question, as the person sees it
        xdotool(xvfb, "key", "End")
        xdotool(xvfb, "type", "--delay", "30", " Jr")
        xdotool(xvfb, "key", "Return")
        renamed = peer.expect("user_updated", timeout=20)["user"]
        assert (renamed["id"], renamed["name"]) == (host["id"], f"{suggested} Jr")
        assert renamed["is_host"] is True

        app.close_window(xvfb)
        assert app.wait() == 0, app.output
    finally:
        peer.sio.disconnect()
