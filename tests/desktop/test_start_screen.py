"""The start screen in the real window under Xvfb (``--no-discovery``): ``--start-screen`` opens it
over the owner's page, an address typed into it goes through join_host to a second real host, and
the window's page then joins that host (the second host sees the user arrive)."""

from __future__ import annotations

import pytest

from backend import start_server
from tests.desktop.conftest import ARTIFACTS, wait_painted

pytestmark = pytest.mark.desktop

VISITOR = "Window visitor"


def test_start_screen_joins_a_second_host(start_screen, tmp_path, settings) -> None:
    second = start_server(
        settings.replace(
            data_dir=tmp_path / "second", name="Second host", join_code=None, open=True
        )
    )
    try:
        screen = start_screen("desktop-start-screen.png")
        screen.join(f"127.0.0.1:{second.port}", second.port)

        # The window is on the second host's join screen now (its name field has focus): join.
        screen.sign_in_as(
            VISITOR, lambda: any(u["name"] == VISITOR for u in second.connected_here())
        )
        (visitor,) = [u for u in second.connected_here() if u["name"] == VISITOR]
        assert visitor["is_host"] is False  # a guest there, not that host's owner
        app, display = screen.app, screen.display
        wait_painted(display, ARTIFACTS / "desktop-joined-second-host.png")
        # Over https: WebKit accepted exactly the certificate with the key join_host pinned.
        assert app.says(f"window: 127.0.0.1:{second.port} presented its pinned key")
        # The bridge refuses the other host's page (desktop_info probe in the UI).
        assert app.says(f"refused for page https://127.0.0.1:{second.port}/")

        app.close_window(display)
        assert app.wait() == 0, app.output
    finally:
        second.stop()
