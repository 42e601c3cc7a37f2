"""The desktop app's native notifications, for real: the app under Xvfb on a private session bus
(``dbus-run-session``) whose notification service is python-dbusmock's notification daemon. A
mention arrives from another person; the service receives Notify with the title and body the page
chose, the window's title and the launcher's badge (the Unity LauncherEntry signal) show the
unread count, and the server's ActionInvoked (a click on the notification) brings the window up
on that conversation: the page opens it and reads it (the sender sees "seen"), the count goes."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.desktop.conftest import JOIN_CODE, REPO, SOURCE_CMD, App, app_env
from tests.desktop.session_bus import SessionBus, session_bus  # noqa: F401 (a fixture)
from tests.desktop.test_window import wait_host_online
from tests.peers import Peer

pytestmark = pytest.mark.desktop

HOST_NAME = "Juno"
APP_URI = "application://parley.desktop"


def _until(what: str, check: Callable[[], object], app: App, timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never: {what}; the app said:\n{app.output}")


def test_a_mention_notifies_and_its_click_opens_the_conversation(
    session_bus: SessionBus,  # noqa: F811
    xvfb: str,
    tmp_path: Path,
) -> None:
    ui = REPO / "ui" / "dist"
    if not (ui / "index.html").is_file():
        pytest.fail("the real UI is not built: make ui (npm --prefix ui run build)")
    env = app_env(xvfb, ui)
    env["DBUS_SESSION_BUS_ADDRESS"] = session_bus.address
    app = App(SOURCE_CMD, tmp_path / "data", env, "--name", HOST_NAME)
    peer = Peer(app.url, {"name": "Watcher", "code": JOIN_CODE})
    try:
        host = wait_host_online(peer)
        assert app.says("notifications: dbus")
        wid = app.window_id(xvfb)

        def badge() -> dict | None:
            session_bus.pump()
            ours = [props for uri, props in session_bus.launcher if uri == APP_URI]
            return ours[-1] if ours else None

        # The page found its bridge: it put its first count (none) on the badge.
        _until(
            "the page's first count", lambda: badge() == {"count": 0, "count-visible": False}, app
        )
        dm = peer.call("open_dm", {"user_ids": [host["id"]]})["room"]
        sent = peer.send(dm["id"], f"@{host['name']} lunch at noon?", "w-1")
        assert host["id"] in sent["mentions"]

        calls = _until("a Notify call", session_bus.notify_calls, app)
        assert isinstance(calls, list) and len(calls) == 1, calls
        app_name, replaces, _icon, summary, body, actions, hints, _timeout = calls[0]
        assert (app_name, replaces) == ("Parley", 0)
        assert summary == "Watcher mentioned you (direct message)"
        assert body == f"@{host['name']} lunch at noon?"
        assert actions[0] == "default"
        assert hints["desktop-entry"] == "parley"

        # The unread count: the window's title and the launcher's badge.
        _until("(1) in the title", lambda: app.window_title(xvfb, wid) == "(1) Parley", app)
        _until("a badge of 1", lambda: badge() == {"count": 1, "count-visible": True}, app)

        # Nobody opened the conversation yet (the window shows #general) ...
        assert peer.received("seen", within=1.0) == []
        # ... until the person clicks the notification: the server says so with ActionInvoked
        # on its id (the mock numbers from 1).
        session_bus.invoke_action(1)
        seen = peer.expect("seen", timeout=30)
        assert (seen["room_id"], seen["user_id"]) == (dm["id"], host["id"])
        assert seen["last_read_id"] == sent["id"]
        _until(
            "the count gone from the title", lambda: app.window_title(xvfb, wid) == "Parley", app
        )
        _until("the badge hidden", lambda: badge() == {"count": 0, "count-visible": False}, app)
        assert len(session_bus.notify_calls()) == 1  # and nothing else was notified

        app.close_window(xvfb)
        assert app.wait() == 0, app.output
    finally:
        peer.close()
        app.stop()
