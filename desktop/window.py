"""The native window: pywebview (GTK/WebKitGTK on Linux) showing the host's own UI.

``webview`` is imported here only, and only once a display was found: a headless host never loads
GTK or WebKit. ``run_window`` blocks the main thread (pywebview's rule) until the window closes.
"""

from __future__ import annotations

import html
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend import ServerHandle

from .bridge import APP_TITLE, Bridge

log = logging.getLogger(__name__)

# Room for the room list, the messages and the invite panel side by side.
WINDOW_SIZE = (1100, 760)
# Below this the three columns stop fitting; the UI collapses to one column on its own.
MIN_SIZE = (720, 480)
# Linux: GTK only. pywebview would fall back to Qt, which we neither ship nor want (STACK.md).
GUI = "gtk" if sys.platform.startswith("linux") else None
# Menu path for the UI's start screen ("host a chat / join by address"), see ui/src/features/desktop.
JOIN_ROUTE = "#join"
# The same, added to the owner fragment (``#owner=KEY&join``) when the window opens on it.
START_FLAG = "&join"


class DisplayUnavailable(RuntimeError):
    """GTK could not initialise after all (the probe said yes): serve headless instead."""


def ensure_toolkit() -> None:
    """Second line of defence after display.probe(): GTK's own non-fatal init check."""
    if not sys.platform.startswith("linux"):
        return
    import gi

    gi.require_version("Gtk", "3.0")
    from gi.repository import Gtk

    ok, _argv = Gtk.init_check(None)
    if not ok:
        raise DisplayUnavailable("GTK cannot open the display")


class _WindowRef:
    """Lets the bridge exist before the window it talks about (js_api is a create_window arg)."""

    window: Any = None

    def get_current_url(self) -> str | None:
        return self.window.get_current_url() if self.window is not None else None

    def set_title(self, title: str) -> None:
        self.window.set_title(title)

    def load_url(self, url: str) -> None:
        self.window.load_url(url)


def run_window(
    handle: ServerHandle,
    data_dir: Path,
    set_activate: Callable[[Callable[[], dict[str, Any]]], None],
    start_screen: bool = False,
) -> None:
    """Show the host's UI as its owner until the window is closed (or SIGINT/SIGTERM);
    ``start_screen`` opens it on "join another host" (the owner still signs in underneath)."""
    import webview
    from webview.menu import Menu, MenuAction, MenuSeparator

    from . import csp
    from .nearby import Nearby
    from .notify import Notifier

    csp.install()
    ref = _WindowRef()

    def focus() -> None:
        if ref.window is not None:
            ref.window.show()
            ref.window.restore()  # GTK: present(), which also raises and focuses

    notifier = Notifier(on_click=focus)  # on the main thread: click signals arrive in its loop
    nearby = Nearby(handle.settings.discovery, handle.url)
    bridge = Bridge(handle.url, ref, notifier.notify, notifier.method, nearby=nearby.hosts)
    # The one-time owner key rides in the fragment: never sent over HTTP. "&join" asks the UI for
    # its start screen on top (ui/src/features/desktop/start-route.ts).
    first_url = handle.owner_url + (START_FLAG if start_screen else "")
    window = webview.create_window(
        APP_TITLE,
        first_url,
        js_api=bridge.api(),
        width=WINDOW_SIZE[0],
        height=WINDOW_SIZE[1],
        min_size=MIN_SIZE,
        text_select=True,  # people copy messages, codes and URLs
    )
    ref.window = window
    csp.without_eval(window)
    log.info("window on %s (notifications: %s)", handle.url, notifier.method)

    def activate() -> dict[str, Any]:
        focus()
        return {"ok": True, "mode": "window", "url": handle.url}

    set_activate(activate)

    def close(*_: object) -> None:
        window.destroy()

    # PyGObject wakes the GTK loop for Python signal handlers (Gio.Application.run override).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, close)

    menu = [
        Menu(
            APP_TITLE,
            [
                MenuAction("My chat", lambda: window.load_url(handle.url)),
                MenuAction("Join another host…", lambda: window.load_url(handle.url + JOIN_ROUTE)),
                MenuSeparator(),
                MenuAction("Quit", close),
            ],
        )
    ]
    try:
        webview.start(
            gui=GUI,
            menu=menu,
            # Persistent storage under data_dir: the UI keeps its session tokens (for other hosts,
            # and for "My chat" after the one-time owner key is spent) across launches.
            private_mode=False,
            storage_path=str(data_dir / "webview"),
        )
    finally:
        nearby.stop()


def show_error(message: str) -> None:
    """One native error window (start failed); returns when it is closed."""
    import webview

    body = html.escape(message)
    webview.create_window(
        f"{APP_TITLE}: cannot start",
        html=f"<body style='font-family:sans-serif;padding:1.5em'><h2>Parley cannot start</h2>"
        f"<p>{body}</p><p>Details are in the log file.</p></body>",
        width=520,
        height=260,
    )
    webview.start(gui=GUI)
